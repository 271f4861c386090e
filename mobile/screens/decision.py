"""The clinician's decision on an alert, always with a note.

The alert says which decisions it allows (`decisions`: a failed trial its condition's pathway,
a red flag or a post-operative sign its own outcomes), so the dialog keeps no list of its own.
A decision that sets a review date shows it: the server's default, changeable with the picker.
"""

from datetime import date, timedelta

from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from mobile.screens import labels
from mobile.screens.base import load_kv
from mobile.screens.patient import patient_today
from mobile.widgets import datepicker  # noqa: F401  (DateField, used in decision.kv)

# The server accepts a review date after today and within a year.
LATEST_REVIEW_DAYS = 366


def offered(alert: dict) -> list[tuple[str, str]]:
    """Return the alert's decisions as (id, words); an older server's alert gets the old five."""
    given = alert.get("decisions")
    if not given:
        return list(labels.DECISIONS)
    return [
        (d["id"], d.get("label") or labels.word(dict(labels.DECISIONS), d["id"])) for d in given
    ]


def review_ids(alert: dict) -> set[str]:
    """Return the ids of the alert's decisions that set a review date."""
    return {d["id"] for d in alert.get("decisions") or () if d.get("sets_review_on")}


class DecisionDialog(ModalView):
    """Choose one of the alert's decisions, a review date where it takes one, write why, POST."""

    decisions = ListProperty()
    error = StringProperty("")
    busy = BooleanProperty(False)
    headline = StringProperty("")
    sets_review = BooleanProperty(False)  # the chosen decision takes a review date
    today = ObjectProperty(None)
    default_review = ObjectProperty(None, allownone=True)

    def __init__(self, screen, **kwargs):
        self.screen = screen
        alert = screen.alert
        self._review_ids = review_ids(alert)
        self.today = patient_today(screen.patient) if screen.patient else date.today()
        default = alert.get("default_review_on")
        self.default_review = date.fromisoformat(default) if default else None
        super().__init__(decisions=offered(alert), **kwargs)
        self.headline = f"{screen.headline}: {screen.patient.get('display_name', '')}"
        review = self.ids.review_on
        review.minimum = self.today + timedelta(days=1)
        review.maximum = self.today + timedelta(days=LATEST_REVIEW_DAYS)
        review.value = self.default_review
        self.ids.decision.bind(selected=self._chosen)

    def _chosen(self, _group, decision: str) -> None:
        self.sets_review = decision in self._review_ids
        self.error = ""

    def save(self) -> None:
        """Check the choice and note, then send the decision (with its review date)."""
        decision, note = self.ids.decision.selected, self.ids.note.text.strip()
        if not decision:
            self.error = "Choose a decision."
            return
        if not note:
            self.error = "Add a note: it is kept with the decision."
            return
        body = {"decision": decision, "note": note}
        if decision in self._review_ids and self.ids.review_on.value is not None:
            body["review_on"] = self.ids.review_on.value.isoformat()
        self.error, self.busy = "", True
        path = f"/alerts/{self.screen.alert['id']}/decision"
        self.screen.fetch(lambda client: client.post(path, body), self._saved, self._failed)

    def _saved(self, alert: dict) -> None:
        self.busy = False
        self.dismiss()
        self.screen.decided(alert)

    def _failed(self, error) -> None:
        self.busy = self.screen.busy = False
        self.error = error.message


load_kv("decision")
