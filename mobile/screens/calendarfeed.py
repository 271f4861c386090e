"""Add the plan to the patient's calendar app: make, copy, open and stop a private link."""

import logging
import webbrowser

from kivy.app import App
from kivy.core.clipboard import Clipboard
from kivy.properties import BooleanProperty, StringProperty

from mobile.core.calendarfeed import failure_text, forget_link, keep_link, saved_link
from mobile.screens.background import run_async
from mobile.screens.base import load_kv
from mobile.widgets.surfaces import Card

log = logging.getLogger(__name__)
FEED = "/me/calendar-feed"


def open_link(url: str) -> bool:
    """Open a webcal:// link: the phone's calendar app offers to subscribe to it."""
    # Called through the module, so a test can put a fake here (as dialer.dial).
    return webbrowser.open(url)


class CalendarFeedCard(Card):
    """The calendar link's controls; every change goes to the server first, then the phone."""

    url = StringProperty("")
    webcal_url = StringProperty("")
    message = StringProperty("")
    busy = BooleanProperty(False)

    def on_kv_post(self, _base):
        self.load()

    def load(self) -> None:
        """Show the link kept for the signed-in patient, if they made one."""
        app = App.get_running_app()
        link = saved_link(app.store) if app and app.store else None
        self.url = (link or {}).get("url") or ""
        self.webcal_url = (link or {}).get("webcal_url") or ""
        self.message = ""

    def make(self) -> None:
        """Ask the server for a new link (one made before stops working)."""
        self._send(lambda client: client.post(FEED, {}), self._made, "making a calendar link")

    def stop(self) -> None:
        """Stop the link on the server: calendars subscribed to it no longer update."""
        self._send(lambda client: client.delete(FEED), self._stopped, "stopping the link")

    def copy(self) -> None:
        """Put the link on the clipboard, to paste into a calendar app or a message."""
        Clipboard.copy(self.url)
        self.message = "Link copied. Paste it where your calendar app adds a calendar by URL."

    def open_in_calendar(self) -> None:
        """Hand the webcal:// link to the calendar app."""
        if not open_link(self.webcal_url or self.url):
            self.message = "No calendar app opened the link: copy it and add it by hand."

    def _send(self, work, done, doing: str) -> None:
        app = App.get_running_app()
        client, serial = app.client(), app.session_serial
        self.busy, self.message = True, ""
        run_async(
            lambda: work(client),
            done,
            lambda error: self._failed(error, doing),
            guard=lambda: app.session_serial == serial,
        )

    def _made(self, answer: dict) -> None:
        link = keep_link(App.get_running_app().store, answer)
        self.busy = False
        self.url, self.webcal_url = link["url"], link["webcal_url"] or ""
        self.message = "Your link is ready. It is private: anyone with it sees your plan."

    def _stopped(self, _answer) -> None:
        forget_link(App.get_running_app().store)
        self.busy, self.url, self.webcal_url = False, "", ""
        self.message = "The link is stopped. Your calendar app no longer gets your plan."

    def _failed(self, error, doing: str) -> None:
        self.busy = False
        if getattr(error, "status", None) == 401:
            App.get_running_app().sign_out(reason="Your sign-in has expired. Please sign in again.")
            return
        self.message = failure_text(error, doing)


load_kv("calendarfeed")
