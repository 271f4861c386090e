"""What every screen shares: its .kv file, the app, and a title for the header."""

import os

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.screens.background import run_async

# Imported for their side effect: kv rules can only name widget classes Kivy has seen.
from mobile.widgets import (  # noqa: F401
    buttons,
    calls,
    charts,
    dialogs,
    figure,
    fit,
    inputs,
    progress,
    reveal,
    screens,
    snapshot,
    surfaces,
)

KV_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "kv")


def load_kv(name: str) -> None:
    """Load mobile/kv/<name>.kv once (a second import of a screen must not add rules twice)."""
    path = os.path.join(KV_DIR, f"{name}.kv")
    if path not in Builder.files:
        Builder.load_file(path)


class BaseScreen(Screen):
    """A screen with a header title, a back target and a busy flag for network calls."""

    title = StringProperty("")
    back_to = StringProperty("")  # empty: no back button, the bottom bar navigates
    chrome = BooleanProperty(True)  # False: full screen, no header or bottom bar
    busy = BooleanProperty(False)
    error = StringProperty("")

    def on_title(self, _screen, _title) -> None:
        """Keep the header in step when the title changes after loading."""
        if self.app is not None and self.app.root is not None:
            self.app.root.retitle(self)

    @property
    def app(self):
        """Return the running StrideApp."""
        return App.get_running_app()

    def go(self, name: str, **kwargs) -> None:
        """Open another screen, passing it keyword arguments to `show(...)`."""
        self.app.open_screen(name, **kwargs)

    def on_kv_post(self, _base):
        self.app.bind(data_version=self._data_changed)

    def _data_changed(self, *_args) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.refresh()

    def show(self, **kwargs) -> None:
        """Prepare the screen before it is entered (subclasses)."""

    def refresh(self) -> None:
        """Redraw from local data after a sync or an action (subclasses)."""

    def fetch(self, work, done, failed=None) -> None:
        """Run `work(client)` in the background for this sign-in; drop answers after a sign-out."""
        app, client = self.app, self.app.client()
        serial = app.session_serial
        self.busy, self.error = True, ""
        run_async(
            lambda: work(client),
            done,
            failed or self.failed,
            guard=lambda: app.session_serial == serial,
        )

    def failed(self, error) -> None:
        """Show a failed network call in the screen's error line (sign in again on 401)."""
        self.busy = False
        if getattr(error, "status", None) == 401 and self.app.role:
            self.app.sign_out(reason="Your sign-in has expired. Please sign in again.")
            return
        self.error = getattr(error, "message", None) or str(error)
