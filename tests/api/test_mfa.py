"""Multi-factor sign-in for staff: enrolment at sign-in or from the account, codes used once,
recovery codes, the staff setting, an admin's reset, throttling and the audit trail.

Codes are made with pyotp from the secret the server handed out, as an authenticator app
makes them. A code is good once, so a test that needs two uses the current step's code and
the next step's (the server accepts one step either side of now).
"""

import threading
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from server.extensions import db
from server.models import MfaFactor, MfaRecoveryCode, User
from server.services import mfa
from tests.conftest import ADMIN_TOTP_SECRET, PASSWORD, Caller

TOKENS = "/api/v1/auth/tokens"


def _post(client, email, code=None, address="10.0.0.1"):
    body = {"email": email, "password": PASSWORD}
    if code is not None:
        body["code"] = code
    return client.post(TOKENS, json=body, environ_base={"REMOTE_ADDR": address})


def _codes(secret: str) -> tuple[str, str]:
    """Return this step's code and the next step's."""
    totp, now = pyotp.TOTP(secret), datetime.now(UTC)
    return totp.at(now), totp.at(now, counter_offset=1)


def _caller(client, response) -> Caller:
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return Caller(client, body["user"], body["token"])


@pytest.fixture()
def staff_mfa(clean_app):
    """Turn on the setting that requires a second factor of physios and clinicians."""
    clean_app.config["MFA_STAFF"] = True
    yield
    clean_app.config["MFA_STAFF"] = False


def _new_admin(clean_app, email="second.admin@example.org") -> None:
    from server.services.accounts import create_user

    with clean_app.app_context():
        create_user(db.session, email=email, display_name="Bo", role="admin", password=PASSWORD)
        db.session.commit()


def test_an_admin_without_a_factor_enrols_at_sign_in_and_gets_recovery_codes_once(
    clean_app, client
):
    _new_admin(clean_app)
    asked = _post(client, "second.admin@example.org")
    assert asked.status_code == 202
    body = asked.get_json()
    assert body["second_factor"] == "enrol" and "authenticator app" in body["message"]
    secret, uri = body["enrolment"]["secret"], body["enrolment"]["uri"]
    parsed = urlparse(uri)
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    assert parse_qs(parsed.query)["secret"] == [secret]
    assert parse_qs(parsed.query)["issuer"] == ["Stride"]
    assert parsed.path == "/Stride:second.admin%40example.org"
    again = _post(client, "second.admin@example.org").get_json()
    assert again["enrolment"]["secret"] == secret, "the key being typed in stays the same"

    assert _post(client, "second.admin@example.org", "000000").status_code == 401
    now, later = _codes(secret)
    enrolled = _post(client, "second.admin@example.org", now)
    recovery = enrolled.get_json()["recovery_codes"]
    assert len(recovery) == 10 and len(set(recovery)) == 10
    assert _caller(client, enrolled).get("/me").status_code == 200

    # From now on the password alone is not enough, and the key is never shown again.
    asked = _post(client, "second.admin@example.org")
    assert asked.status_code == 202
    assert asked.get_json() == {
        "second_factor": "code",
        "message": "Enter the 6-digit code from your authenticator app, or a recovery code.",
        "enrolment": None,
    }
    signed_in = _post(client, "second.admin@example.org", later)
    assert signed_in.status_code == 201 and "recovery_codes" not in signed_in.get_json()
    with clean_app.app_context():
        stored = {row.code_hash for row in db.session.query(MfaRecoveryCode)}
    assert len(stored) == 10 and not stored & set(recovery), "only digests are stored"


def test_a_code_is_accepted_once(client, admin):
    _now, later = _codes(ADMIN_TOTP_SECRET)
    assert _post(client, "admin@example.org", later).status_code == 201
    replay = _post(client, "admin@example.org", later)
    assert replay.status_code == 401
    assert replay.get_json()["message"] == "Wrong or already used code: wait for the next one."


def test_codes_are_checked_within_one_step_of_now_and_never_twice(clean_app, admin):
    with clean_app.app_context():
        factor = db.session.get(MfaFactor, admin.user["id"])
        factor.last_step = None  # forget the fixture's sign-in, made at the real time
        totp, t = pyotp.TOTP(factor.secret), datetime(2026, 12, 1, 12, 0, 15, tzinfo=UTC)
        assert not mfa.accept_totp(db.session, factor, totp.at(t, counter_offset=-2), t), (
            "a minute old"
        )
        assert not mfa.accept_totp(db.session, factor, totp.at(t, counter_offset=2), t), (
            "a minute ahead"
        )
        assert not mfa.accept_totp(db.session, factor, "12345", t), "too short"
        assert mfa.accept_totp(db.session, factor, totp.at(t, counter_offset=-1), t), (
            "30 s of clock drift"
        )
        assert mfa.accept_totp(db.session, factor, " ".join(totp.at(t)), t), "spaces ignored"
        assert not mfa.accept_totp(db.session, factor, totp.at(t), t), "used"
        assert not mfa.accept_totp(db.session, factor, totp.at(t, counter_offset=-1), t), (
            "older than used"
        )
        assert mfa.accept_totp(db.session, factor, totp.at(t, counter_offset=1), t)
        db.session.rollback()


