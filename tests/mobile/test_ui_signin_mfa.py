"""Sign-in with a second factor under a finger: a physio whose clinic requires one enrols from
the key shown as text, types the first code, keeps the recovery codes, and later signs in with
a code; a wrong code says so.

The live server (in this process) is switched to STRIDE_MFA_STAFF for this module. Codes are
made with pyotp from the key read off the screen, as the physio's authenticator app would.
"""

from datetime import UTC, datetime

import pyotp
import pytest

from tests.mobile.conftest import DEMO_PASSWORD
from tests.mobile.conftest_ui import idle, pump, stride_app, tap, x_display
from tests.mobile.test_ui_signin import current, form, on_show, signed_out, type_into

__all__ = ["stride_app", "x_display"]

EMAIL = "mfa.physio@example.org"
KEYS: dict[str, str] = {}  # the key the first test enrolled with, as its authenticator keeps it


@pytest.fixture(scope="module")
def staff_mfa(live_server):
    """A new physio on a server that requires a second factor of staff."""
    from server.extensions import db
    from server.services.accounts import create_user

    with live_server.app.app_context():
        create_user(
            db.session,
            email=EMAIL,
            display_name="Kim Physio",
            role="physio",
            password=DEMO_PASSWORD,
        )
        db.session.commit()
    live_server.app.config["MFA_STAFF"] = True
    yield
    live_server.app.config["MFA_STAFF"] = False


def test_a_wrong_code_and_a_wrong_password_are_told_apart(stride_app):
    # stride_app first: importing the screen before it would open Kivy's window at 800x600.
    from mobile.core.api import ApiError
    from mobile.screens.signin import explain, spaced_key

    url = "https://clinic.example.org"
    code = ApiError(401, "Wrong or already used code: wait for the next one.")
    password = ApiError(401, "Wrong email or password.")
    assert explain(code, url, code_sent=True).startswith("That code is wrong")
    assert explain(password, url, code_sent=True).startswith("That email and password")
    assert spaced_key("JBSWY3DPEHPK3PXP") == "JBSW Y3DP EHPK 3PXP"


def _type_and_sign_in(app, live_server, email: str, password: str) -> None:
    """Sign out, type the server, email and password into the form, and tap Sign in."""
    signed_out(app)
    screen = form(app)
    if not on_show(screen.ids.server):
        tap(screen.ids.advanced)
    type_into(screen.ids.server, live_server.url)
    type_into(screen.ids.email, email)
    type_into(screen.ids.password, password)
    tap(screen.ids.submit)


def _sign_in_with_password(app, live_server) -> None:
    _type_and_sign_in(app, live_server, EMAIL, DEMO_PASSWORD)
    screen = form(app)
    pump(lambda: screen.code_needed and not screen.busy, what="the code field")


def test_a_physio_enrols_from_the_key_on_screen_and_keeps_the_recovery_codes(
    stride_app, live_server, staff_mfa
):
    app = stride_app
    _sign_in_with_password(app, live_server)
    screen = form(app)
    assert current(app) == "signin"
    assert on_show(screen.ids.enrolment_key) and on_show(screen.ids.code)
    assert "authenticator app" in screen.ids.enrolment_help.text
    key = screen.ids.enrolment_key.text
    assert len(key.replace(" ", "")) == 32 and key.count(" ") == 7, "typed in groups of four"
    assert screen.ids.enrolment_uri.text.startswith("otpauth://totp/Stride:")

    tap(screen.ids.submit)
    assert screen.error == "Enter the 6-digit code from your authenticator app."
    type_into(screen.ids.code, pyotp.TOTP(key.replace(" ", "")).now())
    tap(screen.ids.submit)
    pump(lambda: screen.recovery_codes and not screen.busy, what="the recovery codes")
    assert current(app) == "signin", "the codes are read before going in"
    codes = screen.ids.recovery_codes.text.splitlines()
    assert len(codes) == 10 and all(len(code) == 11 for code in codes)
    assert on_show(screen.ids.recovery_saved)
    tap(screen.ids.recovery_saved)
    pump(
        lambda: current(app) == "patients" and idle(app),
        what=lambda: f"the patients, not {current(app)} (idle: {idle(app)})",
    )
    assert not screen.recovery_codes and not screen.code_needed
    KEYS[EMAIL] = key.replace(" ", "")


def test_the_enrolled_physio_signs_in_with_a_code_and_a_wrong_one_is_named(
    stride_app, live_server, staff_mfa
):
    app = stride_app
    secret = KEYS[EMAIL]
    _sign_in_with_password(app, live_server)
    screen = form(app)
    assert not on_show(screen.ids.enrolment_key), "the key is never shown again"
    assert screen.ids.code_prompt.text.startswith("Enter the 6-digit code")
    type_into(screen.ids.code, "000000")
    tap(screen.ids.submit)
    pump(lambda: screen.error and not screen.busy, what="the wrong-code error")
    assert screen.error.startswith("That code is wrong or was already used.")
    next_code = pyotp.TOTP(secret).at(datetime.now(UTC), counter_offset=1)
    type_into(screen.ids.code, next_code)
    tap(screen.ids.submit)
    pump(
        lambda: current(app) == "patients" and idle(app),
        what=lambda: f"the patients, not {current(app)} (idle: {idle(app)})",
    )


def test_new_staff_choose_a_password_then_enrol_before_going_in(stride_app, live_server, staff_mfa):
    """A password an admin gave opens the change form; the new one then asks for a factor."""
    from server.extensions import db
    from server.services.accounts import create_user

    email, given, chosen = "new.mfa.physio@example.org", "given by the admin 9", "my own secret"
    with live_server.app.app_context():
        create_user(
            db.session,
            email=email,
            display_name="Lee Physio",
            role="physio",
            password=given,
            must_change_password=True,
        )
        db.session.commit()
    app = stride_app
    _type_and_sign_in(app, live_server, email, given)
    screen = form(app)
    pump(lambda: current(app) == "password" and idle(app), what="the change-password form")
    chooser = app.root.ids.sm.get_screen("password")
    type_into(chooser.ids.new_password, chosen)
    tap(chooser.ids.submit)
    # Saved; no token around the factor: back at sign-in, signed in again with the new
    # password, which asks the physio to enrol.
    pump(
        lambda: current(app) == "signin" and screen.code_needed and not screen.busy,
        what=lambda: f"the code field, not {current(app)} ({chooser.error!r} {screen.error!r})",
    )
    key = screen.ids.enrolment_key.text.replace(" ", "")
    assert len(key) == 32 and on_show(screen.ids.code)
    type_into(screen.ids.code, pyotp.TOTP(key).now())
    tap(screen.ids.submit)
    pump(lambda: screen.recovery_codes and not screen.busy, what="the recovery codes")
    tap(screen.ids.recovery_saved)
    pump(lambda: current(app) == "patients" and idle(app), what="the patients")
    assert app.store.get_session()["user"]["email"] == email
