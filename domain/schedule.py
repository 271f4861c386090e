"""Expand a care plan into what was prescribed on each date.

A plan is a protocol, a start date, an optional surgery date and end date, and revisions. Each
revision carries the cumulative adjustments in force from its `effective_from` (see
`domain.adjustments`); revision 1 is the assignment itself. A date uses the latest revision
with `effective_from` on or before it (the first one before any); the phase timeline uses the
latest revision's phase moves (moves are never backdated, so history stays as it was shown).

Phase rules (design choices, made for safety):

- A phase's time gate is its anchor (plan start or surgery date) + 7 * start_week days.
- On the plan start the patient is in the last phase whose gate is on or before that day (the
  first phase if none is).
- The patient moves on to the next phase on its gate date only if the current phase has no
  `criteria`; with criteria, they stay until a physio's `move_phase` (the physio confirms them).
- A gate fires only if it falls after the day the patient entered the current phase. A gate
  already passed on entry (after a physio moved the patient back, or forward past it) never
  fires on its own: otherwise a move back to a phase without criteria would be undone the same
  day. The R-PHASE prompt (`next_phase_gate`) still reports that gate to the physio.
- A `move_phase` switches to the named phase from its `from_date` (forward or backward) and wins
  over a gate reached that same day (a move back to the phase just left keeps the patient there
  as if they had never left); a move to the phase already in force changes nothing.

Changes for a set time (design choice): a dose change or a removal may carry an `until` day
(`timed_doses`, `timed_removals` in the adjustments). It lies over the lasting state up to and
including that day; from the next day the exercise is back at its lasting dose, or back in the
plan, with no new revision needed. `in_force` gives the adjustments of one date.

Frequency rules (design choices): days are counted from the day the patient entered the current
phase, not from the day an exercise was added or changed. `days_per_week` n does the exercise on
offsets floor(k * 7 / n), k = 0..n-1, of every 7-day block (3 -> offsets 0, 2, 4); `every_n_days`
n on days whose index is a multiple of n; neither given means every day. A day with no session is
a rest day.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from domain.protocol import Dose, Exercise, Protocol

ONE_DAY = timedelta(days=1)
# The longest schedule one request may ask for (GET /plans/{id}/schedule).
MAX_SCHEDULE_DAYS = 366


class Revision(NamedTuple):
    """A plan revision: the cumulative adjustments in force from `effective_from`."""

    number: int
    effective_from: date
    adjustments: dict[str, Any]


class PhaseSpan(NamedTuple):
    """The days a patient spends in one phase; `end` is None while it is open-ended."""

    phase_id: str
    start: date
    end: date | None


class Session(NamedTuple):
    """One prescribed session of an exercise on a date."""

    date: date
    exercise_id: str
    exercise_name: str
    category: str
    slot_index: int
    time_of_day: str
    dose: Dose


class DayPlan(NamedTuple):
    """What was prescribed on one date."""

    date: date
    phase_id: str
    phase_title: str
    restrictions: tuple[str, ...]
    revision: int
    sessions: tuple[Session, ...]
    is_rest_day: bool


class PhaseGate(NamedTuple):
    """The next phase, the date its time gate is (was) reached and the criteria to leave."""

    phase_id: str
    gate_date: date
    criteria: tuple[str, ...]


def as_date(value: date | str) -> date:
    """Return a date from a date or an ISO `YYYY-MM-DD` string."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def phase_gates(protocol: Protocol, start_date: date, surgery_date: date | None) -> list[date]:
    """Return the time-gate date of each phase, in protocol order."""
    gates = []
    for phase in protocol.phases:
        if phase.start_relative_to == "surgery_date":
            if surgery_date is None:
                raise ValueError(f"phase {phase.id!r} starts relative to a missing surgery_date")
            anchor = surgery_date
        else:
            anchor = start_date
        gates.append(anchor + timedelta(weeks=phase.start_week))
    return gates


