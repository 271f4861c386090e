"""Sign in: email and password; the server comes from the clinic's invitation (or Advanced).

A patient never has to know a server address: the invitation link or code from the clinic
fills it in, with the email. Staff, and anyone whose clinic gave a plain address, open
"Advanced" to type it. The red-flag check stays one tap away without an account.
"""

from kivy.properties import BooleanProperty, StringProperty

from domain.invitations import InvalidInvitation, parse_invitation
from mobile.core.api import ApiClient
from mobile.core.urgent import KNOWN_CONTACTS
from mobile.screens.background import run_async
from mobile.screens.base import BaseScreen, load_kv

ROLES = ("patient", "physio", "clinician")


def explain(error, server_url: str) -> str:
    """Turn a failed sign-in into a sentence a patient can act on."""
    if error.status is None:
        return (
            f"Cannot reach the server at {server_url}. Check your connection, and the "
            "invitation or the server address under Advanced."
        )
    if error.status == 401:
        return "That email and password do not match an account. Please try again."
    return error.message


def timezone_of(client: ApiClient, user: dict) -> str | None:
    """Return a signed-in patient's time zone (None for staff)."""
    if user["role"] == "patient" and user.get("patient_id"):
        return client.get(f"/patients/{user['patient_id']}").get("timezone")
    return None


def enter(app, url: str, answer: dict, timezone) -> str:
    """Open the app for a signed-in account; return why not ("" when it opened)."""
    user = answer["user"]
    if user["role"] not in ROLES:
        return "This app is for patients, physiotherapists and clinicians."
    if user.get("contacts"):  # the numbers to call stay known after a sign-out
        app.store.set_setting(KNOWN_CONTACTS, user["contacts"])
    app.signed_in(url, answer, timezone)
    return ""


def host_of(url: str) -> str:
    """Return a server address as a person reads it (no https://)."""
    return url.removeprefix("https://").removeprefix("http://")


class SignInScreen(BaseScreen):
    """Ask for email and password (the server from an invitation) and sign in."""

    server_url = StringProperty("")
    advanced = BooleanProperty(False)  # the server address field is on show
    password_shown = BooleanProperty(False)
    invitation_error = StringProperty("")
    invitation_note = StringProperty("")  # what an accepted invitation filled in

    def show(self, server_url: str = "", auto=None, reason: str = "", **_kwargs) -> None:
        """Fill the server address; sign in at once when credentials came on the command line."""
        self.error = reason
        if server_url:
            self.server_url = self.ids.server.text = server_url
        if auto:
            self.ids.email.text, self.ids.password.text = auto
            self.submit()

    def use_invitation(self) -> None:
        """Fill the server and email from a pasted link or a typed code, or say what is wrong."""
        try:
            invitation = parse_invitation(self.ids.invitation.text)
        except InvalidInvitation as problem:
            self.invitation_error, self.invitation_note = str(problem), ""
            return
        self.ids.server.text, self.ids.email.text = invitation.server, invitation.user
        self.ids.invitation.text = self.invitation_error = self.error = ""
        self.invitation_note = (
            f"Invitation accepted: {invitation.user} at {host_of(invitation.server)}. "
            "First time here? Tap Activate and type the code your clinic gave you."
        )

    def toggle_advanced(self) -> None:
        """Show or hide the server address."""
        self.advanced = not self.advanced

    def toggle_password(self) -> None:
        """Show the password as typed, or hide it again."""
        self.password_shown = not self.password_shown

    def safety_check(self) -> None:
        """Open the red-flag check without an account: its advice needs no server."""
        self.go("redflag")

    def activate(self) -> None:
        """Open the activation form for the invitation's (or the typed) server and email."""
        url, email = self._account()
        if url and email:
            self.invitation_note = ""
            self.go("password", mode="activate", server_url=url, email=email)

    def _account(self) -> tuple[str, str]:
        """Return the server (with its scheme) and email typed, or ("", "") with the error set."""
        url = self.ids.server.text.strip().rstrip("/")
        email = self.ids.email.text.strip()
        if not url:
            self.advanced = True
            self.error = "Use the invitation from your clinic, or enter the server address."
            return "", ""
        if not email:
            self.error = "Enter your email."
            return "", ""
        if not url.startswith(("http://", "https://")):
            url = "https://" + url
        return url, email

    def submit(self) -> None:
        """Check the fields and sign in in the background."""
        url, email = self._account()
        password = self.ids.password.text
        if not url:
            return
        if not password:
            self.error = "Enter your email and your password."
            return
        self.error, self.busy = "", True

        def work():
            client = ApiClient(url)
            answer = client.sign_in(email, password)
            return answer, timezone_of(client, answer["user"])

        run_async(
            work,
            lambda result: self._signed_in(url, *result),
            lambda error: self._failed(error, url, email),
        )

    def _signed_in(self, url: str, answer: dict, timezone) -> None:
        self.busy = False
        self._forget_password()
        self.error = enter(self.app, url, answer, timezone)

    def _forget_password(self) -> None:
        self.ids.password.text = self.invitation_note = ""
        self.password_shown = False

    def _failed(self, error, url: str, email: str) -> None:
        self.busy = False
        if error.status == 403 and error.body.get("reason") == "password_change_required":
            self._forget_password()
            token = error.body.get("change_token", "")
            self.go("password", mode="change", server_url=url, email=email, change_token=token)
            return
        self.error = explain(error, self.ids.server.text.strip())


load_kv("signin")
