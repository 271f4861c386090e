"""The nerve follow-up: a day after "still there", ask again whether it has gone (R-NEURO).

The follow-up is the same session logged again as a new event that supersedes the first log,
so the latest answer is the session's answer, on the phone (Today) and on the server.
"""

from datetime import UTC, datetime, timedelta

from domain.nerves import FOLLOW_UP_AFTER_HOURS
from mobile.core.checks import recorded_at
from mobile.core.outbox import NORMAL
from mobile.core.plan import plan_protocol

# What makes the follow-up the same session as the first log (the server compares these).
_SESSION = ("plan_id", "exercise_id", "local_date", "slot", "sets_done", "sets_due", "status")
_CARRIED = ("skip_reason", "stop_if_id", "pain_before", "pain_after", "note")


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def exercise_names(store) -> dict[tuple[int, str], str]:
    """Return exercise names by (plan id, exercise id) for the stored plans."""
    names = {}
    for plan in store.plans():
        protocol = plan_protocol(store, plan)
        for phase in protocol.phases if protocol else ():
            for exercise in phase.exercises:
                names[(plan["id"], exercise.id)] = exercise.name
        for revision in plan.get("revisions") or ():  # exercises a physio added to the plan
            for added in (revision.get("adjustments") or {}).get("added_exercises") or ():
                names[(plan["id"], added["exercise"]["id"])] = added["exercise"]["name"]
    return names


def nerve_followups_due(store, now: datetime | None = None) -> list[dict]:
    """Return the logs whose "still there" answer is a day old and not followed up, oldest first."""
    now = now or datetime.now(UTC)
    logs = store.exercise_logs()
    superseded = {log["supersedes"] for log in logs if log.get("supersedes")}
    latest: dict[tuple, dict] = {}
    for log in logs:  # receive order: a later log of the same session replaces the earlier
        key = (log.get("plan_id"), log["exercise_id"], log["local_date"], log.get("slot", 1))
        latest[key] = log
    due = []
    for log in latest.values():
        if log.get("nerve_symptoms") != "ongoing" or log["id"] in superseded:
            continue
        at = _moment(log.get("recorded_at") or log.get("received_at"))
        if at is None or now - at < timedelta(hours=FOLLOW_UP_AFTER_HOURS):
            continue
        due.append(log)
    if not due:
        return []
    names = exercise_names(store)
    due.sort(key=lambda log: _moment(log.get("recorded_at") or log.get("received_at")))
    return [{**log, "name": names.get((log.get("plan_id"), log["exercise_id"]))} for log in due]


def answer_nerve_followup(store, log: dict, still_there: bool, now: datetime | None = None) -> str:
    """Queue the follow-up of a "still there" log ("lasting" or "settled"); return its UUID."""
    if log.get("nerve_symptoms") != "ongoing":
        raise ValueError("only a log answered 'still there' is followed up")
    data = {key: log[key] for key in _SESSION if key in log}
    data.setdefault("slot", 1)
    data.update({key: log.get(key) for key in _CARRIED})
    data.update(
        supersedes=log["id"],
        nerve_symptoms="lasting" if still_there else "settled",
        recorded_at=recorded_at(now),
    )
    local = {key: log[key] for key in ("stop_symptom", "stop_level") if log.get(key)}
    # Any stop sign of the session was reported (and its episode opened) with the first log.
    return store.enqueue("exercise_log", data, priority=NORMAL, local=local)
