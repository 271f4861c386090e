"""Sign-in under a finger: the invitation fills the server, Advanced hides it, the password can
be shown, and the red-flag check with its advice works with no account and no server.

One app per process (conftest_ui's module-scoped `stride_app`) against the real server over
HTTP; the tests run in order. Every control is touched through the Window (`tap`).
"""

import os

import pyotp
import pytest

from domain import redflags
from mobile.core.api import ApiClient
from server.demo.stories import ADMIN_TOTP_SECRET
from tests.mobile.conftest import DEMO_PASSWORD, DEMO_PHYSIO
from tests.mobile.conftest_ui import idle, on_screen, pump, stride_app, tap, x_display
from tests.mobile.test_screens import CLINIC_PHONE, UNREACHABLE, clinic_phone, dialled

DEMO_ADMIN = "admin@stride.example"
PATIENTS_OWN = "my knees are fine"

# Fixtures used by name below (clinic_phone: the server offers a clinic number, autouse).
__all__ = ["clinic_phone", "dialled", "stride_app", "x_display"]


def invited(live_server, name: str) -> dict:
    """Create a patient as staff do: an invitation and a one-time activation code, no password."""
    physio = ApiClient(live_server.url)
    physio.sign_in(DEMO_PHYSIO, DEMO_PASSWORD)
    created = physio.post(
        "/patients",
        {"email": f"invited.{name}@example.org", "display_name": f"Invited {name.title()}"},
    )
    physio.post(
        f"/patients/{created['id']}/plans",
        {"protocol_id": "piriformis-neural-gliding", "start_date": "2026-01-05"},
    )
    return created


def form(app):
    """Return the sign-in screen."""
    return app.root.ids.sm.get_screen("signin")


def on_show(widget) -> bool:
    """Tell whether a widget is in the window's widget tree (a hidden section's is not)."""
    return widget.get_root_window() is not None


def type_into(field, text: str) -> None:
    """Tap a text field and type (or paste) text into it."""
    tap(field)
    field.select_all()
    field.delete_selection()
    field.insert_text(text)


def current(app) -> str:
    """Return the name of the screen on show."""
    return app.root.ids.sm.current


def signed_out(app) -> None:
    """Be on the sign-in screen with no account (after an earlier test's sign-in)."""
    if app.role:
        app.sign_out()
    pump(lambda: current(app) == "signin" and idle(app), what="the sign-in screen")


# -- the form


def test_advanced_keeps_the_server_address_out_of_sight_until_opened(stride_app):
    screen = form(stride_app)
    assert not on_show(screen.ids.server), "a patient does not see a server address"
    assert screen.ids.advanced.text == "Advanced settings"
    tap(screen.ids.advanced)
    assert on_show(screen.ids.server)
    tap(screen.ids.server)  # a finger reaches the field it opened
    assert screen.ids.server.focus
    assert screen.ids.advanced.text == "Hide advanced settings"
    tap(screen.ids.advanced)
    assert not on_show(screen.ids.server)


def test_the_password_can_be_shown_and_hidden_again(stride_app):
    screen = form(stride_app)
    password = screen.ids.password
    type_into(password, "my secret 12")
    assert password.password, "hidden while typed"
    tap(screen.ids.reveal_password)
    assert not password.password and screen.ids.reveal_password.text == "Hide"
    assert password.text == "my secret 12", "showing it keeps what was typed"
    tap(screen.ids.reveal_password)
    assert password.password and screen.ids.reveal_password.text == "Show"
    type_into(password, "")


@pytest.mark.parametrize(
    ("pasted", "says"),
    [
        ("stride://join?server=clinic.example.org&user=a@b.org", "must start with https://"),
        ("stride://join?server=https://clinic.example.org", "has no email address"),
        ("https://clinic.example.org", "That is a web address, not an invitation"),
        ("clinic.example.org/amelia", "'amelia' is not one"),
    ],
)
def test_a_malformed_invitation_says_what_is_wrong_and_changes_nothing(stride_app, pasted, says):
    screen = form(stride_app)
    server_before, email_before = screen.ids.server.text, screen.ids.email.text
    type_into(screen.ids.invitation, pasted)
    tap(screen.ids.use_invitation)
    assert says in screen.ids.invitation_error.text
    assert on_show(screen.ids.invitation_error)
    assert (screen.ids.server.text, screen.ids.email.text) == (server_before, email_before)
    assert not on_show(screen.ids.invitation_note)


