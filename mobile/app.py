"""StrideApp: the session, the sync loop and reminders; screens and the shell do the rest."""

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kivy.app import App
from kivy.clock import mainthread
from kivy.core.window import Window
from kivy.properties import NumericProperty, StringProperty

from mobile.core import urgent
from mobile.core.api import ApiClient
from mobile.core.reminders import reminder_times
from mobile.core.store import Store
from mobile.core.sync import SyncEngine
from mobile.core.today import today_view
from mobile.screens import background, permissions, signout
from mobile.screens.base import load_kv
from mobile.screens.reminders import ReminderScheduler
from mobile.screens.shell import HOME, Shell
from mobile.screens.syncrunner import SyncRunner
from mobile.widgets import theme

DEFAULT_SERVER = os.environ.get("STRIDE_SERVER_URL", "http://127.0.0.1:5000")


class StrideApp(App):
    """One app for every role: sign in, then the role's screens and (for patients) sync."""

    title = "Stride"
    role = StringProperty("")
    user_name = StringProperty("")
    server_url = StringProperty(DEFAULT_SERVER)
    sync_text = StringProperty("")
    sync_tone = StringProperty("ok")
    banner = StringProperty("")  # an in-app reminder when the platform has no notifications
    data_version = NumericProperty(0)  # bumped when local data changes: screens refresh
    session_serial = NumericProperty(0)  # bumped at sign-in/out: late answers are dropped

    def __init__(self, server_url=None, email=None, password=None, data_dir=None, **kwargs):
        super().__init__(**kwargs)
        self.server_url = server_url or DEFAULT_SERVER
        self._auto_sign_in = (email, password) if email and password else None
        self._data_dir = data_dir
        self.store = self.engine = self.sync = self.reminders = None

    def build(self):
        """Open the store, load the shell and wire the sync loop."""
        folder = self._data_dir or self.user_data_dir
        os.makedirs(folder, exist_ok=True)
        self.store = Store(os.path.join(folder, "stride.sqlite3"))
        self.engine = SyncEngine(self.store)
        self.sync = SyncRunner(self.engine, self._show_sync, self._synced)
        self.reminders = ReminderScheduler(self._remind, times=lambda: reminder_times(self.store))
        load_kv("widgets")
        load_kv("controls")
        Window.clearcolor = theme.BG
        Window.bind(on_keyboard=self._on_key)
        return Shell()

    def on_start(self):
        """Resume the remembered session, sign in from the command line, or ask."""
        session = self.store.get_session()
        if self._auto_sign_in:
            self.open_screen("signin", server_url=self.server_url, auto=self._auto_sign_in)
        elif session:
            self.server_url = session["server_url"]
            self._enter(session["user"])
        else:
            self.open_screen("signin", server_url=self.server_url)

    def on_resume(self):
        """Sync as the phone brings the app back: the patient is looking, maybe on a new network."""
        if self.role == "patient":
            self.sync.request()

    def on_stop(self):
        """Stop the sync and reminder timers."""
        if self.sync:
            self.sync.stop()
        if self.reminders:
            self.reminders.stop()

    # -- session

    def signed_in(self, server_url: str, answer: dict, timezone: str | None) -> None:
        """Remember a successful sign-in and open the role's home screen."""
        self.server_url = server_url
        self.store.save_session(server_url, answer["token"], answer["user"])
        if timezone:
            self.store.set_setting("timezone", timezone)
        self._enter(answer["user"])

    def _enter(self, user: dict) -> None:
        self.session_serial += 1
        self.role, self.user_name = user["role"], user["display_name"]
        self.root.set_role(self.role)
        self.open_screen(HOME.get(self.role, "signin"))
        if self.role == "patient":
            self.sync.start()
            permissions.ask_for_notifications()  # the reminders (Android 13+ asks at run time)
        else:
            self.sync_text = ""

    def ask_sign_out(self) -> None:
        """Sign out from the header: warn first if entries have not reached the server."""
        signout.ask(self)

    def sign_out(self, reason: str = "") -> None:
        """Revoke the token (best effort), forget the session and show sign-in."""
        client = self.client()
        background.run_async(client.sign_out)
        self.session_serial += 1
        self.sync.stop()
        self.reminders.stop()
        self.store.clear_session()
        self.role = self.user_name = self.sync_text = self.banner = ""
        self.root.set_role("")
        self.open_screen("signin", server_url=self.server_url, reason=reason)

    def data_folder(self) -> str:
        """Return the folder of this app's files on the device (the store, saved packets)."""
        return self._data_dir or self.user_data_dir

    def client(self) -> ApiClient:
        """Return an API client of the signed-in account (staff screens are online-only)."""
        session = self.store.get_session() or {}
        url, token = session.get("server_url", self.server_url), session.get("token")
        return ApiClient(url, token, on_reached=self._reached)

    @mainthread
    def _reached(self) -> None:
        """The server answered a screen's request: a sync waiting after an outage goes now."""
        self.sync.network_back()

    def local_today(self) -> date:
        """Return today's date in the patient's time zone (the server's idea of their day)."""
        return datetime.now(self.timezone()).date()

    def timezone(self):
        """Return the patient's zone, or the device's when unknown."""
        try:
            return ZoneInfo(self.store.get_setting("timezone") or "")
        except (ZoneInfoNotFoundError, ValueError):
            return datetime.now().astimezone().tzinfo

    # -- navigation (the shell does it; screens and kv call these)

    def open_screen(self, name: str, **kwargs) -> None:
        """Show a screen, passing kwargs to its `show`."""
        self.root.open(name, self.role, **kwargs)

    def go_back(self) -> bool:
        """Return to the screen the current one came from."""
        return self.root.go_back(self.role)

    def _on_key(self, _window, key, *_args):
        return key == 27 and self.go_back()  # Android back / Escape

    # -- data and sync

    def changed(self) -> None:
        """Note a local action: refresh the screens, re-plan reminders and sync soon."""
        self.data_version += 1
        self._plan_reminders()
        self.sync.show()
        self.sync.request()

    def _show_sync(self, text: str, tone: str) -> None:
        self.sync_text, self.sync_tone = text, tone

    def _synced(self) -> None:
        self.data_version += 1
        self._plan_reminders()

    def _plan_reminders(self) -> None:
        """Schedule the digests of the slots with work left (a done slot needs no reminder)."""
        if self.role == "patient":
            # Exercises paused after urgent advice: no reminder to do them either.
            paused = urgent.exercises_paused(self.store)
            view = None if paused else today_view(self.store, self.local_today())
            self.reminders.plan(view, self.timezone())

    def open_reminder(self) -> None:
        """Open Today from the reminder banner and hide it."""
        self.banner = ""
        self.open_screen("today")

    def _remind(self, reminder) -> None:
        if reminder is None:  # a new day began: show it and plan its digests
            self._synced()
            return
        self.banner = f"{reminder.title}: {reminder.body}"
