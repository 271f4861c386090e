"""Staff: the patient list, who needs attention first, with adherence and pain at a glance."""

from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from mobile.core.caution import calm_summary
from mobile.core.formatting import date_text
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
    summary = calm_summary(patient.get("summary"))
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
    notice = StringProperty("")
    can_create = BooleanProperty(False)

    def show(self, **_kwargs) -> None:
        """Reload the list each time the tab opens."""
        physio = self.app.role == "physio"
        self.title = "My patients" if physio else "Patients"
        self.can_create, self.notice = physio, ""
        self.patients: list[dict] = []
        self.refresh()

    def refresh(self) -> None:
        """Fetch the list in the background."""
        self.fetch(lambda client: client.get("/patients"), self._loaded)

    def _loaded(self, patients: list) -> None:
        self.busy = False
        self.patients = patients
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

    def new_patient(self) -> None:
        """Open the dialog that creates a patient (and goes on to assign a protocol)."""
        from mobile.screens.newpatient import NewPatientDialog

        me = self.app.store.get_session()["user"]["id"]
        NewPatientDialog(self, self.patients, me, when_created=self.created).open()

    def created(self, patient: dict) -> None:
        """List the new patient at once (their plan may follow)."""
        self.added = patient["display_name"]
        self.notice = f"{self.added} was added."
        self.refresh()

    def assigned(self, plan: dict) -> None:
        """Say which plan the new patient got, and reload the list."""
        start = date_text(plan["start_date"])
        self.notice = f"{self.added}: {plan['protocol_title']}, starting {start}."
        self.refresh()


load_kv("patients")