def test_a_recovery_code_signs_in_once_whatever_its_case_and_dashes(clean_app, client):
    _new_admin(clean_app)
    secret = _post(client, "second.admin@example.org").get_json()["enrolment"]["secret"]
    recovery = _post(client, "second.admin@example.org", _codes(secret)[0]).get_json()[
        "recovery_codes"
    ]
    first = recovery[0].upper().replace("-", " ")
    caller = _caller(client, _post(client, "second.admin@example.org", first))
    assert _post(client, "second.admin@example.org", recovery[0]).status_code == 401
    assert _post(client, "second.admin@example.org", "not-a-code").status_code == 401
    status = caller.get("/me/mfa").get_json()
    assert status == {"enrolled": True, "required": True, "recovery_codes_left": 9}
    used = caller.get("/audit", query_string={"action": "auth.recovery_code_used"}).get_json()
    assert [e["object_id"] for e in used] == [caller.user["id"]]


def test_wrong_codes_count_as_failed_sign_ins(clean_app, client, admin):
    limit = clean_app.config["LOGIN_FREE_FAILURES"]  # per (account, address), then delays
    for _ in range(limit):
        # The right password with no code asks again; it does not clear the failures.
        assert _post(client, "admin@example.org").status_code == 202
        assert _post(client, "admin@example.org", "999999").status_code == 401
    _now, later = _codes(ADMIN_TOTP_SECRET)
    assert _post(client, "admin@example.org", later).status_code == 429
    events = admin.get("/audit", query_string={"action": "auth.sign_in", "limit": 2}).get_json()
    assert [e["outcome"] for e in events] == ["throttled", "failed"]
    asked = admin.get("/audit", query_string={"action": "auth.mfa_code_asked"}).get_json()
    assert len(asked) == limit + 1, "the fixture's sign-in was asked too"
    assert asked[0]["object_id"] == admin.user["id"]


def test_physios_and_clinicians_need_a_factor_only_when_the_setting_is_on(
    clean_app, client, physio, patient
):
    assert _post(client, "physio@example.org").status_code == 201
    assert physio.get("/me/mfa").get_json()["required"] is False
    clean_app.config["MFA_STAFF"] = True
    try:
        asked = _post(client, "physio@example.org")
        assert (asked.status_code, asked.get_json()["second_factor"]) == (202, "enrol")
        assert _post(client, "clinician@example.org").status_code == 202
        assert _post(client, "pat@example.org").status_code == 201, "never patients"
        assert physio.get("/me/mfa").get_json()["required"] is True
    finally:
        clean_app.config["MFA_STAFF"] = False


def test_a_physio_enrols_from_the_account_and_then_needs_codes(client, physio):
    started = physio.post("/me/mfa")
    assert started.status_code == 201
    secret = started.get_json()["secret"]
    assert started.get_json()["uri"].startswith("otpauth://totp/Stride:physio%40example.org?")
    wrong = physio.post("/me/mfa/confirmation", json={"code": "000000"})
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"] == {
        "json": {"code": ["does not match the code the authenticator app shows now"]}
    }
    now, later = _codes(secret)
    confirmed = physio.post("/me/mfa/confirmation", json={"code": now})
    assert confirmed.status_code == 201 and len(confirmed.get_json()["recovery_codes"]) == 10
    assert physio.post("/me/mfa").status_code == 409, "an admin resets a confirmed factor"
    again = physio.post("/me/mfa/confirmation", json={"code": later})
    assert again.status_code == 409
    assert _post(client, "physio@example.org").status_code == 202, "asked even with MFA off"
    assert _post(client, "physio@example.org", later).status_code == 201


def test_new_recovery_codes_replace_the_old_ones(client, physio):
    secret = physio.post("/me/mfa").get_json()["secret"]
    now, later = _codes(secret)
    old = physio.post("/me/mfa/confirmation", json={"code": now}).get_json()["recovery_codes"]
    assert physio.post("/me/mfa/recovery-codes", json={"code": now}).status_code == 422
    renewed = physio.post("/me/mfa/recovery-codes", json={"code": later})
    new = renewed.get_json()["recovery_codes"]
    assert renewed.status_code == 201 and not set(new) & set(old)
    assert _post(client, "physio@example.org", old[0]).status_code == 401
    assert _post(client, "physio@example.org", new[0]).status_code == 201


