"""Choose a password: a patient's first visit with the clinic's activation (or reset) code, or
the first sign-in of staff whose password an admin set (sign-in answered 403 with a change
token). Either way the app signs in with the new password's token and opens the home screen.

The rules (domain/passwords.py, the same module the server uses) are checked before sending,
so a refused password is explained at once, offline too.
"""

from kivy.properties import BooleanProperty, StringProperty

from domain.passwords import password_problem
from mobile.core.api import ApiClient, SecondFactorNeeded
from mobile.screens.background import run_async
from mobile.screens.base import BaseScreen, load_kv
from mobile.screens.signin import enter, timezone_of

ACTIVATE, CHANGE = "activate", "change"


class ChoosePasswordScreen(BaseScreen):
    """Ask for the code (activation) and a new password; sign in with it."""

    mode = StringProperty(ACTIVATE)
    email = StringProperty("")
    server_url = StringProperty("")
    password_shown = BooleanProperty(False)
    _change_token = ""

    def show(self, mode=ACTIVATE, server_url="", email="", change_token="", **_kwargs) -> None:
        """Start afresh for one account: the code and password fields empty."""
        self.mode, self.server_url, self.email = mode, server_url, email
        self._change_token = change_token
        self.ids.code.text = self.ids.new_password.text = self.error = ""
        self.password_shown = False

    def toggle_password(self) -> None:
        """Show the new password as typed, or hide it again."""
        self.password_shown = not self.password_shown

    def back(self) -> None:
        """Return to the sign-in form."""
        self.go("signin", server_url=self.server_url)

    def submit(self) -> None:
        """Check the fields and the password rules, then choose the password on the server."""
        code, password = self.ids.code.text.strip(), self.ids.new_password.text
        if self.mode == ACTIVATE and not code:
            self.error = "Type the activation code your clinic gave you."
            return
        problem = password_problem(password, self.email)
        if problem:
            self.error = f"The new password {problem}."
            return
        self.error, self.busy = "", True
        url, email, token = self.server_url, self.email, self._change_token

        def work():
            client = ApiClient(url)
            if self.mode == ACTIVATE:
                answer = client.activate(email, code, password)
            else:
                answer = client.finish_password_change(token, password)
            return answer, timezone_of(client, answer["user"])

        run_async(work, lambda result: self._chosen(url, *result), self._failed)

    def _chosen(self, url: str, answer: dict, timezone) -> None:
        self.busy = False
        self.ids.code.text = self.ids.new_password.text = ""
        self.error = enter(self.app, url, answer, timezone)

    def _failed(self, error) -> None:
        self.busy = False
        if isinstance(error, SecondFactorNeeded):  # saved: sign in with it and the code
            password, self.ids.new_password.text = self.ids.new_password.text, ""
            self.go("signin", server_url=self.server_url, auto=(self.email, password))
            return
        if error.status is None:
            self.error = f"Cannot reach the server at {self.server_url}. Check your connection."
        elif error.status == 422:
            reasons = [r for field in error.errors.get("json", {}).values() for r in field]
            self.error = f"The new password {reasons[0]}." if reasons else error.message
        else:
            self.error = error.message


load_kv("password")
