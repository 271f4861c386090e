"""The clinician's decision on an alert, always with a note."""

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.modalview import ModalView

from mobile.screens import labels
from mobile.screens.base import load_kv


class DecisionDialog(ModalView):
    """Choose one decision, write why, and POST it."""

    decisions = labels.DECISIONS
    error = StringProperty("")
    busy = BooleanProperty(False)
    headline = StringProperty("")

    def __init__(self, screen, **kwargs):
        self.screen = screen
        super().__init__(**kwargs)
        self.headline = f"{screen.headline}: {screen.patient.get('display_name', '')}"
        if screen.alert.get("rule_id") == "R-FAIL":
            self.ids.decision.select("refer_surgical_review")

    def save(self) -> None:
        """Check the choice and note, then send the decision."""
        decision, note = self.ids.decision.selected, self.ids.note.text.strip()
        if not decision:
            self.error = "Choose a decision."
            return
        if not note:
            self.error = "Add a note: it is kept with the decision."
            return
        self.error, self.busy = "", True
        path = f"/alerts/{self.screen.alert['id']}/decision"
        body = {"decision": decision, "note": note}
        self.screen.fetch(lambda client: client.post(path, body), self._saved, self._failed)

    def _saved(self, alert: dict) -> None:
        self.busy = False
        self.dismiss()
        self.screen.decided(alert)

    def _failed(self, error) -> None:
        self.busy = self.screen.busy = False
        self.error = error.message


load_kv("decision")
