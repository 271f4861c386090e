"""Plan the day's reminders: one digest per time-of-day slot with work left, in local time.

The patient chooses the time of each slot; the choice is a device setting (it survives a
sign-out and is never sent to the server), read each time the day's reminders are planned.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from mobile.core.formatting import TIME_OF_DAY_ORDER, plural
from mobile.core.plan import plan_protocol

DEFAULT_TIMES: dict[str, time] = {
    "morning": time(8, 0),
    "midday": time(12, 30),
    "afternoon": time(16, 0),
    "evening": time(19, 30),
}
_UNFINISHED = ("todo", "partial")
SETTING = "reminder_times"  # {slot: "HH:MM"}, only the slots the patient changed


def reminder_times(store) -> dict[str, time]:
    """Return each slot's reminder time: the patient's choice, else the usual one."""
    times = dict(DEFAULT_TIMES)
    for slot, text in (store.get_setting(SETTING) or {}).items():
        try:
            chosen = time.fromisoformat(text)
        except (TypeError, ValueError):
            continue  # a setting that cannot be read leaves the usual time
        if slot in times:
            times[slot] = chosen.replace(second=0, microsecond=0)
    return times


def set_reminder_time(store, slot: str, at: time) -> None:
    """Keep the patient's time for one slot on this device."""
    if slot not in DEFAULT_TIMES:
        raise ValueError(f"unknown time of day: {slot!r}")
    chosen = {**(store.get_setting(SETTING) or {}), slot: at.strftime("%H:%M")}
    store.set_setting(SETTING, chosen)


def reset_reminder_times(store) -> None:
    """Go back to the usual time of every slot."""
    store.set_setting(SETTING, {})


def clock_text(at: time) -> str:
    """Return a time as a 24-hour clock shows it."""
    return at.strftime("%H:%M")


def plan_slots(store, view) -> tuple[str, ...]:
    """Return the slots the patient's plan uses (any phase, and today's), in the day's order."""
    used = {group.time_of_day for group in view.groups} if view is not None else set()
    plan = store.active_plan()
    protocol = plan and plan_protocol(store, plan)
    if protocol:
        used |= {s for p in protocol.phases for e in p.exercises for s in e.dose.slots}
    # No plan yet: every slot, so the times can be set before the first sync.
    return tuple(s for s in TIME_OF_DAY_ORDER if s in used) or TIME_OF_DAY_ORDER


@dataclass(frozen=True)
class Reminder:
    """A notification to show at an aware moment."""

    at: datetime
    time_of_day: str
    title: str
    body: str


def local_moment(day, at: time, tz: ZoneInfo) -> datetime:
    """Return a wall-clock time on a day in a zone; a time skipped by DST moves past the gap."""
    naive = datetime.combine(day, at, tzinfo=tz)
    # A round trip through UTC turns a non-existent local time (spring forward) into a real one.
    return naive.astimezone(UTC).astimezone(tz)


def plan_reminders(
    view,
    tz: ZoneInfo,
    times: dict[str, time] = DEFAULT_TIMES,
    now: datetime | None = None,
) -> list[Reminder]:
    """Return the day's reminders still ahead of `now`, one per slot with unfinished items."""
    if view is None or view.is_rest_day:
        return []
    now = now or datetime.now(tz)
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    reminders = []
    for group in view.groups:
        left = [item for item in group.items if item.status in _UNFINISHED]
        if not left or group.time_of_day not in times:
            continue
        at = local_moment(view.local_date, times[group.time_of_day], tz)
        if at <= now:
            continue
        names = ", ".join(dict.fromkeys(item.name for item in left))
        reminders.append(
            Reminder(
                at=at,
                time_of_day=group.time_of_day,
                title=f"{group.title} exercises",
                body=f"{plural(len(left), 'exercise')} to do: {names}",
            )
        )
    return sorted(reminders, key=lambda r: r.at)
