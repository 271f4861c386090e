"""Staff: the alert queue, urgent first, coloured by severity."""

from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from mobile.core.formatting import date_text
from mobile.screens import labels
from mobile.screens.base import BaseScreen, load_kv


def load_queue(client, status: str) -> tuple[list, dict]:
    """Fetch the alerts and the patients' names (alerts carry only the patient id)."""
    alerts = client.get("/alerts", status=status)
    names = {p["id"]: p["display_name"] for p in client.get("/patients")}
    return alerts, names


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
        alerts, names = result
        self.busy = False
        box = self.ids.rows
        box.clear_widgets()
        for alert in alerts:
            created = alert.get("created_at", "")[:10]
            box.add_widget(
                AlertRow(
                    alert=alert,
                    screen=self,
                    severity=alert.get("severity", "info"),
                    title=labels.rule_title(alert["rule_id"]),
                    patient=names.get(alert["patient_id"], f"Patient {alert['patient_id']}"),
                    rationale=clip(alert.get("rationale", "")),
                    meta=" · ".join(
                        t
                        for t in (
                            date_text(created) if created else "",
                            alert.get("status", ""),
                        )
                        if t
                    ),
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
