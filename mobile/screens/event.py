"""Clinician: record imaging, a diagnostic guided injection result or an exam finding."""

from kivy.properties import DictProperty, NumericProperty, StringProperty

from mobile.screens.base import BaseScreen, load_kv
from mobile.screens.patient import patient_today

KINDS = [("imaging", "Imaging"), ("guided_injection", "Injection"), ("exam_finding", "Exam")]
MODALITIES = [("MRI", "MRI"), ("US", "US"), ("CT", "CT"), ("X-ray", "X-ray")]


def details_of(kind: str, f: dict) -> dict:
    """Return the API `details` of an event from the form's values."""
    if kind == "imaging":
        found = {"modality": f["modality"], "finding": f["finding"]}
        # A graded hamstring tear is what non-operative hamstring care needs on record.
        for key in ("tendons_torn", "retraction_mm"):
            if f.get(key) is not None:
                found[key] = f[key]
    elif kind == "guided_injection":
        found = {"target": f["target"], "pain_before": f["before"], "pain_after": f["after"]}
    else:
        found = {"test": f["test"], "result": f["finding"]}
    if kind != "guided_injection" and f.get("source"):
        found["mechanical_source"] = f["source"]
    return found


def relief_text(before, after) -> str:
    """Return "71 % relief (positive: ≥ 50 %)" for an injection's pain before and after."""
    if before is None or after is None or before == 0:
        return ""
    relief = round((before - after) / before * 100)
    verdict = "positive" if relief >= 50 else "not positive"
    return f"{relief} % relief: {verdict} (positive means at least 50 %)"


class EventScreen(BaseScreen):
    """A form per kind of clinical event, posted for the alert's patient."""

    patient = DictProperty()
    kind = StringProperty("imaging")
    relief = StringProperty("")
    patient_name = StringProperty("")
    alert_id = NumericProperty(0)
    kinds = KINDS
    modalities = MODALITIES

    def show(self, patient=None, alert_id=0, **_kwargs) -> None:
        """Start an empty form for a patient."""
        self.back_to = "alert"
        if patient is not None:
            self.patient, self.alert_id = patient, alert_id
            self.patient_name = patient.get("display_name", "")
            for field in ("finding", "source", "target", "test"):
                self.ids[field].text = ""
            self.ids.before.value = self.ids.after.value = None
            self.ids.tendons.value = self.ids.retraction.value = None
            self.ids.kind.select("imaging")
            self.ids.modality.select("MRI")
            self.ids.date.text = patient_today(patient).isoformat()
        self.title = "Record result"
        self.error = ""

    def update_relief(self) -> None:
        """Show the relief of an injection as it is entered."""
        self.relief = relief_text(self.ids.before.value, self.ids.after.value)

    def save(self) -> None:
        """Check the form and post the event."""
        kind, ids = self.ids.kind.selected or "imaging", self.ids
        values = {
            "modality": ids.modality.selected,
            "finding": ids.finding.text.strip(),
            "source": ids.source.text.strip(),
            "target": ids.target.text.strip(),
            "test": ids.test.text.strip(),
            "before": ids.before.value,
            "after": ids.after.value,
            "tendons_torn": ids.tendons.value,
            "retraction_mm": ids.retraction.value,
        }
        missing = {
            "imaging": not (values["modality"] and values["finding"]),
            "guided_injection": not values["target"] or None in (values["before"], values["after"]),
            "exam_finding": not (values["test"] and values["finding"]),
        }[kind]
        if missing:
            self.error = "Fill in every field marked required."
            return
        day = ids.date.text.strip()
        body = {"kind": kind, "event_date": day, "details": details_of(kind, values)}
        path = f"/patients/{self.patient['id']}/clinical-events"
        self.fetch(lambda client: client.post(path, body), self._saved)

    def _saved(self, _event) -> None:
        self.busy = False
        self.go("alert", alert_id=self.alert_id, notice="Result recorded for the next review.")


load_kv("event")
