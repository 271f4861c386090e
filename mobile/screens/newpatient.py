"""Staff: create a patient account, show its activation code and invitation once, then assign."""

from datetime import datetime

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.modalview import ModalView

from mobile.core.enrolling import colleagues, field_errors, usual_timezone
from mobile.screens.base import load_kv


class StaffDialog(ModalView):
    """A staff form in a dialog that shows the server's reasons beside the fields they name.

    Its look is in newpatient.kv; the assign dialog shares it. Subclasses list their `fields`.
    """

    fields: tuple[str, ...] = ()
    form_height = NumericProperty(0)
    errors = DictProperty()
    error = StringProperty("")  # what no field names
    busy = BooleanProperty(False)

    def __init__(self, **kwargs):
        self.errors = {name: "" for name in self.fields}
        super().__init__(**kwargs)

    def sending(self) -> None:
        """Clear the reasons of the last try before the next one goes out."""
        self.errors = {name: "" for name in self.fields}
        self.error, self.busy = "", True

    def refused(self, error) -> None:
        """Show each reason beside its field (the rest below the form), and scroll to the first."""
        self.busy = self.screen.busy = False
        found = field_errors(getattr(error, "errors", None))
        self.errors = {name: found.get(name, "") for name in self.fields}
        unnamed = [reason for name, reason in found.items() if name not in self.fields]
        if unnamed or not found:
            self.error = unnamed[0] if unnamed else getattr(error, "message", str(error))
        Clock.schedule_once(lambda _dt: self._scroll_to_reason(), 0)

    def _scroll_to_reason(self) -> None:
        labels = [w for w in self.walk(restrict=True) if type(w).__name__ == "FieldError"]
        first = next((w for w in labels if w.text), None)
        if first is not None:
            self.ids.scroll.scroll_to(first, padding=dp(72), animate=False)


class NewPatientDialog(StaffDialog):
    """Collect name, email, time zone and care team; POST /patients; show what to hand over."""

    fields = ("display_name", "email", "timezone", "care_team")
    mode = OptionProperty("form", options=["form", "created"])
    team_choices = ListProperty()
    account = DictProperty()
    created_line = StringProperty("")
    activation_code = StringProperty("")
    activation_expiry = StringProperty("")
    invitation = StringProperty("")

    def __init__(self, screen, patients: list[dict], me: int, when_created, **kwargs):
        self.screen, self.when_created = screen, when_created
        super().__init__(**kwargs)
        self.team_choices = colleagues(patients, me)
        self.ids.timezone.text = usual_timezone(patients)

    def save(self) -> None:
        """Send the new account to the server."""
        body = {
            "display_name": self.ids.display_name.text.strip(),
            "email": self.ids.email.text.strip(),
            "timezone": self.ids.timezone.text.strip(),
            "care_team": [int(value) for value in self.ids.care_team.chosen],
        }
        self.sending()
        self.screen.fetch(lambda client: client.post("/patients", body), self._saved, self.refused)

    def _saved(self, patient: dict) -> None:
        self.busy = self.screen.busy = False
        self.account = patient
        self.created_line = f"{patient['display_name']} can now activate {patient['email']}."
        activation = patient.get("activation") or {}
        self.activation_code = activation.get("code", "")
        self.activation_expiry = expiry_text(activation.get("expires_at"))
        self.invitation = invitation_text(patient.get("invitation"))
        self.mode = "created"
        self.ids.scroll.scroll_y = 1  # the code first, not where the form was scrolled
        self.when_created(patient)

    def assign(self) -> None:
        """Go on to assign a protocol to the patient just created."""
        from mobile.screens.assign import AssignDialog

        self.dismiss()
        AssignDialog(self.screen, self.account, on_done=self.screen.assigned).open()


def expiry_text(expires_at: str | None) -> str:
    """Return when an activation code stops working, as a person reads it."""
    if not expires_at:
        return "for a limited time"
    try:
        when = datetime.fromisoformat(expires_at)
    except ValueError:
        return "for a limited time"
    return "until " + when.strftime("%a %-d %b %Y")


def invitation_text(invitation: dict | None) -> str:
    """Return the invitation as the physio passes it on: the link, then the code to type."""
    if not invitation:
        return ""
    parts = []
    if invitation.get("link"):
        parts.append(f"Link: {invitation['link']}")
    if invitation.get("code"):
        parts.append(f"Or type this code in the app: {invitation['code']}")
    return "\n".join(parts)


load_kv("newpatient")
