"""A physio's change to the plan in the patient's words, told once after it arrives.

The plan comes with its revisions, each with the physio's reason and a diff of what changed
(domain/adjustments.py describes the records). Today shows a new revision once ("Your physio
changed your plan ... because ..."); this account on this device is then not told again.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from mobile.core.followups import exercise_names
from mobile.core.formatting import as_date, date_text, duration_text, plural, time_of_day_title
from mobile.core.plan import plan_protocol
from mobile.core.seen import first_sight

# Design choice: a change that took effect more than two weeks ago is part of the plan the
# patient already follows (a new phone's first sync brings every revision): it is not news.
RECENT_DAYS = 14


@dataclass(frozen=True)
class RevisionNote:
    """One plan revision as the patient reads it."""

    changes: tuple[str, ...]
    reason: str
    starts: str  # "From Mon 7 Dec" for a change that begins later, "" when it is in force


def _times_a_day(n: int | None) -> str:
    return {None: "once a day", 1: "once a day", 2: "twice a day"}.get(n, f"{n} times a day")


def _how_often(dose: dict) -> str:
    """Return the days of a dose ("3 days a week", "every other day", "every day")."""
    if dose.get("days_per_week") and dose["days_per_week"] < 7:
        return f"{plural(dose['days_per_week'], 'day')} a week"
    if dose.get("every_n_days"):
        n = dose["every_n_days"]
        return "every other day" if n == 2 else f"every {n} days"
    return "every day"


def _length(seconds: int, absent: str) -> str:
    return duration_text(seconds) if seconds else absent


# field -> (what it is now, what it was): "3 sets (was 2)", "holds of 20 s (was 30 s)"
_SAYINGS = {
    "sets": (lambda n: plural(n, "set"), str),
    "reps": (lambda n: plural(n, "rep"), str),
    "hold_s": (
        lambda s: f"holds of {duration_text(s)}" if s else "no hold",
        lambda s: _length(s, "no hold"),
    ),
    "rest_s": (
        lambda s: f"{duration_text(s)} rest" if s else "no rest",
        lambda s: _length(s, "no rest"),
    ),
    "times_per_day": (_times_a_day, _times_a_day),
}


def dose_change(before: dict, after: dict, rep: str = "rep") -> str:
    """Return a dose change in words: "3 sets (was 2), holds of 20 s (was 30 s)".

    `rep` names one repetition as the dose text does: "hold" for timed holds.
    """
    sayings = {**_SAYINGS, "reps": (lambda n: plural(n, rep), str)}
    words = [
        f"{now(after[name])} (was {was(before.get(name))})"
        for name, (now, was) in sayings.items()
        if name in after
    ]
    if {"days_per_week", "every_n_days"} & after.keys():
        words.append(f"{_how_often(after)} (was {_how_often(before)})")
    if after.get("times_of_day"):
        slots = " and ".join(time_of_day_title(t).lower() for t in after["times_of_day"])
        words.append(f"in the {slots}")
    return ", ".join(words)


def change_text(record: dict, name_of, phase_title, rep_of=lambda _exercise: "rep") -> str:
    """Return one diff record of a revision in plain words."""
    op, exercise = record.get("op"), record.get("exercise_id")
    until = record.get("until")
    if op == "set_dose":
        change = dose_change(record["before"], record["after"], rep_of(exercise))
        for_now = f" until {date_text(until)}, then back to what it was" if until else ""
        return f"{name_of(exercise)}: {change}{for_now}"
    if op == "remove_exercise":
        if until:
            return f"{name_of(exercise)} is paused until {date_text(until)}"
        return f"{name_of(exercise)} is no longer in your plan"
    if op == "restore_exercise":
        return f"{name_of(exercise)} is back in your plan"
    if op == "add_exercise":
        return f"A new exercise: {record['after']['name']}"
    if op == "move_phase":
        was = f" (was {phase_title(record['before'])})" if record.get("before") else ""
        return f"Your phase is now {phase_title(record['after'])}{was}"
    if op == "set_end_date":
        end = record.get("after")
        return f"Your plan ends on {date_text(end)}" if end else "Your plan no longer has an end"
    return "Another change to your plan"


def new_revision_notes(store, today: date) -> list[RevisionNote]:
    """Return the recent plan changes this account has not been told about, marking them told."""
    plan = store.active_plan()
    protocol = plan and plan_protocol(store, plan)
    if not protocol:
        return []
    names = exercise_names(store)

    def name_of(exercise_id: str) -> str:
        return names.get((plan["id"], exercise_id)) or "An exercise"

    def phase_title(phase_id: str) -> str:
        return protocol.phase(phase_id).title if protocol.has_phase(phase_id) else phase_id

    notes = []
    for revision in plan.get("revisions") or ():  # number 1 is the plan as assigned
        starts = as_date(revision["effective_from"])
        if revision["number"] < 2 or starts < today - timedelta(days=RECENT_DAYS):
            continue
        if not first_sight(store, "revision", f"{plan['id']}:{revision['number']}"):
            continue
        overrides = (revision.get("adjustments") or {}).get("dose_overrides") or {}

        def rep_of(exercise_id: str, overrides=overrides) -> str:
            """Return "hold" where the reps are timed holds after the change, as Today says."""
            base = (
                protocol.exercise(exercise_id).dose.hold_s
                if protocol.has_exercise(exercise_id)
                else 0
            )
            return "hold" if overrides.get(exercise_id, {}).get("hold_s", base) else "rep"

        diff = revision.get("diff") or ()
        changes = tuple(change_text(r, name_of, phase_title, rep_of) for r in diff)
        later = f"From {date_text(starts)}" if starts > today else ""
        notes.append(RevisionNote(changes, (revision.get("reason") or "").strip(), later))
    return notes
