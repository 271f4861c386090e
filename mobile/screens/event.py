"""Clinician: record imaging, a diagnostic guided injection result or an exam finding."""

from kivy.properties import DictProperty, NumericProperty, ObjectProperty, StringProperty

from mobile.core.formatting import as_date
from mobile.screens import labels
from mobile.screens.base import BaseScreen, load_kv
from mobile.screens.patient import patient_today
from mobile.widgets import datepicker  # noqa: F401  (DateField, used in event.kv)

# Chip words short enough for three chips side by side on a phone.
KINDS = [("imaging", "Imaging"), ("guided_injection", "Injection"), ("exam_finding", "Exam")]
MODALITIES = list(labels.MODALITIES.items())
GUIDANCE = list(labels.GUIDANCE.items())
# What each kind cannot be saved without, as the form names it to the clinician.
REQUIRED = {
    "imaging": (("modality", "the modality"), ("finding", "the finding")),
    "guided_injection": (
        ("target", "the injection target"),
        ("guidance", "the guidance"),
        ("before", "pain before"),
        ("after", "pain after"),
    ),
    "exam_finding": (("test", "the test"), ("finding", "the result")),
}


def details_of(kind: str, f: dict) -> dict:
    """Return the API `details` of an event from the form's values."""
    if kind == "imaging":
        found = {"modality": f["modality"], "finding": f["finding"]}
        # A graded hamstring tear is what non-operative hamstring care needs on record.
        for key in ("tendons_torn", "retraction_mm"):
            if f.get(key) is not None:
                found[key] = f[key]
    elif kind == "guided_injection":
        found = {
            "target": f["target"],
            "guidance": f["guidance"],
            "pain_before": f["before"],
            "pain_after": f["after"],
        }
    else:
        found = {"test": f["test"], "result": f["finding"]}
    if kind != "guided_injection" and f.get("source"):
        found["mechanical_source"] = f["source"]
    return found


def missing_text(kind: str, values: dict) -> str:
    """Return "Still needed: the date and the guidance." or "" when the form is complete."""
    missing = [words for key, words in REQUIRED[kind] if values.get(key) in (None, "")]
    if values.get("date") is None:
        missing.insert(0, "the date")
    if not missing:
        return ""
    listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return f"Still needed: {listed}."


def relief_text(before, after) -> str:
    """Return "71 % relief: positive (positive means at least 50 %)" for an injection."""
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
    today = ObjectProperty(None, allownone=True)  # the patient's today: no later event date
    born = ObjectProperty(None, allownone=True)  # their date of birth: no earlier one
    kinds = KINDS
    modalities = MODALITIES
    guidances = GUIDANCE

    def show(self, patient=None, alert_id=0, **_kwargs) -> None:
        """Start an empty form for a patient."""
        self.back_to = "alert"
        if patient is not None:
            self.patient, self.alert_id = patient, alert_id
            self.patient_name = patient.get("display_name", "")
            self.today = patient_today(patient)
            born = patient.get("date_of_birth")
            self.born = as_date(born) if born else None
            self._clear()
            self.ids.page.scroll_y = 1
        self.title = "Record result"
        self.error = ""

    def _clear(self) -> None:
        ids = self.ids
        for field in ("finding", "source", "target", "test"):
            ids[field].text = ""
        ids.before.value = ids.after.value = None
        ids.tendons.value = ids.retraction.value = None
        ids.date.value = None
        ids.guidance.reset()
        ids.kind.select("imaging")
        ids.modality.select("MRI")

    def update_relief(self) -> None:
        """Show the relief of an injection as it is entered."""
        self.relief = relief_text(self.ids.before.value, self.ids.after.value)
        self.recheck()

    def recheck(self) -> None:
        """Keep a "Still needed" line true while the clinician fills the form in."""
        if self.error.startswith("Still needed"):
            self.error = missing_text(self.ids.kind.selected or "imaging", self.values())

    def values(self) -> dict:
        """Return what the form holds, trimmed."""
        ids = self.ids
        return {
            "date": ids.date.value,
            "modality": ids.modality.selected,
            "guidance": ids.guidance.selected,
            "finding": ids.finding.text.strip(),
            "source": ids.source.text.strip(),
            "target": ids.target.text.strip(),
            "test": ids.test.text.strip(),
            "before": ids.before.value,
            "after": ids.after.value,
            "tendons_torn": ids.tendons.value,
            "retraction_mm": ids.retraction.value,
        }

    def save(self) -> None:
        """Check the form and post the event."""
        kind, values = self.ids.kind.selected or "imaging", self.values()
        self.error = missing_text(kind, values)
        if self.error:
            return
        body = {
            "kind": kind,
            "event_date": values["date"].isoformat(),
            "details": details_of(kind, values),
        }
        path = f"/patients/{self.patient['id']}/clinical-events"
        self.fetch(lambda client: client.post(path, body), self._saved)

    def _saved(self, _event) -> None:
        self.busy = False
        self.go("alert", alert_id=self.alert_id, notice="Result recorded for the next review.")


load_kv("event")
