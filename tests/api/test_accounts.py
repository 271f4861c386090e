"""The account lifecycle a clinic runs: activation codes, first sign-in, changing and resetting
passwords, disabling accounts, care teams, the password rules; every step audited."""

from datetime import timedelta

import pytest

from server.extensions import db
from server.models import AccountCode
from tests.conftest import INITIAL_PASSWORD, PASSWORD, activate, sign_in

TOKENS = "/api/v1/auth/tokens"
NEW = "a brand new secret"


def _post(client, path, body):
    return client.post("/api/v1" + path, json=body)


def _create_patient(physio, email="rose@example.org", name="Rose Tyler"):
    response = physio.post("/patients", json={"email": email, "display_name": name})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _new_staff(admin, email, password=INITIAL_PASSWORD, role="physio"):
    body = {"email": email, "display_name": email.split("@")[0], "role": role}
    return admin.post("/users", json={**body, "password": password})


def _actions(admin, action):
    events = admin.get("/audit", query_string={"action": action}).get_json()
    return [(e["outcome"], e["object_id"]) for e in events]


# -- patients activate with a one-time code


def test_an_activation_code_works_once(client, physio):
    created = _create_patient(physio)
    code = created["activation"]["code"]
    assert len(code.replace("-", "")) == 12
    body = {"email": "Rose@Example.org", "code": code.lower(), "new_password": NEW}
    first = _post(client, "/auth/activation", body)
    assert first.status_code == 201, first.get_json()
    again = _post(client, "/auth/activation", {**body, "new_password": "another new secret"})
    assert again.status_code == 401
    assert "wrong, expired or already used" in again.get_json()["message"]
    assert sign_in(client, "rose@example.org", NEW).user["patient_id"] == created["id"]


def test_a_code_is_for_its_own_email_and_expires(clean_app, client, physio, make_patient):
    created = _create_patient(physio)
    other = _post(
        client,
        "/auth/activation",
        {"email": "pat@example.org", "code": created["activation"]["code"], "new_password": NEW},
    )
    assert other.status_code == 401
    with clean_app.app_context():
        for code in db.session.query(AccountCode):
            code.expires_at -= timedelta(days=8)
        db.session.commit()
    late = {"email": created["email"], "code": created["activation"]["code"], "new_password": NEW}
    assert _post(client, "/auth/activation", late).status_code == 401


def test_a_refused_password_keeps_the_code_usable(client, physio):
    created = _create_patient(physio)
    body = {"email": created["email"], "code": created["activation"]["code"]}
    weak = _post(client, "/auth/activation", {**body, "new_password": "rose tyler 2024"})
    assert weak.status_code == 422
    assert weak.get_json()["errors"]["json"]["new_password"] == [
        "must not contain your email address or your name"
    ]
    assert _post(client, "/auth/activation", {**body, "new_password": NEW}).status_code == 201


def test_wrong_codes_are_throttled_like_passwords(client, physio):
    created = _create_patient(physio)
    for _ in range(5):
        guess = {"email": created["email"], "code": "AAAA-BBBB-CCCC", "new_password": NEW}
        assert _post(client, "/auth/activation", guess).status_code == 401
    right = {"email": created["email"], "code": created["activation"]["code"], "new_password": NEW}
    answer = _post(client, "/auth/activation", right)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "1"


# -- staff change the admin's initial password at first sign-in


def test_a_new_staff_member_must_choose_a_password_before_signing_in(client, admin):
    made = _new_staff(admin, "nina@example.org")
    assert made.status_code == 201
    asked = _post(
        client, "/auth/tokens", {"email": "nina@example.org", "password": INITIAL_PASSWORD}
    )
    assert asked.status_code == 403
    body = asked.get_json()
    assert body["reason"] == "password_change_required"
    assert set(body) == {"code", "status", "message", "reason", "change_token", "expires_at"}
    # The change token is no bearer token: it opens nothing but the change.
    assert (
        client.get(
            "/api/v1/me", headers={"Authorization": "Bearer " + body["change_token"]}
        ).status_code
        == 401
    )
    same = _post(
        client,
        "/auth/password-change",
        {"change_token": body["change_token"], "new_password": INITIAL_PASSWORD},
    )
    assert same.status_code == 422
    assert "must differ" in same.get_json()["errors"]["json"]["new_password"][0]
    changed = _post(
        client, "/auth/password-change", {"change_token": body["change_token"], "new_password": NEW}
    )
    assert changed.status_code == 201
    assert changed.get_json()["user"]["email"] == "nina@example.org"
    reused = {"change_token": body["change_token"], "new_password": "yet another secret"}
    assert _post(client, "/auth/password-change", reused).status_code == 401
    assert sign_in(client, "nina@example.org", NEW).get("/me").status_code == 200
    old = _post(client, "/auth/tokens", {"email": "nina@example.org", "password": INITIAL_PASSWORD})
    assert old.status_code == 401
    nina = changed.get_json()["user"]["id"]
    assert ("ok", nina) in _actions(admin, "auth.change_password")
    assert ("forbidden", nina) in _actions(admin, "auth.sign_in")


