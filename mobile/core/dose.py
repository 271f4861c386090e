"""The hold timer's steps that follow a dose (its words: domain.dose_words)."""

from dataclasses import dataclass

from domain.dose_words import dose_text, duration_text, plural, rests_between_holds
from domain.protocol import Dose

__all__ = ["Step", "dose_text", "hold_plan", "rests_between_holds"]


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
