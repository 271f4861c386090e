"""Sign in: email and password; the server comes from the clinic's invitation (or Advanced).

A patient never has to know a server address: the invitation link or code from the clinic
fills it in, with the email. Staff, and anyone whose clinic gave a plain address, open
"Advanced" to type it. The red-flag check stays one tap away without an account.

Staff whose account needs a second factor get a code field after the password; one who must
enrol first is shown the key (and its otpauth:// address) as text to type into an
authenticator app, and after the first code the recovery codes, once, before going in.
"""

from kivy.properties import BooleanProperty, StringProperty

from domain.invitations import InvalidInvitation, parse_invitation
from mobile.core.api import ApiClient, SecondFactorNeeded
from mobile.core.urgent import KNOWN_CONTACTS
from mobile.screens.background import run_async
from mobile.screens.base import BaseScreen, load_kv

ROLES = ("patient", "physio", "clinician")


def explain(error, server_url: str, code_sent: bool = False) -> str:
    """Turn a failed sign-in into a sentence a patient can act on."""
    if error.status is None:
        return (
            f"Cannot reach the server at {server_url}. Check your connection, and the "
            "invitation or the server address under Advanced."
        )
    if error.status == 401 and code_sent and "password" not in error.message:
        return "That code is wrong or was already used. Enter the code the app shows now."
    if error.status == 401:
        return "That email and password do not match an account. Please try again."
    return error.message


def spaced_key(secret: str) -> str:
    """Return an authenticator key in groups of four, as people type it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


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
    code_needed = BooleanProperty(False)  # the server asked for an authenticator code
    code_prompt = StringProperty("")
    enrolment_key = StringProperty("")  # to type into an authenticator app, spaced
    enrolment_uri = StringProperty("")
    recovery_codes = StringProperty("")  # shown once after enrolling, before going in
    _entering = None  # the sign-in held while the recovery codes are on show

    def show(self, server_url: str = "", auto=None, reason: str = "", **_kwargs) -> None:
        """Fill the server address; sign in at once when credentials came on the command line."""
        self.error = reason
        self.code_needed, self.enrolment_key, self.enrolment_uri = False, "", ""
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
        code = "".join(self.ids.code.text.split()) if self.code_needed else ""
        if self.code_needed and not code:
            self.error = "Enter the 6-digit code from your authenticator app."
            return
        self.error, self.busy = "", True

        def work():
            client = ApiClient(url)
            answer = client.sign_in(email, password, code or None)
            return answer, timezone_of(client, answer["user"])

        run_async(
            work,
            lambda result: self._signed_in(url, *result),
            lambda error: self._failed(error, url, email, code),
        )

    def _signed_in(self, url: str, answer: dict, timezone) -> None:
        self.busy = False
        if answer["user"]["role"] not in ROLES:
            self.error = "This app is for patients, physiotherapists and clinicians."
            return
        self._forget_password()
        self.ids.code.text = ""
        self.code_needed = False
        self.enrolment_key = self.enrolment_uri = ""
        self._entering = (url, answer, timezone)
        if answer.get("recovery_codes"):  # shown once: go in after they were noted
            self.recovery_codes = "\n".join(answer["recovery_codes"])
            return
        self.error = enter(self.app, url, answer, timezone)

    def recovery_codes_saved(self) -> None:
        """Go in after the recovery codes were written down."""
        self.recovery_codes = ""
        self.error = enter(self.app, *self._entering)

    def _forget_password(self) -> None:
        self.ids.password.text = self.invitation_note = ""
        self.password_shown = False

    def _failed(self, error, url: str, email: str, code_sent: str = "") -> None:
        self.busy = False
        if isinstance(error, SecondFactorNeeded):
            self._ask_for_code(error)
            return
        if error.status == 403 and error.body.get("reason") == "password_change_required":
            self._forget_password()
            token = error.body.get("change_token", "")
            self.go("password", mode="change", server_url=url, email=email, change_token=token)
            return
        self.error = explain(error, self.ids.server.text.strip(), bool(code_sent))

    def _ask_for_code(self, needed: SecondFactorNeeded) -> None:
        """Show the code field, and the key to enrol with when the account has none yet."""
        self.error, self.code_needed, self.code_prompt = "", True, needed.message
        enrolment = needed.enrolment or {}
        self.enrolment_key = spaced_key(enrolment.get("secret", ""))
        self.enrolment_uri = enrolment.get("uri", "")


load_kv("signin")