def test_a_wrong_initial_password_is_an_ordinary_401(client, admin, make_staff):
    _new_staff(admin, "ned@example.org", role="clinician")
    wrong = _post(client, "/auth/tokens", {"email": "ned@example.org", "password": "not it at all"})
    assert wrong.status_code == 401
    assert "change_token" not in wrong.get_json()


# -- a signed-in user changes their password


def test_changing_a_password_needs_the_current_one_and_signs_out_other_devices(
    client, admin, physio
):
    other_device = sign_in(client, "physio@example.org")
    wrong = physio.call(
        "PUT", "/me/password", json={"current_password": "nope", "new_password": NEW}
    )
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"]["json"] == {
        "current_password": ["is not your current password"]
    }
    ok = physio.call(
        "PUT", "/me/password", json={"current_password": PASSWORD, "new_password": NEW}
    )
    assert ok.status_code == 204
    assert physio.get("/me").status_code == 200, "the device that changed it stays signed in"
    assert other_device.get("/me").status_code == 401
    assert sign_in(client, "physio@example.org", NEW)
    outcomes = [o for o, i in _actions(admin, "auth.change_password") if i == physio.user["id"]]
    assert outcomes == ["ok", "failed", "ok"]  # newest first; the oldest: the first sign-in


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "must be at least 12 characters"),
        ("1234567890", "must be at least 12 characters"),
        ("password12", "must be at least 12 characters"),
        ("aaaaaaaaaaaaaa", "repeated character or a simple sequence"),
        ("123456789012", "repeated character or a simple sequence"),
        ("qwertyuiopasdf", "repeated character or a simple sequence"),
        ("password1234", "too common"),
        ("Iloveyou2024!", "too common"),
        ("baseball1234", "too common"),
        ("physio is my job", "must not contain your email address or your name"),
    ],
)
def test_weak_passwords_are_refused_naming_the_reason(physio, password, reason):
    answer = physio.call(
        "PUT", "/me/password", json={"current_password": PASSWORD, "new_password": password}
    )
    assert answer.status_code == 422
    assert reason in answer.get_json()["errors"]["json"]["new_password"][0]


def test_an_admin_cannot_give_a_weak_initial_password(admin):
    answer = _new_staff(admin, "w@example.org", "password12")
    assert answer.status_code == 422
    assert "12 characters" in answer.get_json()["errors"]["json"]["password"][0]


# -- admins disable, enable and reset accounts


def test_a_disabled_account_cannot_sign_in_until_enabled(client, admin, physio):
    pid = physio.user["id"]
    disabled = admin.post(f"/users/{pid}/disable")
    assert disabled.status_code == 200 and disabled.get_json()["active"] is False
    assert physio.get("/me").status_code == 401, "its tokens stop working at once"
    right = _post(client, "/auth/tokens", {"email": "physio@example.org", "password": PASSWORD})
    assert right.status_code == 403
    assert right.get_json()["reason"] == "account_disabled"
    assert "disabled" in right.get_json()["message"]
    wrong = _post(client, "/auth/tokens", {"email": "physio@example.org", "password": "guess it!"})
    assert wrong.status_code == 401, "a stranger does not learn the account is disabled"
    listed = {u["id"]: u["active"] for u in admin.get("/users").get_json()}
    assert listed[pid] is False and listed[admin.user["id"]] is True
    assert admin.post(f"/users/{pid}/enable").get_json()["active"] is True
    assert sign_in(client, "physio@example.org").get("/me").status_code == 200
    assert [o for o, i in _actions(admin, "user.disable") if i == pid] == ["ok"]
    assert [o for o, i in _actions(admin, "user.enable") if i == pid] == ["ok"]


