"""Progress: the pain trend chart's points and adherence per plan week, by the server's rules."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from domain.adherence import adherence
from domain.history import ExerciseEntry, PainEntry
from domain.pain import MIN_LOGGED_DAYS, daily_medians, pain_trend
from domain.protocol import Protocol
from domain.ruleset import thresholds_for
from domain.schedule import sets_due_by_day
from mobile.core.formatting import as_date
from mobile.core.plan import day_plans, protocol_from

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class PainPoint:
    """One day of the chart: the day's median NPRS and the 7-day rolling median."""

    date: date
    value: float | None
    median7: float | None


def pain_progress(
    pain_logs: Iterable[dict],
    plan_start: date | str,
    today: date | str,
    escalation: dict | None = None,
) -> tuple[list[PainPoint], float | None]:
    """Return a point per day from the plan start to today, and the baseline median.

    The baseline is the server's: the median of the daily medians of the plan's first 7 days
    (or the protocol's `escalation` override), given at least 3 logged days. The rolling
    median needs 3 logged days in its 7 too, so one reading never stands for a week.
    """
    start, end = as_date(plan_start), as_date(today)
    entries = [PainEntry(as_date(log["local_date"]), log["nprs"]) for log in pain_logs]
    if end < start:
        return [], None
    daily = dict(daily_medians(entries, start, end))
    points = []
    day = start
    while day <= end:
        window = [daily[d] for d in _days(day - 6 * ONE_DAY, day) if d in daily]
        rolling = float(median(window)) if len(window) >= MIN_LOGGED_DAYS else None
        points.append(PainPoint(day, daily.get(day), rolling))
        day += ONE_DAY
    baseline = pain_trend(entries, start, end, thresholds_for(escalation)).baseline
    return points, baseline


def _days(first: date, last: date) -> list[date]:
    return [first + k * ONE_DAY for k in range((last - first).days + 1)]


def weekly_adherence(
    source,
    plan: dict,
    protocol: dict | Protocol,
    today: date | str,
    weeks: int = 12,
) -> list[tuple[date, float | None]]:
    """Return (week start, sets done / sets due) for the last `weeks` plan weeks.

    `source` is the Store or a list of exercise-log dicts in receive order. Weeks are counted
    from the plan start; only finished days count (today is still going on). As on the server,
    rest days and sets stopped for a stop_if symptom are not missed, and a due day without data
    is. The ratio is None for a week with nothing due (or no finished day yet).
    """
    start, today = as_date(plan["start_date"]), as_date(today)
    end = today - ONE_DAY
    if end < start:
        return []
    last_week = (end - start).days // 7
    first_week = max(0, last_week - weeks + 1)
    window_start = start + timedelta(weeks=first_week)
    logs = source.exercise_logs(window_start, end) if hasattr(source, "exercise_logs") else source
    entries = [
        ExerciseEntry(
            as_date(log["local_date"]),
            log["exercise_id"],
            log.get("slot", 1),
            log["sets_done"],
            log["sets_due"],
            log["status"],
            log.get("skip_reason"),
        )
        for log in logs
        if log.get("plan_id") == plan["id"]
    ]
    due = sets_due_by_day(day_plans(plan, protocol_from(protocol), window_start, end))
    result = []
    for week in range(first_week, last_week + 1):
        week_start = start + timedelta(weeks=week)
        week_end = min(week_start + 6 * ONE_DAY, end)
        result.append((week_start, adherence(due, entries, week_start, week_end).ratio))
    return result
