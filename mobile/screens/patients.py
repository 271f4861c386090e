"""Staff: the patient list, who needs attention first, with adherence and pain at a glance."""

from kivy.properties import DictProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from mobile.screens import labels
from mobile.screens.base import BaseScreen, load_kv


class PatientRow(ButtonBehavior, BoxLayout):
    """One patient: name, protocol, adherence, pain trend and open alerts."""

    patient = DictProperty()
    screen = ObjectProperty()
    name = StringProperty("")
    protocol = StringProperty("")
    care = StringProperty("")
    adherence = StringProperty("")
    adherence_tone = StringProperty("none")
    pain = StringProperty("")
    pain_tone = StringProperty("none")
    alerts = StringProperty("")
    urgent = ObjectProperty(False)


def row_for(patient: dict, screen) -> PatientRow:
    """Build the row of a patient from the list's summary."""
    summary = patient.get("summary") or {}
    ratio = summary.get("adherence_14d")
    return PatientRow(
        patient=patient,
        screen=screen,
        name=patient["display_name"],
        protocol=summary.get("protocol_title") or "No active plan",
        care=labels.care_line(summary),
        adherence=f"Adherence {labels.percent(ratio)}",
        adherence_tone=labels.adherence_tone(ratio),
        pain=labels.pain_line(summary),
        pain_tone=labels.pain_tone(summary),
        alerts=labels.alerts_line(summary),
        urgent=bool(summary.get("urgent_alerts")),
    )


class PatientsScreen(BaseScreen):
    """Load GET /patients (already sorted by attention) and open a patient's detail."""

    count_text = StringProperty("")

    def show(self, **_kwargs) -> None:
        """Reload the list each time the tab opens."""
        self.title = "My patients" if self.app.role == "physio" else "Patients"
        self.refresh()

    def refresh(self) -> None:
        """Fetch the list in the background."""
        self.fetch(lambda client: client.get("/patients"), self._loaded)

    def _loaded(self, patients: list) -> None:
        self.busy = False
        box = self.ids.rows
        box.clear_widgets()
        for patient in patients:
            box.add_widget(row_for(patient, self))
        needing = sum(1 for p in patients if (p.get("summary") or {}).get("open_alerts"))
        self.count_text = (
            f"{len(patients)} patients · {needing} need attention, listed first"
            if patients
            else "No patients in your care yet."
        )

    def open(self, patient: dict) -> None:
        """Open a patient's detail."""
        self.go("patient", patient=patient)


load_kv("patients")
