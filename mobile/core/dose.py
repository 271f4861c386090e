"""A dose in plain words, and the hold timer's steps that follow it."""

from dataclasses import dataclass

from domain.protocol import Dose
from mobile.core.formatting import duration_text, plural


@dataclass(frozen=True)
class Step:
    """One step of the hold timer: a timed hold, a rest, or an untimed set of reps."""

    kind: str  # hold | rest | reps
    seconds: int  # 0 for an untimed set of reps
    set_number: int
    rep_number: int | None
    sets: int
    reps: int

    @property
    def label(self) -> str:
        """Return what the counter shows during this step."""
        of_set = f"set {self.set_number} of {self.sets}"
        if self.kind == "hold":
            return f"Hold {self.rep_number} of {self.reps} · {of_set}"
        if self.kind == "rest":
            return f"Rest {duration_text(self.seconds)}"
        return f"{plural(self.reps, 'rep')} · {of_set}"


def dose_text(dose: Dose) -> str:
    """Return a dose in plain words, e.g. "3 sets × 10 reps, twice a day"."""
    if dose.hold_s:
        hold = f"of {duration_text(dose.hold_s)}"
        if dose.reps == 1:
            parts = [f"{plural(dose.sets, 'hold')} {hold}"]
        else:
            parts = [f"{dose.sets} × {plural(dose.reps, 'hold')} {hold}"]
    else:
        parts = [f"{plural(dose.sets, 'set')} × {plural(dose.reps, 'rep')}"]
    if dose.rest_s:
        between = "" if rests_between_holds(dose) else " between sets"
        parts.append(f"{duration_text(dose.rest_s)} rest{between}")
    if dose.times_per_day > 1:
        n = dose.times_per_day
        parts.append("twice a day" if n == 2 else f"{n} times a day")
    if dose.days_per_week and dose.days_per_week < 7:
        parts.append(f"{plural(dose.days_per_week, 'day')} a week")
    if dose.every_n_days:
        n = dose.every_n_days
        parts.append("every other day" if n == 2 else f"every {n} days")
    return ", ".join(parts)


def rests_between_holds(dose: Dose) -> bool:
    """Tell whether rest_s comes after every hold (True) or only between sets (False).

    The protocol format says rest_s is "between reps or holds", but protocols pair 3 s holds
    with 60-120 s rests, which only makes sense between sets. Design choice: long holds
    (>= 10 s) and rests up to twice the hold are between holds; otherwise between sets.
    """
    if not dose.hold_s:
        return False
    return dose.hold_s >= 10 or dose.rest_s <= 2 * dose.hold_s


def hold_plan(dose: Dose) -> list[Step]:
    """Return the timer's steps: timed holds (or one untimed step per set) with their rests."""
    steps: list[Step] = []
    timed, each_hold = dose.hold_s > 0, rests_between_holds(dose)
    for set_number in range(1, dose.sets + 1):
        for rep in range(1, (dose.reps if timed else 1) + 1):
            if steps and dose.rest_s and (each_hold or rep == 1):
                steps.append(Step("rest", dose.rest_s, set_number, None, dose.sets, dose.reps))
            if timed:
                steps.append(Step("hold", dose.hold_s, set_number, rep, dose.sets, dose.reps))
            else:
                steps.append(Step("reps", 0, set_number, None, dose.sets, dose.reps))
    return steps
