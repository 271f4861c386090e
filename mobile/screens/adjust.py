"""The physio's plan adjustment: change a dose, remove an exercise or move phase, with a reason."""

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.modalview import ModalView

from mobile.core.plan import day_plans, exercises_on, protocol_from
from mobile.screens.base import load_kv

OPS = [("set_dose", "Change dose"), ("remove_exercise", "Remove"), ("move_phase", "Move phase")]


def operation(op: str, exercise_id: str, phase_id: str, dose: dict) -> dict:
    """Return the PATCH operation for the dialog's choices."""
    if op == "set_dose":
        return {"op": "set_dose", "exercise_id": exercise_id, "dose": dose}
    if op == "remove_exercise":
        return {"op": "remove_exercise", "exercise_id": exercise_id}
    return {"op": "move_phase", "phase_id": phase_id}


class AdjustDialog(ModalView):
    """Collect one operation and a mandatory reason; PATCH the plan; report the new revision."""

    ops = OPS
    exercise_choices = ListProperty()
    phase_choices = ListProperty()
    error = StringProperty("")
    busy = BooleanProperty(False)
    current_phase = StringProperty("")

    def __init__(self, screen, data: dict, today, alert=None, **kwargs):
        self.screen, self.plan = screen, data["plan"]
        protocol = protocol_from(data["content"])
        days = day_plans(self.plan, protocol, today, today)
        day = days[0] if days else None
        self.exercises = exercises_on(self.plan, protocol, day) if day else {}
        super().__init__(**kwargs)
        self.current_phase = day.phase_title if day else ""
        self.exercise_choices = [(e.id, e.name) for e in self.exercises.values()]
        self.phase_choices = [
            (p.id, f"{i + 1}. {p.title}")
            for i, p in enumerate(protocol.phases)
            if not day or p.id != day.phase_id
        ]
        self.ids.op.bind(selected=lambda *_: self._op_changed())
        self.ids.exercise.bind(selected=lambda _g, value: self._exercise_chosen(value))
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
        self.ids.phase_box.shown = op == "move_phase"

    def _exercise_chosen(self, exercise_id: str) -> None:
        exercise = self.exercises.get(exercise_id)
        if exercise is not None:
            dose = exercise.dose
            self.ids.sets.value, self.ids.reps.value = dose.sets, dose.reps
            self.ids.hold.value = dose.hold_s

    def save(self) -> None:
        """Check the choices and send the adjustment."""
        op, reason = self.ids.op.selected, self.ids.reason.text.strip()
        exercise_id, phase_id = self.ids.exercise.selected, self.ids.phase.selected
        if op in ("set_dose", "remove_exercise") and not exercise_id:
            self.error = "Choose the exercise to change."
        elif op == "move_phase" and not phase_id:
            self.error = "Choose the phase to move to."
        elif not reason:
            self.error = "Give a reason: it is kept with the new revision."
        else:
            dose = {"sets": self.ids.sets.value, "reps": self.ids.reps.value}
            if self.ids.hold.value:
                dose["hold_s"] = self.ids.hold.value
            body = {"reason": reason, "operations": [operation(op, exercise_id, phase_id, dose)]}
            self.error, self.busy = "", True
            path = f"/plans/{self.plan['id']}"
            self.screen.fetch(lambda client: client.patch(path, body), self._saved, self._failed)

    def _saved(self, plan: dict) -> None:
        self.busy = False
        self.dismiss()
        self.screen.revised(plan)

    def _failed(self, error) -> None:
        self.busy = self.screen.busy = False
        self.error = error.message


load_kv("adjust")
