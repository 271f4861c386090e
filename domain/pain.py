"""Pain trend: baseline vs current median NPRS and whether the change is clinically important."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import NamedTuple

from domain.history import PainEntry
from domain.ruleset import Thresholds

# Design choice: a window's median needs at least this many logged days, so one or two
# readings never stand for a week or a fortnight of pain.
MIN_LOGGED_DAYS = 3


class Change(NamedTuple):
    """Whether a change from baseline is a clinically important improvement or worsening."""

    improved: bool
    worse: bool


@dataclass(frozen=True)
class PainTrend:
    """Baseline and current median NPRS, their change, and the daily series they came from."""

    baseline: float | None
    current: float | None
    n_baseline_days: int
    n_current_days: int
    # Signed current - baseline: negative means less pain (as in Salaffi 2004).
    change_points: float | None
    change_percent: float | None
    improved: bool
    worse: bool
    baseline_window: tuple[date, date]
    current_window: tuple[date, date]
    series: tuple[tuple[date, float], ...]

    @property
    def available(self) -> bool:
        """Return True when both medians could be computed."""
        return self.baseline is not None and self.current is not None

    def as_evidence(self) -> dict:
        """Return the trend as a JSON-able dict (dates as ISO strings)."""
        pct = None if self.change_percent is None else round(self.change_percent, 1)
        return {
            "baseline": self.baseline,
            "current": self.current,
            "n_baseline_days": self.n_baseline_days,
            "n_current_days": self.n_current_days,
            "change_points": self.change_points,
            "change_percent": pct,
            "baseline_window": [d.isoformat() for d in self.baseline_window],
            "current_window": [d.isoformat() for d in self.current_window],
            "series": [[d.isoformat(), value] for d, value in self.series],
        }


def daily_medians(entries: Iterable[PainEntry], start: date, end: date) -> list[tuple[date, float]]:
    """Return (date, median NPRS of that day's logs) for logged days in start..end, by date."""
    by_day: dict[date, list[int]] = {}
    for entry in entries:
        if start <= entry.local_date <= end:
            by_day.setdefault(entry.local_date, []).append(entry.nprs)
    return [(day, float(median(by_day[day]))) for day in sorted(by_day)]


def window_median(series: list[tuple[date, float]], min_days: int) -> float | None:
    """Return the median of daily values, or None with fewer than min_days logged days."""
    if len(series) < max(min_days, 1):
        return None
    return float(median(value for _, value in series))


def clinically_important_change(
    baseline: float | None, current: float | None, thr: Thresholds
) -> Change:
    """Classify current vs baseline: improvement is the points drop or the percent drop.

    Ostelo 2008: "2 points or 30 %" (a drop of either size counts); rule set 2026.3 needed both.
    """
    if baseline is None or current is None:
        return Change(False, False)
    drop = baseline - current
    # Cross-multiplied so halves from medians compare exactly (3/10*100 is not exactly 30.0).
    improved = drop > 0 and (drop >= thr.mcid_points or drop * 100 >= thr.mcid_percent * baseline)
    worse = current >= baseline + thr.worse_points
    return Change(improved, worse)


def pain_windows(
    plan_start: date, today: date, thr: Thresholds
) -> tuple[tuple[date, date], tuple[date, date]]:
    """Return the baseline and current windows (first and last days, inclusive) of a trend.

    The only days whose pain logs a trend reads: a sweep reads no others.
    """
    base_end = min(plan_start + timedelta(days=thr.baseline_days - 1), today)
    # The current window never reaches back into the baseline window, so early in a plan
    # the comparison shrinks rather than comparing days with themselves.
    cur_start = max(
        today - timedelta(days=thr.current_days - 1),
        plan_start + timedelta(days=thr.baseline_days),
    )
    return (plan_start, base_end), (cur_start, today)


def pain_trend(
    entries: Iterable[PainEntry],
    plan_start: date,
    today: date,
    thr: Thresholds,
    min_days: int = MIN_LOGGED_DAYS,
) -> PainTrend:
    """Compare the plan's first baseline_days with the last current_days ending today."""
    entries = list(entries)
    (base_start, base_end), (cur_start, _) = pain_windows(plan_start, today, thr)
    base_series = daily_medians(entries, base_start, base_end)
    cur_series = daily_medians(entries, cur_start, today)
    baseline = window_median(base_series, min_days)
    current = window_median(cur_series, min_days)
    change_points = change_percent = None
    if baseline is not None and current is not None:
        change_points = current - baseline
        if baseline > 0:
            change_percent = change_points / baseline * 100
    improved, worse = clinically_important_change(baseline, current, thr)
    return PainTrend(
        baseline=baseline,
        current=current,
        n_baseline_days=len(base_series),
        n_current_days=len(cur_series),
        change_points=change_points,
        change_percent=change_percent,
        improved=improved,
        worse=worse,
        baseline_window=(base_start, base_end),
        current_window=(cur_start, today),
        series=tuple(base_series + cur_series),
    )
