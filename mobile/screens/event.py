"""Clinician: record imaging, an injection, an exam test, the intake or a medication review."""

import uuid

from kivy.properties import DictProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from domain import exams
from domain.nantes import NANTES_CRITERIA, nantes_of
from mobile.core.formatting import as_date
from mobile.screens import labels
from mobile.screens.base import BaseScreen, load_kv
from mobile.screens.eventform import details_of, missing_text, relief_text
from mobile.screens.patient import patient_today
from mobile.widgets import datepicker  # noqa: F401  (DateField, used in event.kv)

# Chip words short enough for three chips side by side on a phone.
KINDS = [
    ("imaging", "Imaging"),
    ("guided_injection", "Injection"),
    ("exam_finding", "Exam"),
    ("intake", "Intake"),
    ("medication_review", "Medicines"),
]
DATE_WORDS = {
    "imaging": "Date of the imaging",
    "guided_injection": "Date of the injection",
    "exam_finding": "Date of the examination",
    "intake": "Date of the intake",
    "medication_review": "Date of the review",
}
# Chip words: "EMG / nerve conduction studies" takes three lines on a small phone.
MODALITIES = list({**exams.MODALITIES, "EMG_NCS": "EMG / NCS"}.items())
GUIDANCE = list(labels.GUIDANCE.items())
TESTS = [(t.id, t.name) for t in exams.EXAM_TESTS.values()]
SITES = [(s.id, s.name[:1].upper() + s.name[1:]) for s in exams.PALPATION_SITES.values()]
RESULTS = [("positive", "Positive"), ("negative", "Negative"), ("not_done", "Not done")]
TARGETS = list(exams.INJECTION_TARGETS.items())
YES_NO_UNKNOWN = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known")]
LUMBAR = [("excluded", "Excluded"), ("not_excluded", "Not excluded")]


def accuracy_line(test_id: str) -> str:
    """Return what a test looks for and its published accuracy, for the chosen chip."""
    test = exams.EXAM_TESTS.get(test_id)
    if test is None:
        return ""
    if test.condition is None:
        return "Choose the site: tenderness there points to the condition named beside it."
    looks = exams.CONDITIONS[test.condition]
    if test.sensitivity is None:
        return f"Looks for {looks}. Accuracy not known: no verified study."
    return f"Looks for {looks}: {exams.accuracy_text(test)}."


class NantesRow(BoxLayout):
    """One Nantes criterion with Yes / No / Not known chips."""

    key = StringProperty("")
    text = StringProperty("")


class EventScreen(BaseScreen):
    """A form per kind of clinical event, posted for the alert's patient."""

    patient = DictProperty()
    kind = StringProperty("imaging")
    test = StringProperty("")
    target = StringProperty("")
    relief = StringProperty("")
    accuracy = StringProperty("")
    nantes_text = StringProperty("")
    patient_name = StringProperty("")
    alert_id = NumericProperty(0)
    today = ObjectProperty(None, allownone=True)  # the patient's today: no later event date
    born = ObjectProperty(None, allownone=True)  # their date of birth: no earlier one
    kinds = KINDS
    date_words = DATE_WORDS
    modalities = MODALITIES
    guidances = GUIDANCE
    tests = TESTS
    sites = SITES
    results = RESULTS
    targets = TARGETS
    yes_no_unknown = YES_NO_UNKNOWN
    lumbar_choices = LUMBAR

    def on_kv_post(self, _base) -> None:
        box = self.ids.nantes
        self.nantes_rows = {}
        for key, text in NANTES_CRITERIA.items():
            row = NantesRow(key=key, text=text)
            row.ids.chips.bind(selected=lambda *_: self.update_nantes())
            box.add_widget(row)
            self.nantes_rows[key] = row

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
        # One id per record being written: a save tapped again after its answer was lost
        # (the server stored it, the phone never heard) is the same event, not a second one.
        self._event_id = str(uuid.uuid4())
        ids = self.ids
        for field in ("finding", "source", "target_note", "anaesthetic", "task", "note"):
            ids[field].text = ""
        for field in ("surgery", "medications", "outcome", "ifs", "qfs", "minutes"):
            ids[field].text = ""
        ids.before.value = ids.after.value = None
        ids.tendons.value = ids.retraction.value = None
        ids.date.value = None
        for group in ("guidance", "exam_test", "site", "result", "target", "oedema", "lumbar"):
            ids[group].reset()
        ids.cancer.reset()
        for row in self.nantes_rows.values():
            row.ids.chips.reset()
        ids.kind.select("imaging")
        ids.modality.select("MRI")

    def choose_test(self, test_id: str) -> None:
        """Show the chosen test's accuracy (and the palpation sites for palpation)."""
        self.test = test_id
        self.accuracy = accuracy_line(test_id)
        self.recheck()

    def update_relief(self) -> None:
        """Show the relief of an injection as it is entered."""
        self.relief = relief_text(self.ids.before.value, self.ids.after.value)
        self.recheck()

    def update_nantes(self) -> None:
        """Say whether the Nantes criteria entered so far are met."""
        given = self._nantes()
        if not given:
            self.nantes_text = ""
            return
        status = nantes_of(given)
        if status.met:
            self.nantes_text = "All five criteria met."
            return
        yes = 5 - len(status.against) - len(status.unknown)
        against = f", {len(status.against)} no" if status.against else ""
        self.nantes_text = f"Not met: {yes} of 5 yes{against}; all five are needed."

    def _nantes(self) -> dict:
        """Return the criteria answered, the others "unknown"; {} when none is answered."""
        chosen = {k: row.ids.chips.selected for k, row in self.nantes_rows.items()}
        if not any(chosen.values()):
            return {}
        return {k: value or "unknown" for k, value in chosen.items()}

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
            "lumbar_spine": ids.lumbar.selected,
            "test": ids.exam_test.selected,
            "site": ids.site.selected,
            "result": ids.result.selected,
            "note": ids.note.text.strip(),
            "target": ids.target.selected,
            "target_note": ids.target_note.text.strip(),
            "anaesthetic": ids.anaesthetic.text.strip(),
            "provocative_task": ids.task.text.strip(),
            "minutes_after": ids.minutes.text.strip(),
            "before": ids.before.value,
            "after": ids.after.value,
            "tendons_torn": ids.tendons.value,
            "retraction_mm": ids.retraction.value,
            "ischiofemoral_space_mm": ids.ifs.text.strip(),
            "quadratus_femoris_space_mm": ids.qfs.text.strip(),
            "quadratus_femoris_oedema": ids.oedema.selected,
            "cancer_history": ids.cancer.selected,
            "previous_surgery": ids.surgery.text.strip(),
            "nantes": self._nantes(),
            "medications": ids.medications.text.strip(),
            "outcome": ids.outcome.text.strip(),
        }

    def save(self) -> None:
        """Check the form and post the event."""
        kind, values = self.ids.kind.selected or "imaging", self.values()
        self.error = missing_text(kind, values)
        if self.error:
            return
        body = {
            "id": self._event_id,
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