def test_a_patient_activates_with_only_the_invitation_link_and_the_code(stride_app, live_server):
    app, created = stride_app, invited(live_server, "link")
    screen = form(app)
    screen.ids.server.text = UNREACHABLE  # whatever the app had: the invitation decides
    type_into(screen.ids.invitation, created["invitation"]["link"])
    tap(screen.ids.use_invitation)
    assert not on_show(screen.ids.invitation_error)
    assert screen.ids.invitation_note.text.startswith(
        f"Invitation accepted: {created['email']} at 127.0.0.1:"
    )
    assert not on_show(screen.ids.server), "the address stays behind Advanced"
    assert screen.ids.email.text == created["email"]
    activate_with(app, created["activation"]["code"])
    session = app.store.get_session()
    assert session["server_url"] == live_server.url
    assert session["user"]["patient_id"] == created["id"]
    assert not on_show(screen.ids.invitation_note), "the note is gone at the next visit"


def test_another_patient_types_the_code_instead(stride_app, live_server):
    app, created = stride_app, invited(live_server, "code")
    signed_out(app)
    screen = form(app)
    code = created["invitation"]["code"]
    assert code == f"{live_server.url}/{created['email']}", "a plain-HTTP server keeps http://"
    type_into(screen.ids.invitation, code)
    tap(screen.ids.use_invitation)
    activate_with(app, created["activation"]["code"].lower().replace("-", " "))
    assert app.store.get_session()["user"]["patient_id"] == created["id"]
    # The password chosen on the phone is the one that signs in from now on.
    assert ApiClient(live_server.url).sign_in(created["email"], PATIENTS_OWN)["user"]["id"]


def activate_with(app, code: str) -> None:
    """Tap Activate, type the clinic's code, choose a password, save: land on Today."""
    tap(form(app).ids.activate)
    pump(lambda: current(app) == "password", what="the activation form")
    chooser = app.root.ids.sm.get_screen("password")
    assert on_show(chooser.ids.code), "activation asks for the code"
    type_into(chooser.ids.code, code)
    type_into(chooser.ids.new_password, "password1234")
    tap(chooser.ids.submit)
    assert "too common" in chooser.ids.error_label.text, "the rules are explained at once"
    assert on_show(chooser.ids.error_label)
    type_into(chooser.ids.new_password, PATIENTS_OWN)
    tap(chooser.ids.submit)
    pump(lambda: current(app) == "today" and idle(app), what="Today after activating")


def test_new_staff_choose_their_own_password_at_first_sign_in(stride_app, live_server):
    app = stride_app
    signed_out(app)
    admin = ApiClient(live_server.url)
    admin.sign_in(DEMO_ADMIN, DEMO_PASSWORD, pyotp.TOTP(ADMIN_TOTP_SECRET).now())  # admins: MFA
    email = f"new.physio.{os.getpid()}@example.org"
    given = "given by the admin 7"
    admin.post(
        "/users",
        {"email": email, "display_name": "New Physio", "role": "physio", "password": given},
    )
    screen = form(app)
    tap(screen.ids.advanced)
    type_into(screen.ids.server, live_server.url)
    type_into(screen.ids.email, email)
    type_into(screen.ids.password, given)
    tap(screen.ids.advanced)  # hidden again, as the next visitor expects
    tap(screen.ids.submit)
    pump(lambda: current(app) == "password" and idle(app), what="the change-password form")
    chooser = app.root.ids.sm.get_screen("password")
    assert not on_show(chooser.ids.code), "no code: sign-in's change token stands for it"
    assert chooser.ids.heading.text == "Choose your own password"
    type_into(chooser.ids.new_password, given)
    tap(chooser.ids.submit)
    pump(lambda: chooser.error and idle(app), what="the server's refusal")
    assert "must differ" in chooser.ids.error_label.text
    type_into(chooser.ids.new_password, "a bright spring morning")
    tap(chooser.ids.submit)
    pump(
        lambda: current(app) == "patients" and idle(app),
        what=lambda: f"Patients after the change, not {current(app)} {chooser.error!r}",
    )
    assert app.store.get_session()["user"]["email"] == email
    assert (
        not ApiClient(live_server.url)
        .sign_in(email, "a bright spring morning")["user"]
        .get("patient_id")
    )


