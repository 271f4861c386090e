"""Staff: one alert with its evidence, readiness checklist, events and the decision."""

from kivy.properties import BooleanProperty, DictProperty, StringProperty

from mobile.core.formatting import date_text
from mobile.screens import labels
from mobile.screens.base import BaseScreen, load_kv
from mobile.widgets.surfaces import Card


def load_alert(client, alert_id: int) -> tuple[dict, dict]:
    """Fetch an alert and its patient (blocking: call from a worker thread)."""
    alert = client.get(f"/alerts/{alert_id}")
    return alert, client.get(f"/patients/{alert['patient_id']}")


CANCER_TEXT = {
    None: "Not recorded. Record it once: a history of cancer makes new night pain or weight loss "
    "in the red-flag check urgent.",
    True: "Yes, recorded. New night pain or weight loss in the red-flag check is urgent.",
    False: "No, recorded.",
}


def event_line(event: dict) -> str:
    """Return "Sun 22 Nov: decided (note)" for one audit event."""
    note = f" ({event['note']})" if event.get("note") else ""
    return f"{date_text(event['at'][:10])}: {event['action']}{note}"


class CheckItem(Card):
    """One readiness item: met or not, its evidence, or the next step."""

    met = BooleanProperty(False)
    label = StringProperty("")
    detail = StringProperty("")


class AlertScreen(BaseScreen):
    """Show the evidence a clinician needs and let the routed role act on the alert."""

    alert = DictProperty()
    patient = DictProperty()
    headline = StringProperty("")
    severity = StringProperty("")
    status = StringProperty("")
    rationale = StringProperty("")
    patient_text = StringProperty("")
    adherence_text = StringProperty("")
    weeks_text = StringProperty("")
    pain_text = StringProperty("")
    facts_text = StringProperty("")
    events_text = StringProperty("")
    notice = StringProperty("")
    cancer_text = StringProperty("")
    can_act = BooleanProperty(False)

    def show(self, alert_id=None, back=None, notice="", **_kwargs) -> None:
        """Open an alert by id (a bare return reloads the one on show)."""
        self.title = "Alert"
        if back:
            self.back_to = back
        if alert_id is not None and alert_id != self.alert.get("id"):
            self.alert, self.patient = {"id": alert_id}, {}
            self.headline = self.severity = self.status = self.rationale = ""
            self.pain_text = self.adherence_text = self.weeks_text = self.facts_text = ""
        self.notice = notice
        self.refresh()

    def refresh(self) -> None:
        """Load the alert in the background."""
        if not self.alert.get("id"):
            return
        alert_id = self.alert["id"]
        self.fetch(lambda client: load_alert(client, alert_id), self._loaded)

    def _loaded(self, result) -> None:
        alert, patient = result
        self.busy, self.alert, self.patient = False, alert, patient
        evidence = alert.get("evidence") or {}
        self.title = patient.get("display_name", "Alert")
        self.headline = labels.rule_title(alert["rule_id"])
        self.severity, self.status = alert.get("severity", ""), alert.get("status", "")
        self.rationale = alert.get("rationale", "")
        self.patient_text = f"{alert.get('severity', '').upper()} · {alert.get('status', '')}"
        self.can_act = labels.can_act(alert, self.app.role)
        self.adherence_text = labels.adherence_evidence(evidence) or ""
        self.weeks_text = labels.weeks_line(evidence) or ""
        # R-FAIL nests the trend under "pain"; R-WORSE's evidence is the trend itself.
        pain = evidence.get("pain") if isinstance(evidence.get("pain"), dict) else evidence
        chart = self.ids.chart
        if pain and pain.get("series"):
            chart.points, chart.x_labels = labels.series_points(pain["series"])
            chart.baseline, chart.current = pain.get("baseline"), pain.get("current")
            self.pain_text = labels.pain_evidence(pain)
        else:
            chart.points, chart.x_labels, self.pain_text = [], [], ""
        self.facts_text = "\n".join(labels.evidence_lines(alert))
        self.cancer_text = CANCER_TEXT[patient.get("cancer_history")]
        self._checklist(alert.get("checklist") or [])
        self.events_text = "\n".join(event_line(e) for e in alert.get("events") or [])

    def _checklist(self, items: list) -> None:
        box = self.ids.checklist
        box.clear_widgets()
        for item in items:
            detail = item.get("evidence") if item.get("met") else item.get("next_step")
            box.add_widget(
                CheckItem(
                    met=bool(item.get("met")),
                    label=item.get("label", item.get("key", "")),
                    detail=("" if item.get("met") else "Next step: ") + (detail or ""),
                )
            )

    # -- actions

    def acknowledge(self) -> None:
        """Mark the alert as seen."""
        path = f"/alerts/{self.alert['id']}/acknowledge"
        self.fetch(lambda client: client.post(path, {"note": None}), self._acted)

    def decide(self) -> None:
        """Open the decision dialog."""
        from mobile.screens.decision import DecisionDialog

        DecisionDialog(self).open()

    def decided(self, alert: dict) -> None:
        """Show the outcome of a decision."""
        self._acted(alert)
        self.notice = "Decision saved: " + dict(labels.DECISIONS).get(alert.get("decision"), "")

    def _acted(self, _alert) -> None:
        self.refresh()

    def record_cancer_history(self, value: bool) -> None:
        """Record once whether the patient has had cancer (it raises red-flag levels)."""
        path = f"/patients/{self.patient['id']}/cancer-history"
        body = {"cancer_history": value}
        self.fetch(lambda client: client.put(path, body), self._cancer_recorded)

    def _cancer_recorded(self, patient: dict) -> None:
        self.busy = False
        self.patient = patient
        self.cancer_text = CANCER_TEXT[patient.get("cancer_history")]
        self.notice = "History of cancer recorded."

    def record_event(self) -> None:
        """Record imaging or an injection result for this patient."""
        self.go("event", patient=self.patient, alert_id=self.alert["id"])

    def open_patient(self) -> None:
        """Open the patient's detail."""
        self.go("patient", patient=self.patient)


load_kv("alert")
