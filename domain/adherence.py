"""Adherence: prescribed sets done / sets due, per local day and over a date window."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from domain.history import AdherenceCarry, ExerciseEntry, PatientHistory


@dataclass(frozen=True)
class Adherence:
    """Sets done and due over some days; ratio is None when nothing was due."""

    done: int
    due: int
    ratio: float | None
    days_due: int
    days_missed: int

    def as_evidence(self) -> dict:
        """Return the figures as a JSON-able dict."""
        ratio = None if self.ratio is None else round(self.ratio, 4)
        return {
            "done": self.done,
            "due": self.due,
            "ratio": ratio,
            "days_due": self.days_due,
            "days_missed": self.days_missed,
        }


def _make(done: int, due: int, days_due: int, days_missed: int) -> Adherence:
    """Build an Adherence, deriving its ratio."""
    return Adherence(done, due, done / due if due else None, days_due, days_missed)


def latest_entries(entries: Iterable[ExerciseEntry]) -> list[ExerciseEntry]:
    """Keep the last entry per (date, exercise, slot); entries come in server receive order."""
    latest: dict[tuple[date, str, int], ExerciseEntry] = {}
    for entry in entries:
        key = (entry.local_date, entry.exercise_id, entry.slot)
        # Re-inserting moves the key to the end, so the result follows receive order too.
        latest.pop(key, None)
        latest[key] = entry
    return list(latest.values())


def _day(scheduled: int, entries: list[ExerciseEntry]) -> Adherence:
    """Score one day from its scheduled sets and its (already de-duplicated) entries."""
    if scheduled <= 0:
        # A planned rest day: whatever was logged neither helps nor hurts.
        return _make(0, 0, 0, 0)
    done = excused = 0
    for entry in entries:
        # Capping per (exercise, slot) stops extra sets of one exercise hiding a missed one.
        capped = min(entry.sets_done, entry.sets_due)
        done += capped
        if entry.skip_reason == "stop_if":
            # The protocol told the patient to stop: the sets left are not missed.
            excused += entry.sets_due - capped
    due = max(scheduled - excused, 0)
    if due == 0:
        return _make(0, 0, 0, 0)
    # The device's sets_due may disagree with the server schedule; never report over 100 %.
    done = min(done, due)
    return _make(done, due, 1, 1 if done == 0 else 0)


def _by_date(entries: Iterable[ExerciseEntry]) -> dict[date, list[ExerciseEntry]]:
    """Group de-duplicated entries by local date."""
    grouped: dict[date, list[ExerciseEntry]] = {}
    for entry in latest_entries(entries):
        grouped.setdefault(entry.local_date, []).append(entry)
    return grouped


_ONE_DAY = timedelta(days=1)


class DailyAdherence:
    """Each day's adherence of some entries against the sets due, each day scored once.

    The sweep's rules ask for several windows of one history (the whole plan, the recent days,
    the days a carry sums); the entries are grouped by day once, and a day asked for twice is
    not scored again.
    """

    def __init__(self, due_by_day: Mapping[date, int], entries: Iterable[ExerciseEntry]):
        self._due = due_by_day
        self._grouped = _by_date(entries)
        self._days: dict[date, Adherence] = {}

    def day(self, day: date) -> Adherence:
        """Return one day's adherence (a rest day's ratio is None)."""
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = _day(self._due.get(day, 0), self._grouped.get(day, []))
        return found

    def window(self, start: date, end: date) -> Adherence:
        """Return adherence over start..end inclusive; a due day without data counts as missed."""
        done = due = days_due = days_missed = 0
        day = start
        while day <= end:
            found = self.day(day)
            done += found.done
            due += found.due
            days_due += found.days_due
            days_missed += found.days_missed
            day += _ONE_DAY
        return _make(done, due, days_due, days_missed)


def adherence_by_day(
    due_by_day: Mapping[date, int],
    entries: Iterable[ExerciseEntry],
    start: date,
    end: date,
) -> dict[date, Adherence]:
    """Return each day's adherence from start to end inclusive (rest days have ratio None)."""
    daily = DailyAdherence(due_by_day, (e for e in entries if start <= e.local_date <= end))
    result: dict[date, Adherence] = {}
    day = start
    while day <= end:
        result[day] = daily.day(day)
        day += _ONE_DAY
    return result


def adherence(
    due_by_day: Mapping[date, int],
    entries: Iterable[ExerciseEntry],
    start: date,
    end: date,
) -> Adherence:
    """Return adherence over start..end inclusive; a due day without data counts as missed."""
    return DailyAdherence(
        due_by_day, (e for e in entries if start <= e.local_date <= end)
    ).window(start, end)


def combined(first: Adherence, second: Adherence) -> Adherence:
    """Return the adherence of two spans of days that do not overlap, taken together."""
    return _make(
        first.done + second.done,
        first.due + second.due,
        first.days_due + second.days_due,
        first.days_missed + second.days_missed,
    )


def plan_adherence(history: PatientHistory, start: date, end: date) -> Adherence:
    """Return the history's adherence over start..end, adding its carried sums if it has them.

    A window that begins before the carry's `until` must begin on the plan's first day (the
    carry sums the days from there); anything else cannot be answered from a carried history.
    """
    carry = history.adherence_carry
    if carry is None or start >= carry.until:
        return history.daily_adherence.window(start, end)
    if start != history.plan_start or end < carry.until - timedelta(days=1):
        raise ValueError(
            f"adherence from {start} to {end} cannot be taken from sums carried to {carry.until}"
        )
    before = _make(carry.done, carry.due, carry.days_due, carry.days_missed)
    rest = history.daily_adherence.window(carry.until, end)
    return combined(before, rest)


def carry_to(history: PatientHistory, until: date) -> AdherenceCarry:
    """Return the history's adherence summed from the plan's first day to the day before `until`.

    The history's entries and due days must cover what is not carried yet (from its own carry's
    `until`, or the plan's start, up to `until`).
    """
    carry = history.adherence_carry
    since = history.plan_start if carry is None else carry.until
    if until < since:
        raise ValueError(f"cannot carry sums back from {since} to {until}")
    totals = plan_adherence(history, history.plan_start, until - timedelta(days=1))
    entries = history.exercise_entries
    active = [e.local_date for e in entries if e.sets_done and since <= e.local_date < until]
    if carry is not None and carry.last_active is not None:
        active.append(carry.last_active)
    last = max(active, default=None)
    return AdherenceCarry(until, totals.done, totals.due, totals.days_due, totals.days_missed, last)
