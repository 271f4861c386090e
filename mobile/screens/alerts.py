"""Staff: the alert queue, urgent first, coloured by severity."""

from datetime import datetime

from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from mobile.screens import evidence, labels, moments
from mobile.screens.base import BaseScreen, load_kv
from mobile.screens.patient import patient_today


def load_queue(client, status: str) -> tuple[list, dict]:
    """Fetch the alerts and the patients (for their names and ages), by patient id."""
    alerts = client.get("/alerts", status=status)
    return alerts, {p["id"]: p for p in client.get("/patients")}


def patient_of(patients: dict, alert: dict) -> str:
    """Return "Daniel Okafor · age 50" for the alert's patient."""
    patient = patients.get(alert["patient_id"])
    if patient is None:
        return alert.get("patient_name") or "A patient not in your care"
    born = patient.get("date_of_birth")
    return moments.patient_line(patient["display_name"], born, patient_today(patient))


def clip(text: str, limit: int = 150) -> str:
    """Return the start of a long text, cut at a word, with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:(") + "…"


class AlertRow(ButtonBehavior, BoxLayout):
    """One alert in the queue."""

    alert = DictProperty()
    screen = ObjectProperty()
    severity = StringProperty("info")
    title = StringProperty("")
    patient = StringProperty("")
    rationale = StringProperty("")
    meta = StringProperty("")
    mine = BooleanProperty(False)


class AlertsScreen(BaseScreen):
    """Load GET /alerts (urgent first) with a status filter and open an alert."""

    status = StringProperty("open")
    count_text = StringProperty("")

    def show(self, **_kwargs) -> None:
        """Reload each time the tab opens."""
        self.title = "Alert queue" if self.app.role == "clinician" else "Alerts"
        self.refresh()

    def set_filter(self, status: str) -> None:
        """Show alerts of another status."""
        if status != self.status:
            self.status = status
            self.refresh()

    def refresh(self) -> None:
        """Fetch the queue in the background."""
        status = self.status
        self.fetch(lambda client: load_queue(client, status), self._loaded)

    def _loaded(self, result) -> None:
        alerts, patients = result
        self.busy, now = False, datetime.now().astimezone()
        box = self.ids.rows
        box.clear_widgets()
        for alert in alerts:
            box.add_widget(
                AlertRow(
                    alert=alert,
                    screen=self,
                    severity=alert.get("severity", "info"),
                    title=labels.rule_title(alert["rule_id"]),
                    patient=patient_of(patients, alert),
                    rationale=clip(evidence.summary(alert)),
                    meta=evidence.raised_line(alert, now),
                    mine=labels.can_act(alert, self.app.role),
                )
            )
        urgent = sum(1 for a in alerts if a.get("severity") == "urgent")
        self.count_text = (
            f"{len(alerts)} alerts, {urgent} urgent" if alerts else "Nothing waiting. All clear."
        )

    def open(self, alert: dict) -> None:
        """Open an alert's detail."""
        self.go("alert", alert_id=alert["id"], back="alerts")


load_kv("alerts")
