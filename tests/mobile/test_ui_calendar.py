"""Add to my calendar, under a finger: the patient makes the private link on the reminder
screen, copies it, opens it in a calendar app, and stops it; offline nothing changes.

One app per process against the real server over HTTP; the calendar app is a fake (the
module's `open_link`), the link itself is read back over HTTP with icalendar.
"""

import os
import urllib.error
import urllib.request

import pytest
from icalendar import Calendar

from mobile.core.api import ApiClient
from tests.mobile.conftest_ui import idle, pump, scroll_into_view, stride_app, tap, x_display
from tests.mobile.test_screens import PASSWORD, UNREACHABLE, make_patient

__all__ = ["stride_app", "x_display"]  # fixtures used by name below


@pytest.fixture(scope="module")
def patient(stride_app, live_server):
    """Sign a new piriformis patient in and wait for Today with the plan."""
    app = stride_app
    who = make_patient(live_server, "Cal Endar", "piriformis-neural-gliding", 14)
    form = app.root.ids.sm.get_screen("signin")
    form.ids.server.text, form.ids.email.text = live_server.url, who["email"]
    form.ids.password.text = PASSWORD
    tap(form.ids.submit)
    pump(lambda: app.root.ids.sm.current == "today" and idle(app), what="Today")
    today = app.root.ids.sm.current_screen
    pump(lambda: today.view is not None, what="the plan from the first sync")
    return who


@pytest.fixture()
def calendar_app(monkeypatch):
    """Replace the phone's calendar app with one that records the links it was given."""
    from mobile.screens import calendarfeed

    opened: list[str] = []
    monkeypatch.setattr(calendarfeed, "open_link", lambda url: opened.append(url) or True)
    return opened


def the_card(app):
    """Tap the header's bell; return the calendar card of the reminder screen."""
    tap(app.root.ids.reminder_times)
    pump(lambda: app.root.ids.sm.current == "reminders", what="the reminder times")
    return app.root.ids.sm.current_screen.ids.calendar_feed


def fetched(url: str):
    """Read a feed URL as a calendar app does (no token): (status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.headers.get_content_type() == "text/calendar"
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def capture(name: str) -> None:
    """Write what the window shows to $STRIDE_UI_CAPTURE/<name>.png when that is set."""
    folder = os.environ.get("STRIDE_UI_CAPTURE")
    if folder:
        from kivy.core.window import Window

        pump(seconds=1.5)  # a screenshot in the first frames after a change comes out black
        os.replace(Window.screenshot(os.path.join(folder, "shot.png")), f"{folder}/{name}.png")


def test_the_patient_adds_the_plan_to_a_calendar_copies_and_stops_the_link(
    stride_app, patient, calendar_app
):
    from kivy.core.clipboard import Clipboard

    app = stride_app
    card = the_card(app)
    assert card.url == "", "no link until the patient asks for one"
    scroll_into_view(card.ids.make)
    capture("calendar-add")
    tap(card.ids.make)
    pump(lambda: card.url and idle(app), what="the new link")
    assert "/api/v1/calendar/" in card.url and card.ids.link.text == card.url
    status, body = fetched(card.url)
    assert status == 200
    events = Calendar.from_ical(body).walk("VEVENT")
    assert events and all(e.walk("VALARM") for e in events)
    capture("calendar-link")

    tap(card.ids.copy_link)
    assert Clipboard.paste() == card.url
    tap(card.ids.open_calendar)
    assert calendar_app == [card.webcal_url] and card.webcal_url.startswith("webcal://")

    tap(app.root.ids.back)
    pump(lambda: app.root.ids.sm.current == "today", what="back on Today")
    card = the_card(app)
    assert card.ids.link.text == card.url != "", "the link is still there to copy again"

    link = card.url
    real_client = app.client
    app.client = lambda: ApiClient(UNREACHABLE, None, 2)  # the network is gone
    try:
        tap(card.ids.stop)
        pump(lambda: card.message and idle(app), what="the offline answer")
    finally:
        app.client = real_client
    assert card.message.startswith("You are offline")
    assert card.url == link and fetched(link)[0] == 200, "nothing changed, nothing lost"
    capture("calendar-offline")

    tap(card.ids.stop)
    pump(lambda: not card.url and idle(app), what="the link stopped")
    assert fetched(link)[0] == 404
    assert card.ids.make.get_root_window() is not None, "a new link can be made"
    tap(app.root.ids.back)
    pump(lambda: app.root.ids.sm.current == "today", what="back on Today")
