"""A dose in plain words: one wording for the app, the calendar, FHIR and the referral packet.

"1 × 3 holds of 30 s, 30 s rest, twice a day" reads the same wherever a patient or a clinician
meets it; the protocol's numbers are shown as people say them ("10 min", not "600 s").
"""

from dataclasses import replace

from domain.protocol import Dose

# A timed "hold" this long is a bout (a walk, a relaxation session), and said as such.
# Design choice: the shortest such dose in the shipped protocols is 10 min, the longest true
# hold 2 min.
ONE_BOUT_S = 300


def plural(n: int, one: str, many: str | None = None) -> str:
    """Return "1 entry" / "3 entries"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def duration_text(seconds: float) -> str:
    """Return "45 s", "2 min", "1 min 30 s" or "1 h 5 min"."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min" + (f" {rest} s" if rest else "")
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def rests_between_holds(dose: Dose) -> bool:
    """Tell whether rest_s comes after every hold (True) or only between sets (False).

    The protocol format says rest_s is "between reps or holds", but protocols pair 3 s holds
    with 60-120 s rests, which only makes sense between sets. Design choice: long holds
    (>= 10 s) and rests up to twice the hold are between holds; otherwise between sets.
    """
    if not dose.hold_s:
        return False
    return dose.hold_s >= 10 or dose.rest_s <= 2 * dose.hold_s


def dose_text(dose: Dose) -> str:
    """Return a dose in plain words, e.g. "3 sets × 10 reps, twice a day"."""
    if dose.hold_s:
        hold = f"of {duration_text(dose.hold_s)}"
        bouts = dose.sets * dose.reps
        if dose.hold_s >= ONE_BOUT_S:  # a walk is not "1 hold"
            length = duration_text(dose.hold_s)
            parts = [f"{length} in one go" if bouts == 1 else f"{bouts} bouts of {length}"]
        elif dose.reps == 1:
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


def session_dose_text(dose: Dose) -> str:
    """Return one session's dose in words, for a list that shows the days and times itself."""
    return dose_text(
        replace(dose, times_per_day=1, times_of_day=None, days_per_week=None, every_n_days=None)
    )