def test_disabling_a_patient_voids_their_activation_code_and_the_try_is_audited(
    client, admin, physio
):
    created = _create_patient(physio)
    assert admin.post(f"/users/{created['user_id']}/disable").status_code == 200
    body = {"email": created["email"], "code": created["activation"]["code"], "new_password": NEW}
    refused = _post(client, "/auth/activation", body)
    assert refused.status_code == 401, "the code went with the account's access"
    assert ("failed", None) in _actions(admin, "auth.activate")
    assert admin.post(f"/users/{created['user_id']}/enable").status_code == 200
    assert _post(client, "/auth/activation", body).status_code == 401, "enabling gives no code"


def test_every_look_at_the_account_list_is_audited(admin):
    before = len(_actions(admin, "user.list"))
    assert admin.get("/users").status_code == 200  # only staff accounts: no patient named
    assert admin.get("/users").status_code == 200
    assert len(_actions(admin, "user.list")) == before + 2


def test_an_admin_cannot_disable_or_reset_themselves(admin):
    assert admin.post(f"/users/{admin.user['id']}/disable").status_code == 409
    assert admin.post(f"/users/{admin.user['id']}/reset-code").status_code == 409
    assert admin.get("/me").status_code == 200


def test_a_reset_code_replaces_a_forgotten_password(client, admin, patient):
    uid = patient.user["id"]
    reset = admin.post(f"/users/{uid}/reset-code")
    assert reset.status_code == 201
    assert patient.get("/me").status_code == 401
    old = _post(client, "/auth/tokens", {"email": "pat@example.org", "password": PASSWORD})
    assert old.status_code == 401, "after a reset the old password opens nothing"
    chosen = activate(client, {"email": "pat@example.org", "activation": reset.get_json()}, NEW)
    assert chosen.user["id"] == uid
    assert sign_in(client, "pat@example.org", NEW)
    assert [o for o, i in _actions(admin, "user.reset_password") if i == uid] == ["ok"]
    assert ("ok", uid) in _actions(admin, "auth.activate")


def test_staff_give_a_patient_who_lost_the_code_a_new_one_until_they_activate(
    client, admin, physio, make_staff
):
    created = _create_patient(physio)
    path = f"/patients/{created['id']}/activation-code"
    assert physio.get(f"/patients/{created['id']}").get_json()["activated"] is False
    other = make_staff("physio", "other.physio@example.org")
    assert other.post(path).status_code == 404, "not in the care team: no such patient"
    renewed = physio.post(path)
    assert renewed.status_code == 201, renewed.get_json()
    lost = {"email": created["email"], "code": created["activation"]["code"], "new_password": NEW}
    assert _post(client, "/auth/activation", lost).status_code == 401, "the lost code is void"
    patient = activate(client, {"email": created["email"], "activation": renewed.get_json()}, NEW)
    assert physio.get(f"/patients/{created['id']}").get_json()["activated"] is True
    refused = physio.post(path)
    assert refused.status_code == 409
    assert "an admin resets it" in refused.get_json()["message"]
    assert patient.get("/me").status_code == 200, "the patient's password and sessions stand"
    assert sign_in(client, created["email"], NEW)
    assert patient.post(path).status_code == 403
    codes = [o for o, i in _actions(admin, "patient.activation_code") if i == created["id"]]
    assert codes == ["forbidden", "ok", "not_found"], "newest first; a 409 changes nothing"


# -- care teams


def test_care_team_changes_give_and_end_access_at_once(admin, physio, make_staff, make_patient):
    other = make_staff("physio", "other.physio@example.org")
    patient = make_patient("team.patient@example.org")
    pid = patient.user["patient_id"]
    assert other.get(f"/patients/{pid}").status_code == 404
    added = physio.post(f"/patients/{pid}/care-team", json={"staff_id": other.user["id"]})
    assert added.status_code == 200
    assert {m["id"] for m in added.get_json()} == {physio.user["id"], other.user["id"]}
    assert other.get(f"/patients/{pid}").status_code == 200
    assert physio.delete(f"/patients/{pid}/care-team/{other.user['id']}").status_code == 204
    assert other.get(f"/patients/{pid}").status_code == 404, "removal ends access at once"
    last = admin.delete(f"/patients/{pid}/care-team/{physio.user['id']}")
    assert last.status_code == 409
    not_staff = admin.post(f"/patients/{pid}/care-team", json={"staff_id": patient.user["id"]})
    assert not_staff.status_code == 422
    assert "staff_id" in not_staff.get_json()["errors"]["json"]
    assert [o for o, p in _actions(admin, "care_team.add") if p == pid] == ["ok"]
    assert [o for o, p in _actions(admin, "care_team.remove") if p == pid] == ["ok"]
