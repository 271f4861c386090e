"""Sign in: server address, email and password; the token is kept for the next launch."""

from kivy.properties import StringProperty

from mobile.core.api import ApiClient
from mobile.screens.background import run_async
from mobile.screens.base import BaseScreen, load_kv

ROLES = ("patient", "physio", "clinician")


def explain(error, server_url: str) -> str:
    """Turn a failed sign-in into a sentence a patient can act on."""
    if error.status is None:
        return f"Cannot reach the server at {server_url}. Check the address and your connection."
    if error.status == 401:
        return "That email and password do not match an account. Please try again."
    return error.message


class SignInScreen(BaseScreen):
    """Ask for server, email and password and hand a successful answer to the app."""

    server_url = StringProperty("")

    def show(self, server_url: str = "", auto=None, reason: str = "", **_kwargs) -> None:
        """Fill the server address; sign in at once when credentials came on the command line."""
        self.error = reason
        if server_url:
            self.server_url = server_url
        if auto:
            self.ids.email.text, self.ids.password.text = auto
            self.submit()

    def submit(self) -> None:
        """Check the fields and sign in in the background."""
        url = self.ids.server.text.strip().rstrip("/")
        email, password = self.ids.email.text.strip(), self.ids.password.text
        if not (url and email and password):
            self.error = "Enter the server address, your email and your password."
            return
        if not url.startswith(("http://", "https://")):
            url = "https://" + url
        self.error, self.busy = "", True

        def work():
            client = ApiClient(url)
            answer = client.sign_in(email, password)
            user, timezone = answer["user"], None
            if user["role"] == "patient" and user.get("patient_id"):
                timezone = client.get(f"/patients/{user['patient_id']}").get("timezone")
            return answer, timezone

        run_async(work, lambda result: self._signed_in(url, *result), self._failed)

    def _signed_in(self, url: str, answer: dict, timezone) -> None:
        self.busy = False
        if answer["user"]["role"] not in ROLES:
            self.error = "This app is for patients, physiotherapists and clinicians."
            return
        self.ids.password.text = ""
        self.app.signed_in(url, answer, timezone)

    def _failed(self, error) -> None:
        self.busy = False
        self.error = explain(error, self.ids.server.text.strip())


load_kv("signin")
