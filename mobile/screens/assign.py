"""Staff: assign a protocol to a patient, from a start date (and the surgery date it needs)."""

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from mobile.core.enrolling import post_operative
from mobile.screens.base import load_kv
from mobile.screens.newpatient import StaffDialog
from mobile.screens.patient import patient_today
from mobile.widgets import datepicker  # noqa: F401 (kv rules name DateField)


class AssignDialog(StaffDialog):
    """List the protocols, take the dates, POST /patients/{id}/plans, hand the plan on."""

    fields = ("protocol_id", "start_date", "surgery_date")
    protocol_choices = ListProperty()
    about = StringProperty("")
    needs_surgery = BooleanProperty(False)
    loading = BooleanProperty(True)

    def __init__(self, screen, patient: dict, on_done, **kwargs):
        self.screen, self.patient, self.on_done = screen, patient, on_done
        self.protocols: dict[str, dict] = {}
        super().__init__(**kwargs)
        self.ids.start.value = patient_today(patient)
        self.ids.protocol.bind(selected=lambda _g, value: self._chosen(value))
        screen.fetch(lambda client: client.get("/protocols"), self._listed, self._unlisted)

    def _listed(self, protocols: list[dict]) -> None:
        self.loading = self.screen.busy = False
        self.protocols = {p["id"]: p for p in protocols}
        self.protocol_choices = [(p["id"], p["title"]) for p in protocols]

    def _chosen(self, protocol_id: str) -> None:
        protocol = self.protocols.get(protocol_id) or {}
        self.needs_surgery = post_operative(protocol)
        self.about = protocol.get("summary") or ""

    def save(self) -> None:
        """Send the assignment; the server checks the dates and what the protocol needs."""
        body = {"protocol_id": self.ids.protocol.selected}
        if self.ids.start.value is not None:
            body["start_date"] = self.ids.start.value.isoformat()
        if self.needs_surgery and self.ids.surgery.value is not None:
            body["surgery_date"] = self.ids.surgery.value.isoformat()
        self.sending()
        path = f"/patients/{self.patient['id']}/plans"
        self.screen.fetch(lambda client: client.post(path, body), self._saved, self.refused)

    def _saved(self, plan: dict) -> None:
        self.busy = self.screen.busy = False
        self.dismiss()
        self.on_done(plan)

    def _unlisted(self, error) -> None:
        self.loading = False
        self.refused(error)


load_kv("assign")