def test_patients_have_no_second_factor(patient):
    assert patient.post("/me/mfa").status_code == 403
    assert patient.get("/me/mfa").status_code == 403


def test_an_admin_resets_a_lost_factor_and_it_is_audited(clean_app, client, admin, physio):
    secret = physio.post("/me/mfa").get_json()["secret"]
    physio.post("/me/mfa/confirmation", json={"code": _codes(secret)[0]})
    assert physio.delete(f"/users/{physio.user['id']}/mfa").status_code == 403
    assert admin.delete("/users/999999/mfa").status_code == 404
    assert admin.delete(f"/users/{physio.user['id']}/mfa").status_code == 204
    assert physio.get("/me").status_code == 401, "the lost phone's tokens are revoked too"
    assert _post(client, "physio@example.org").status_code == 201, "no factor, none required"
    events = admin.get("/audit", query_string={"action": "user.mfa_reset"}).get_json()
    assert [(e["actor_id"], e["outcome"], e["object_id"]) for e in events] == [
        (admin.user["id"], "ok", physio.user["id"]),
        (admin.user["id"], "not_found", 999999),
        (physio.user["id"], "forbidden", physio.user["id"]),
    ]
    with clean_app.app_context():
        assert db.session.get(MfaFactor, physio.user["id"]) is None
        assert not db.session.query(MfaRecoveryCode).filter_by(user_id=physio.user["id"]).count()


def test_an_admin_who_lost_the_factor_enrols_again_after_a_reset(clean_app, client, admin):
    _new_admin(clean_app)
    with clean_app.app_context():
        other = db.session.query(User).filter_by(email="second.admin@example.org").one()
        mfa.enrol_with_secret(db.session, other, pyotp.random_base32())
        db.session.commit()
        other_id = other.id
    assert _post(client, "second.admin@example.org").get_json()["second_factor"] == "code"
    assert admin.delete(f"/users/{other_id}/mfa").status_code == 204
    assert _post(client, "second.admin@example.org").get_json()["second_factor"] == "enrol"


def test_two_requests_racing_with_one_code_give_one_token(clean_app, admin):
    _now, later = _codes(ADMIN_TOTP_SECRET)
    answers: list[int] = []
    barrier = threading.Barrier(4)

    def attempt():
        client = clean_app.test_client()
        barrier.wait()
        answers.append(_post(client, "admin@example.org", later).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 401, 401, 401]


def test_choosing_a_password_never_signs_in_around_a_second_factor(client, admin):
    """A new admin's first sign-in: the password change first, then enrolment, then a token.

    Neither the change token nor an activation or reset code may stand in for the second
    factor: the password is saved and the answer is the 202 of a sign-in that needs one.
    """
    given = "an initial secret 4 you"
    body = {"email": "second@example.org", "display_name": "Second Admin", "role": "admin"}
    assert admin.post("/users", json={**body, "password": given}).status_code == 201
    asked = client.post(TOKENS, json={"email": "second@example.org", "password": given})
    assert asked.status_code == 403 and asked.get_json()["reason"] == "password_change_required"
    changed = client.post(
        "/api/v1/auth/password-change",
        json={"change_token": asked.get_json()["change_token"], "new_password": PASSWORD},
    )
    assert changed.status_code == 202, changed.get_json()
    assert changed.get_json()["second_factor"] == "enrol" and "token" not in changed.get_json()
    enrol = _post(client, "second@example.org")  # the new password works, with a factor
    assert enrol.status_code == 202 and enrol.get_json()["second_factor"] == "enrol"
    secret = enrol.get_json()["enrolment"]["secret"]
    signed_in = _caller(client, _post(client, "second@example.org", pyotp.TOTP(secret).now()))
    assert signed_in.get("/me").get_json()["role"] == "admin"

    # An admin's reset code of an enrolled account: the new password, then the code again.
    reset = admin.post(f"/users/{signed_in.user['id']}/reset-code")
    assert reset.status_code == 201
    activated = client.post(
        "/api/v1/auth/activation",
        json={
            "email": "second@example.org",
            "code": reset.get_json()["code"],
            "new_password": "a third quiet secret",
        },
    )
    assert activated.status_code == 202 and "token" not in activated.get_json()
    assert activated.get_json()["second_factor"] in ("code", "enrol")
