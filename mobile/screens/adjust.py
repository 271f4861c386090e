"""The physio's plan adjustment: change a dose, remove an exercise or move phase, with a reason."""

from datetime import timedelta

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.modalview import ModalView

from domain.protocol import DOSE_RANGES
from mobile.core.dose import dose_text
from mobile.core.formatting import as_date, date_text
from mobile.core.plan import day_plans, exercises_on, protocol_from
from mobile.core.prescribing import (
    DURATIONS,
    dose_changes,
    last_day,
    next_hold,
    timed_note,
)
from mobile.screens.base import load_kv
from mobile.widgets.inputs import Stepper

OPS = [("set_dose", "Change dose"), ("remove_exercise", "Remove"), ("move_phase", "Move phase")]
TIMED_OPS = ("set_dose", "remove_exercise")  # a phase move has no set time (domain.adjustments)


def operation(op: str, exercise_id: str, phase_id: str, dose: dict) -> dict:
    """Return the PATCH operation for the dialog's choices."""
    if op == "set_dose":
        return {"op": "set_dose", "exercise_id": exercise_id, "dose": dose}
    if op == "remove_exercise":
        return {"op": "remove_exercise", "exercise_id": exercise_id}
    return {"op": "move_phase", "phase_id": phase_id}


class HoldStepper(Stepper):
    """The hold in seconds, stepped along the hold ladder (fine when short, coarse when long)."""

    def step(self, delta: int) -> None:
        """Go one step of the ladder up or down."""
        self.value = next_hold(self.value or 0, delta)


class AdjustDialog(ModalView):
    """Collect one operation and a mandatory reason; PATCH the plan; report the new revision."""

    ops = OPS
    durations = [(str(weeks), label) for weeks, label in DURATIONS]
    ranges = DOSE_RANGES
    exercise_choices = ListProperty()
    phase_choices = ListProperty()
    error = StringProperty("")
    busy = BooleanProperty(False)
    current_phase = StringProperty("")
    dose_now = StringProperty("")
    until_text = StringProperty("")

    def __init__(self, screen, data: dict, today, alert=None, **kwargs):
        self.screen, self.plan = screen, data["plan"]
        # The server starts a change on the patient's today, or on the plan's start if later.
        self.first_day = max(today, as_date(self.plan["start_date"]))
        self.protocol = protocol_from(data["content"])
        days = day_plans(self.plan, self.protocol, today, today)
        self.day = days[0] if days else None
        self.exercises = exercises_on(self.plan, self.protocol, self.day) if self.day else {}
        super().__init__(**kwargs)
        self.current_phase = self.day.phase_title if self.day else ""
        self.exercise_choices = [(e.id, e.name) for e in self.exercises.values()]
        self.phase_choices = [
            (p.id, f"{i + 1}. {p.title}")
            for i, p in enumerate(self.protocol.phases)
            if not self.day or p.id != self.day.phase_id
        ]
        self.ids.op.bind(selected=lambda *_: self._op_changed())
        self.ids.exercise.bind(selected=lambda _g, value: self._exercise_chosen(value))
        self.ids.duration.bind(selected=lambda *_: self._duration_changed())
        self.ids.duration.select("0")
        self._preset(alert)

    def _preset(self, alert) -> None:
        """Start from what the prompt suggests: progress a phase, or change a dose."""
        rule = (alert or {}).get("rule_id")
        if rule == "R-PHASE":
            self.ids.op.select("move_phase")
            target = (alert.get("evidence") or {}).get("phase_id")
            if target:
                self.ids.phase.select(target)
        else:
            self.ids.op.select("set_dose")
            # R-NEURO names the neural exercises that stirred symptoms: start from the first.
            named = ((alert or {}).get("evidence") or {}).get("exercises") or {}
            first = next((ids[0] for ids in named.values() if ids), None)
            if first in self.exercises:
                self.ids.exercise.select(first)
                self._exercise_chosen(first)
        self._op_changed()

    def _op_changed(self) -> None:
        op = self.ids.op.selected
        self.ids.exercise_box.shown = op in ("set_dose", "remove_exercise")
        self.ids.dose_box.shown = op == "set_dose"
        self.ids.duration_box.shown = op in TIMED_OPS
        self.ids.phase_box.shown = op == "move_phase"
        self._duration_changed()

    def _exercise_chosen(self, exercise_id: str) -> None:
        exercise = self.exercises.get(exercise_id)
        if exercise is None:
            self.dose_now = ""
            return
        dose = exercise.dose
        self.ids.sets.value, self.ids.reps.value = dose.sets, dose.reps
        self.ids.hold.value = dose.hold_s
        note = timed_note(self.plan, self.protocol, self.day, exercise_id)
        self.dose_now = f"Now: {dose_text(dose)}" + (f"\n{note}" if note else "")

    def weeks(self) -> int:
        """Return how many weeks the change is for (0: until changed again)."""
        chosen = self.ids.duration.selected
        return int(chosen) if self.ids.op.selected in TIMED_OPS and chosen else 0

    def _duration_changed(self) -> None:
        until = last_day(self.first_day, self.weeks())
        if until is None:
            self.until_text = "The change lasts until the plan is changed again."
            return
        back = until + timedelta(days=1)
        if self.ids.op.selected == "set_dose":
            after = f"From {date_text(back)} the dose goes back to what it is now."
        else:
            after = f"From {date_text(back)} the exercise is back in the plan."
        self.until_text = f"Until {date_text(until)}. {after}"

    def save(self) -> None:
        """Check the choices and send the adjustment."""
        op, reason = self.ids.op.selected, self.ids.reason.text.strip()
        exercise_id, phase_id = self.ids.exercise.selected, self.ids.phase.selected
        dose = {}
        if op == "set_dose" and exercise_id in self.exercises:
            current = self.exercises[exercise_id].dose
            ids = self.ids
            dose = dose_changes(current, ids.sets.value, ids.reps.value, ids.hold.value or 0)
        if op in ("set_dose", "remove_exercise") and not exercise_id:
            self.error = "Choose the exercise to change."
        elif op == "set_dose" and not dose:
            self.error = "Change the sets, reps or hold: the dose is the same as now."
        elif op == "move_phase" and not phase_id:
            self.error = "Choose the phase to move to."
        elif not reason:
            self.error = "Give a reason: it is kept with the new revision."
        else:
            body = {"reason": reason, "operations": [operation(op, exercise_id, phase_id, dose)]}
            # Made on the revision on show: a change saved meanwhile (by another physio, or on
            # another device) refuses this one (409) rather than stacking on a plan not seen.
            if self.plan.get("current_revision") is not None:
                body["base_revision"] = self.plan["current_revision"]
            until = last_day(self.first_day, self.weeks())
            if until is not None:
                body["until"] = until.isoformat()
            self.error, self.busy = "", True
            path = f"/plans/{self.plan['id']}"
            self.screen.fetch(lambda client: client.patch(path, body), self._saved, self._failed)

    def _saved(self, plan: dict) -> None:
        self.busy = False
        self.dismiss()
        self.screen.revised(plan)

    def _failed(self, error) -> None:
        self.busy = self.screen.busy = False
        if error.status == 409 and "changed meanwhile" in error.message:
            # Close on the reloaded plan: the physio sees what changed before adjusting again.
            self.dismiss()
            self.screen.changed_meanwhile()
            return
        self.error = error.message


load_kv("adjust")
