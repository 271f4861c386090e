"""The sync status line and signing out with entries not sent, touched as a patient does.

One app per process (conftest_ui's module-scoped `stride_app`), against the real server over
HTTP; "offline" points the app's sync at a dead port. The tests run in order as one patient's
afternoon: a blip, a longer outage ended with "Sync now", then each way of signing out.
"""

from datetime import UTC, datetime, timedelta

import pytest

from tests.mobile.conftest_ui import idle, open_dialog, pump, stride_app, tap, the, x_display
from tests.mobile.test_screens import PASSWORD, make_patient, offline, screen

__all__ = ["offline", "stride_app", "x_display"]  # fixtures used by name below


@pytest.fixture(scope="module")
def patient(live_server):
    """A piriformis patient in week 3 (four sessions a day), on the demo physio's list."""
    return make_patient(live_server, "Sam Syncer", "piriformis-neural-gliding", 14)


@pytest.fixture(scope="module")
def another(live_server):
    """A second patient who signs in on the same phone."""
    return make_patient(live_server, "Alex Later", "piriformis-neural-gliding", 14)


def sign_in(app, live_server, who) -> None:
    """Type into the sign-in form, tap the button and wait for Today after the first sync."""
    form = screen(app, "signin")
    form.ids.server.text, form.ids.email.text = live_server.url, who["email"]
    form.ids.password.text = PASSWORD
    tap(form.ids.submit)
    pump(lambda: app.root.ids.sm.current == "today" and sent(app), what="Today after sync")
    pump(lambda: screen(app).view is not None, what="the plan from the first sync")


def sent(app) -> bool:
    """Tell whether the outbox is empty and nothing is in flight."""
    return idle(app) and app.store.pending_count() == 0


def failed(app, failures: int) -> bool:
    """Tell whether the engine has failed this many times in a row and nothing is in flight."""
    return idle(app) and app.engine.failures >= failures


def to_do(app) -> list:
    """Return the cards of Today's sessions not logged yet, top to bottom."""
    cards = reversed(screen(app, "today").ids.groups.children)
    return [c for c in cards if getattr(c, "status", "") == "todo"]


def tap_on_card(app, label: str, fits=lambda card: True) -> None:
    """Tap a button of the first card to do that fits."""
    for attempt in range(3):
        # Today lays its cards out again whenever the sync line changes (it counts down while
        # offline): a card found just before may be gone before the finger lands.
        try:
            tap(the(next(c for c in to_do(app) if fits(c)), label, "RoundButton"))
            return
        except AssertionError as error:
            if "left the screen" not in str(error) or attempt == 2:
                raise


def log_sessions(app, count: int) -> None:
    """Skip `count` of today's exercises ("No time"), tapping as a patient does."""
    for _ in range(count):
        left = len(to_do(app))
        tap_on_card(app, "Skip")
        dialog = open_dialog("ChoiceDialog")
        tap(option(dialog, "No time"))
        pump(
            lambda d=dialog, n=left: closed(d) and len(to_do(app)) == n - 1,
            what="the skipped card",
        )


def server_sessions(who) -> list[str]:
    """Return the exercise ids of the patient's logs on the server."""
    return [row["exercise_id"] for row in who["physio"].get(f"/patients/{who['id']}/exercise-logs")]


def sign_out_warning():
    """Return the open sign-out warning."""
    dialog = open_dialog("ChoiceDialog")
    assert dialog.title.endswith("not reached your care team yet"), dialog.title
    return dialog


def option(dialog, text: str):
    """Return a dialog's option button by its text."""
    return next(b for b in dialog.ids.options.children if b.text == text)


def closed(dialog) -> bool:
    from kivy.core.window import Window

    return dialog not in Window.children


def test_after_a_blip_the_first_retry_comes_within_seconds(
    stride_app, live_server, patient, offline
):
    sign_in(stride_app, live_server, patient)
    assert stride_app.sync_text == "All changes synced"
    offline(True)
    log_sessions(stride_app, 1)
    pump(lambda: failed(stride_app, 1), what="the failed sync")
    state = stride_app.engine.state()
    assert (state.next_attempt - datetime.now(UTC)) <= timedelta(seconds=2)
    assert stride_app.sync_text.startswith("Offline: 1 entry waiting, next try in")
    offline(False)
    pump(lambda: sent(stride_app), timeout=10, what="the retry on the ladder's first step")
    assert stride_app.sync_text == "All changes synced"
    assert len(server_sessions(patient)) == 1