def test_an_unreachable_server_is_named_with_where_to_look(stride_app):
    app = stride_app
    signed_out(app)
    screen = form(app)
    tap(screen.ids.advanced)
    type_into(screen.ids.server, UNREACHABLE)
    type_into(screen.ids.email, "someone@example.org")
    type_into(screen.ids.password, "a password 123")
    tap(screen.ids.submit)
    pump(lambda: screen.error and not screen.busy, what="the sign-in error")
    assert screen.error.startswith(f"Cannot reach the server at {UNREACHABLE}.")
    assert "under Advanced" in screen.error
    tap(screen.ids.advanced)


# -- the red-flag check without an account or a server


def answer(card, label: str) -> None:
    """Tap the "Yes" or "No" chip of a question card."""
    tap(next(c for c in card.ids.chips.children if c.text == label))


def open_check(app):
    """Tap the sign-in screen's way to the check; return the check."""
    tap(form(app).ids.safety_check)
    pump(lambda: current(app) == "redflag", what="the red-flag check")
    return app.root.ids.sm.current_screen


def test_signed_out_and_offline_the_check_answers_and_sends_nothing(stride_app):
    app = stride_app
    signed_out(app)
    form(app).ids.server.text = UNREACHABLE  # no server anywhere: nothing needs one
    queued = app.store.pending_count()
    check = open_check(app)
    assert app.root.screen_title == "Safety check"
    assert not on_show(app.root.ids.sign_out), "nobody to sign out"
    tap(check.ids.none_of_these)
    assert check.ids.outcome.ids.text.text == (
        "Thank you. No warning signs today. Carry on with your plan."
    )

    for key, card in check.cards.items():
        answer(card, "Yes" if key == "night_pain" else "No")  # a review-level sign
    tap(check.ids.submit)
    assert check.ids.outcome.ids.text.text.startswith(
        "You are not signed in, so this was not sent to anyone."
    ), "no promise that a clinician reviews it"
    assert app.store.pending_count() == queued, "nothing queued without an account"
    tap(app.root.ids.back)
    pump(lambda: current(app) == "signin", what="back at the sign-in screen")


def test_signed_out_a_yes_shows_the_urgent_advice_with_call_buttons(stride_app, dialled):
    app = stride_app
    queued = app.store.pending_count()
    check = open_check(app)
    answer(check.cards["saddle_numbness"], "Yes")
    pump(lambda: current(app) == "urgent", what="the urgent advice")
    urgent = app.root.ids.sm.current_screen
    assert urgent.ids.headline.text == "Seek emergency care now"
    assert urgent.ids.advice.text == redflags.EMERGENCY_ADVICE
    # The numbers of the last account on this phone hold after its sign-out.
    labels = [b.text for b in on_screen(urgent.ids.calls, kind="RoundButton")]
    assert labels == ["Call 999", f"Call the clinic: {CLINIC_PHONE}"]
    assert urgent.ids.sent.text == (
        "You are not signed in, so your care team has not been told: call 999."
    )
    assert not on_screen(urgent, "Send now"), "nothing waits to be sent"
    tap(urgent.ids.calls.ids.first)
    tap(urgent.ids.calls.ids.second)
    assert dialled == ["999", CLINIC_PHONE]
    assert app.store.pending_count() == queued
    tap(urgent.ids.close)
    pump(lambda: current(app) == "signin", what="back at the sign-in screen")