def phase_timeline(
    protocol: Protocol,
    start_date: date,
    surgery_date: date | None,
    phase_moves: list[dict[str, Any]] | None,
) -> list[PhaseSpan]:
    """Return the phases a patient goes through from the plan start, by the rules above."""
    phases = protocol.phases
    gates = phase_gates(protocol, start_date, surgery_date)
    initial = max((i for i, gate in enumerate(gates) if gate <= start_date), default=0)
    # (phase index, day entered, gates on or before this day never fire on their own)
    entries = [(initial, start_date, start_date)]

    def advance(until: date | None) -> None:
        while True:
            i, _, passed = entries[-1]
            if i + 1 >= len(phases) or phases[i].criteria:
                return
            gate = gates[i + 1]
            if gate <= passed or (until is not None and gate > until):
                return
            entries.append((i + 1, gate, gate))

    moves: dict[date, int] = {}  # one move per day, the last listed wins
    for move in phase_moves or ():
        moves[max(as_date(move["from_date"]), start_date)] = protocol.phase_index(move["phase_id"])
    for when, target in sorted(moves.items()):
        advance(until=when)  # gates due on the move day fire first, then the move overrides them
        if entries[-1][0] == target:
            continue
        if entries[-1][1] == when:
            entries.pop()  # entered today (plan start or a gate): the move replaces that entry
        if entries and entries[-1][0] == target:
            # Moved back on the day they left: they never left, but today's gate is passed.
            entries[-1] = (target, entries[-1][1], when)
        else:
            entries.append((target, when, when))
    advance(until=None)

    ends = [entered - ONE_DAY for _, entered, _ in entries[1:]] + [None]
    return [
        PhaseSpan(phases[i].id, entered, end)
        for (i, entered, _), end in zip(entries, ends, strict=True)
    ]


def span_on(spans: list[PhaseSpan], on_date: date) -> PhaseSpan:
    """Return the span in force on a date (the first span before the plan start)."""
    for span in spans:
        if span.end is None or on_date <= span.end:
            return span
    return spans[-1]


def in_force(adjustments: dict[str, Any], on_date: date) -> dict[str, Any]:
    """Return the adjustments in force on a date: timed changes count up to their `until` day."""
    doses = adjustments.get("timed_doses") or {}
    removals = adjustments.get("timed_removals") or {}
    if not doses and not removals:
        return adjustments
    day = on_date.isoformat()  # ISO days compare as strings
    overrides = dict(adjustments.get("dose_overrides") or {})
    overrides.update({x: timed["dose"] for x, timed in doses.items() if timed["until"] >= day})
    removed = list(adjustments.get("removed_exercises") or ())
    removed += [x for x, until in removals.items() if until >= day and x not in removed]
    return {**adjustments, "dose_overrides": overrides, "removed_exercises": removed}


def _timed(adjustments: dict[str, Any]) -> tuple[tuple[date, str], ...]:
    """Return (until, exercise id) of each timed change, to tell which apply on a day."""
    doses = adjustments.get("timed_doses") or {}
    removals = adjustments.get("timed_removals") or {}
    ends = [(t["until"], x) for x, t in doses.items()] + [(u, x) for x, u in removals.items()]
    return tuple((as_date(until), x) for until, x in ends)


def effective_exercises(
    protocol: Protocol, adjustments: dict[str, Any], phase_id: str
) -> tuple[Exercise, ...]:
    """Return a phase's exercises after additions, removals and dose overrides."""
    removed = set(adjustments.get("removed_exercises") or ())
    overrides = adjustments.get("dose_overrides") or {}
    exercises = list(protocol.phase(phase_id).exercises)
    exercises += [
        Exercise.from_dict(added["exercise"])
        for added in adjustments.get("added_exercises") or ()
        if added["phase_id"] == phase_id
    ]
    return tuple(
        e.with_dose(e.dose.with_overrides(overrides[e.id])) if e.id in overrides else e
        for e in exercises
        if e.id not in removed
    )


class _Entry(NamedTuple):
    """An exercise prepared for fast expansion: its slots and on which phase days it is due."""

    exercise: Exercise
    slots: tuple[tuple[int, str], ...]
    weekdays: frozenset[int] | None  # phase-day offsets in each 7-day block
    every_n: int
    sets_per_day: int  # the sets of all its slots on a day it is due

    def due_on(self, index: int) -> bool:
        """Return whether the exercise is due on the phase's day `index` (0: its first)."""
        if self.weekdays is not None:
            return index % 7 in self.weekdays
        return not index % self.every_n