def test_sync_now_on_the_status_line_sends_at_once_after_a_long_outage(
    stride_app, patient, offline
):
    offline(True)
    log_sessions(stride_app, 1)
    sync_now = stride_app.root.ids.sync_now
    # Each tap is one more try: four failures in a row and the ladder waits 30 s.
    while stride_app.engine.failures < 4:
        before = stride_app.engine.failures
        pump(lambda: idle(stride_app), what="the pass in flight")
        tap(sync_now)
        pump(lambda n=before: failed(stride_app, n + 1), what="another failed try")
    next_try = stride_app.engine.state().next_attempt
    assert next_try - datetime.now(UTC) > timedelta(seconds=20)
    assert "1 entry waiting, next try in" in stride_app.sync_text
    offline(False)
    tap(sync_now)
    pump(lambda: sent(stride_app), what="the sync the tap started")
    assert datetime.now(UTC) < next_try, "sent by the tap, not by the ladder's next step"
    assert stride_app.sync_text == "All changes synced" and stride_app.engine.failures == 0
    assert len(server_sessions(patient)) == 2


def test_signing_out_with_entries_not_sent_warns_and_cancel_keeps_everything(
    stride_app, patient, offline
):
    offline(True)
    log_sessions(stride_app, 2)
    pump(lambda: failed(stride_app, 1), what="the failed sync")
    tap(stride_app.root.ids.sign_out)
    warning = sign_out_warning()
    assert warning.title == "2 entries have not reached your care team yet"
    assert "stay saved on this phone" in warning.message
    assert option(warning, "Sync now and sign out") and option(
        warning, "Sign out anyway (they stay on this phone)"
    )
    tap(the(warning, "Cancel", "RoundButton"))
    pump(lambda: closed(warning), what="the warning to close")
    assert stride_app.role == "patient" and stride_app.root.ids.sm.current == "today"
    assert stride_app.store.pending_count() == 2


def test_sync_now_and_sign_out_says_why_when_offline_then_sends_and_signs_out(
    stride_app, patient, offline
):
    offline(True)
    tap(stride_app.root.ids.sign_out)
    first = sign_out_warning()
    tap(option(first, "Sync now and sign out"))
    pump(lambda: idle(stride_app) and closed(first) and choice_dialog(), what="a second warning")
    again = sign_out_warning()
    assert again.message.startswith("This phone cannot reach your care team's server just now.")
    assert stride_app.role == "patient" and stride_app.store.pending_count() == 2
    offline(False)
    tap(option(again, "Sync now and sign out"))
    pump(lambda: stride_app.root.ids.sm.current == "signin" and idle(stride_app))
    assert stride_app.role == "" and stride_app.store.get_session() is None
    assert len(server_sessions(patient)) == 4


def choice_dialog():
    """Return the open ChoiceDialog, or None."""
    from kivy.core.window import Window

    return next((w for w in Window.children if type(w).__name__ == "ChoiceDialog"), None)


def test_sign_out_anyway_keeps_the_entries_for_the_next_sign_in(
    stride_app, live_server, another, offline
):
    sign_in(stride_app, live_server, another)
    offline(True)
    log_sessions(stride_app, 1)
    tap(stride_app.root.ids.sign_out)
    warning = sign_out_warning()
    assert warning.title == "1 entry has not reached your care team yet"
    tap(option(warning, "Sign out anyway (it stays on this phone)"))
    pump(lambda: stride_app.root.ids.sm.current == "signin" and idle(stride_app))
    assert server_sessions(another) == [], "not sent yet"
    offline(False)
    sign_in(stride_app, live_server, another)  # waits until the outbox is empty again
    assert len(server_sessions(another)) == 1, "kept on the phone, sent after signing in"


def test_a_done_still_in_its_undo_window_goes_with_sync_now_and_sign_out(stride_app, another):
    assert sent(stride_app)
    tap_on_card(stride_app, "Done", lambda card: not card.item.is_neural_glide)
    tap(stride_app.root.ids.sign_out)  # at once: the Done can still be undone
    warning = sign_out_warning()
    assert warning.title == "1 entry has not reached your care team yet"
    tap(option(warning, "Sync now and sign out"))
    pump(lambda: stride_app.root.ids.sm.current == "signin" and idle(stride_app))
    assert len(server_sessions(another)) == 2


def test_signing_out_with_everything_sent_asks_nothing(stride_app, live_server, another):
    sign_in(stride_app, live_server, another)
    tap(stride_app.root.ids.sign_out)
    pump(lambda: stride_app.root.ids.sm.current == "signin" and idle(stride_app))
    assert choice_dialog() is None
