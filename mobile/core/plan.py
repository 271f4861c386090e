"""A pulled plan (the API's plan JSON) and its protocol as the domain core's values."""

from datetime import date
from typing import Any

from domain.protocol import Exercise, Protocol
from domain.schedule import DayPlan, Revision, effective_exercises, expand_schedule, in_force
from mobile.core.formatting import as_date

# Protocol versions are immutable, so (id, version) names one parse for the life of the app.
_PARSED: dict[tuple[str, int], Protocol] = {}


def protocol_from(content: dict | Protocol) -> Protocol:
    """Return the domain protocol of a content document (parsed once per version)."""
    if isinstance(content, Protocol):
        return content
    key = (content["id"], content["version"])
    found = _PARSED.get(key)
    if found is None:
        found = _PARSED[key] = Protocol.from_dict(content)
    return found


def plan_protocol(store, plan: dict) -> Protocol | None:
    """Return the protocol a plan follows, or None while it has not been pulled."""
    content = store.protocol(plan["protocol_id"], plan["protocol_version"])
    return None if content is None else protocol_from(content)


def revisions_of(plan: dict) -> list[Revision]:
    """Return a plan's revisions as the schedule expects them."""
    return [
        Revision(r["number"], as_date(r["effective_from"]), r.get("adjustments") or {})
        for r in plan.get("revisions") or ()
    ]


def _optional_date(value: Any) -> date | None:
    return None if value in (None, "") else as_date(value)


def day_plans(plan: dict, protocol: Protocol, date_from: date, date_to: date) -> list[DayPlan]:
    """Expand a plan between two dates (inclusive), clipped to the plan's own dates."""
    return expand_schedule(
        protocol,
        as_date(plan["start_date"]),
        _optional_date(plan.get("surgery_date")),
        _optional_date(plan.get("end_date")),
        revisions_of(plan),
        date_from,
        date_to,
    )


def exercises_on(plan: dict, protocol: Protocol, day: DayPlan) -> dict[str, Exercise]:
    """Return the exercises in force on a day (after the plan's adjustments, timed changes
    included), by id."""
    revision = next(r for r in revisions_of(plan) if r.number == day.revision)
    exercises = effective_exercises(
        protocol, in_force(revision.adjustments, day.date), day.phase_id
    )
    return {e.id: e for e in exercises}