@lru_cache(maxsize=4096)
def _entry(e: Exercise) -> _Entry:
    # Cached: exercises are frozen and the same few recur for every patient in a sweep.
    dose = e.dose
    weekdays = None
    if dose.days_per_week is not None:
        n = dose.days_per_week
        weekdays = frozenset(k * 7 // n for k in range(n))
    slots = tuple(enumerate(dose.slots, start=1))
    return _Entry(e, slots, weekdays, dose.every_n_days or 1, dose.sets * len(slots))


def _days_in_force(protocol, start_date, surgery_date, end_date, revisions, date_from, date_to):
    """Yield, for each plan day between two dates (inclusive, clipped to the plan dates), the
    day, its phase span, the revision in force, the exercises in force and the day's index in
    its phase."""
    revs = sorted((Revision(*r) for r in revisions), key=lambda r: (r.effective_from, r.number))
    if not revs:
        raise ValueError("a plan needs at least one revision")
    first = max(start_date, date_from)
    last = date_to if end_date is None else min(end_date, date_to)
    if first > last:
        return
    latest = max(revs, key=lambda r: r.number)
    spans = phase_timeline(
        protocol, start_date, surgery_date, latest.adjustments.get("phase_moves")
    )
    # Build each (revision, phase, timed changes in force) exercise list once, not once per day.
    prepared: dict[tuple, tuple[_Entry, ...]] = {}
    timed = [_timed(r.adjustments) for r in revs]
    ri = si = 0
    day = first
    while day <= last:
        while ri + 1 < len(revs) and revs[ri + 1].effective_from <= day:
            ri += 1
        while spans[si].end is not None and spans[si].end < day:
            si += 1
        span = spans[si]
        running = tuple(t for t in timed[ri] if t[0] >= day) if timed[ri] else ()
        key = (ri, span.phase_id, running)
        entries = prepared.get(key)
        if entries is None:
            adjustments = in_force(revs[ri].adjustments, day)
            exercises = effective_exercises(protocol, adjustments, span.phase_id)
            entries = prepared[key] = tuple(_entry(e) for e in exercises)
        yield day, span, revs[ri], entries, (day - span.start).days
        day += ONE_DAY


def expand_schedule(
    protocol: Protocol,
    start_date: date,
    surgery_date: date | None,
    end_date: date | None,
    revisions: list[Revision],
    date_from: date,
    date_to: date,
) -> list[DayPlan]:
    """Return the day plans of a plan between two dates (inclusive), clipped to the plan dates."""
    plans = []
    for day, span, revision, entries, index in _days_in_force(
        protocol, start_date, surgery_date, end_date, revisions, date_from, date_to
    ):
        sessions = []
        for entry in entries:
            if not entry.due_on(index):
                continue
            e = entry.exercise
            for slot_index, time_of_day in entry.slots:
                sessions.append(
                    Session(day, e.id, e.name, e.category, slot_index, time_of_day, e.dose)
                )
        phase = protocol.phase(span.phase_id)
        plans.append(
            DayPlan(
                day,
                phase.id,
                phase.title,
                phase.restrictions,
                revision.number,
                tuple(sessions),
                not sessions,
            )
        )
    return plans


def sets_due_by_day(day_plans: list[DayPlan]) -> dict[date, int]:
    """Return the sets due on each date (0 on rest days)."""
    return {p.date: sum(s.dose.sets for s in p.sessions) for p in day_plans}


def sets_due_between(
    protocol: Protocol,
    start_date: date,
    surgery_date: date | None,
    end_date: date | None,
    revisions: list[Revision],
    date_from: date,
    date_to: date,
) -> dict[date, int]:
    """Return the sets due on each plan day between two dates (0 on rest days).

    The same as sets_due_by_day(expand_schedule(...)) without building the sessions: a sweep
    needs only the sums, for months of days per plan.
    """
    return {
        day: sum(entry.sets_per_day for entry in entries if entry.due_on(index))
        for day, _, _, entries, index in _days_in_force(
            protocol, start_date, surgery_date, end_date, revisions, date_from, date_to
        )
    }


def sets_due_by_exercise(day_plan: DayPlan) -> dict[tuple[str, int], int]:
    """Return the sets due per (exercise id, slot index) on one day."""
    due: dict[tuple[str, int], int] = {}
    for s in day_plan.sessions:
        key = (s.exercise_id, s.slot_index)
        due[key] = due.get(key, 0) + s.dose.sets
    return due


def next_phase_gate(
    protocol: Protocol,
    start_date: date,
    surgery_date: date | None,
    phase_moves: list[dict[str, Any]] | None,
    on_date: date,
) -> PhaseGate | None:
    """Return the phase after the one in force on a date, with its gate date, or None if last."""
    span = span_on(phase_timeline(protocol, start_date, surgery_date, phase_moves), on_date)
    i = protocol.phase_index(span.phase_id)
    if i + 1 >= len(protocol.phases):
        return None
    gate = phase_gates(protocol, start_date, surgery_date)[i + 1]
    return PhaseGate(protocol.phases[i + 1].id, gate, protocol.phases[i].criteria)
