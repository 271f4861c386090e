"""The referral packet from the clinician's alert screen, in a real Kivy window, by touch.

The clinician taps "Referral packet (PDF)" where it is drawn: the app downloads the packet from
the live server and saves it in its data folder, says where, and offers "Open" (the platform's
viewer, a fake here: a test must not start one). Offline, the screen says the packet needs the
server.
"""

import os

import pytest
from pypdf import PdfReader

from mobile.core.api import ApiClient
from mobile.screens import documents
from tests.mobile.conftest_ui import idle, on_screen, pump, stride_app, tap, x_display
from tests.mobile.test_screens import UNREACHABLE
from tests.mobile.test_ui_clinician import (
    named,
    new_patient,
    open_alert,
    red_flag,
    sign_in_clinician,
)

__all__ = ["stride_app", "x_display"]  # fixtures used by name below
NAME = "Rosalind Referral"


@pytest.fixture(scope="module")
def referred(live_server):
    """A patient who answered yes to saddle numbness a moment ago (an urgent alert)."""
    who = new_patient(live_server, NAME, 20)
    red_flag(who, saddle_numbness=True)
    return who


@pytest.fixture()
def viewer(monkeypatch):
    """Replace the device's viewer with one that records the files it was asked to open."""
    opened = []
    monkeypatch.setattr(documents, "can_open", lambda: True)
    monkeypatch.setattr(documents, "open_document", lambda path, title="": opened.append(path))
    return opened


def test_the_clinician_saves_the_packet_and_opens_it(stride_app, live_server, referred, viewer):
    app = stride_app
    sign_in_clinician(app, live_server.url)
    alert = open_alert(app, NAME, "R-RED")
    assert not alert.referral_path and not on_screen(alert, "Open", "RoundButton")
    tap(alert.ids.referral)
    pump(lambda: alert.referral_path and idle(app), what="the saved packet")
    path = alert.referral_path
    assert os.path.dirname(path) == os.path.join(app.data_folder(), "referrals")
    with open(path, "rb") as file:
        assert file.read(5) == b"%PDF-"
    reader = PdfReader(path)
    assert 1 <= len(reader.pages) <= 2
    assert NAME in reader.pages[0].extract_text()
    assert alert.ids.referral_text.text == f"Saved: {path}"
    tap(alert.ids.open_referral)
    assert viewer == [path]


def test_offline_the_screen_says_the_packet_needs_the_server(
    stride_app, referred, viewer, monkeypatch
):
    app = stride_app
    alert = named(app, "alert")  # the first test left it open
    assert alert.patient["display_name"] == NAME
    token = app.store.get_session()["token"]
    monkeypatch.setattr(app, "client", lambda: ApiClient(UNREACHABLE, token, 2))
    tap(alert.ids.referral)
    pump(lambda: "offline" in alert.referral_text and idle(app), what="the offline message")
    assert alert.ids.referral_text.text == (
        "You are offline: the referral packet is made by the server. Connect and try again."
    )
    assert not alert.error, "offline is said once, beside the button"
