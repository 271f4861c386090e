"""Plan the day's reminders: one digest per time-of-day slot with work left, in local time."""

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from mobile.core.formatting import plural

DEFAULT_TIMES: dict[str, time] = {
    "morning": time(8, 0),
    "midday": time(12, 30),
    "afternoon": time(16, 0),
    "evening": time(19, 30),
}
_UNFINISHED = ("todo", "partial")


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
