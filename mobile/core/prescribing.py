"""The physio's side of a dose: what is in force, the hold steps, changes for a set time."""

from datetime import date, timedelta

from domain.protocol import DOSE_RANGES, Dose, Protocol
from domain.schedule import DayPlan, effective_exercises
from mobile.core.dose import dose_text
from mobile.core.formatting import date_text
from mobile.core.plan import revisions_of

# Hold steps (design choice): fine steps where a second matters (short holds, pelvic floor),
# then coarser ones: 1 s to 5 s, 5 s to 30 s, 15 s to 2 min, 30 s to 5 min, 1 min to 10 min.
_LADDER = ((5, 1), (30, 5), (120, 15), (300, 30), (DOSE_RANGES["hold_s"][1], 60))


def _hold_steps() -> tuple[int, ...]:
    steps, value = [0], 0
    for up_to, step in _LADDER:
        while value + step <= up_to:
            value += step
            steps.append(value)
    return tuple(steps)


HOLD_STEPS = _hold_steps()
# "For a set time" choices of the adjust dialog: (weeks, label); 0 is a lasting change.
DURATIONS = [(0, "Until changed"), (1, "1 week"), (2, "2 weeks"), (4, "4 weeks")]


def next_hold(value: int, direction: int) -> int:
    """Return the hold one step up (direction > 0) or down from `value`, on the ladder.

    A value between steps (a protocol's 8 s) goes to the nearest step in that direction.
    """
    if direction > 0:
        return next((s for s in HOLD_STEPS if s > value), HOLD_STEPS[-1])
    return next((s for s in reversed(HOLD_STEPS) if s < value), HOLD_STEPS[0])


def last_day(first: date, weeks: int) -> date | None:
    """Return the last day of a change for `weeks` weeks from `first` (None: a lasting change)."""
    return first + timedelta(days=7 * weeks - 1) if weeks else None


def timed_note(plan: dict, protocol: Protocol, day: DayPlan, exercise_id: str) -> str:
    """Return "Until Tue 18 Mar, then back to 3 sets × 10 reps" for a timed dose, else ""."""
    revision = next(r for r in revisions_of(plan) if r.number == day.revision)
    timed = (revision.adjustments.get("timed_doses") or {}).get(exercise_id)
    if not timed or timed["until"] < day.date.isoformat():
        return ""
    lasting = {e.id: e for e in effective_exercises(protocol, revision.adjustments, day.phase_id)}
    back = lasting.get(exercise_id)
    then = f", then back to {dose_text(back.dose)}" if back else ""
    return f"Until {date_text(timed['until'])}{then}"


def timed_out(plan: dict, day: DayPlan) -> list[tuple[str, str]]:
    """Return (exercise id, last day) of the exercises taken out for a set time on a day."""
    revision = next(r for r in revisions_of(plan) if r.number == day.revision)
    removals = revision.adjustments.get("timed_removals") or {}
    return sorted((x, until) for x, until in removals.items() if until >= day.date.isoformat())


def dose_changes(current: Dose, sets: int, reps: int, hold_s: int) -> dict:
    """Return the dose fields that differ from the current dose (what a set_dose sends)."""
    new = {"sets": sets, "reps": reps, "hold_s": hold_s}
    return {name: value for name, value in new.items() if getattr(current, name) != value}
