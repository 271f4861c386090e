"""Sign-in protections: rate limits per account and address, revocation, password storage."""

import re
from datetime import timedelta

from server import create_app
from server.extensions import db
from server.models import LoginAttempt, User
from tests.conftest import PASSWORD, sign_in

TOKENS = "/api/v1/auth/tokens"


def _attempt(client, email, password="wrong password!", address="10.0.0.1", **headers):
    return client.post(
        TOKENS,
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _fail(client, email, times, address="10.0.0.1", **headers):
    for _ in range(times):
        assert _attempt(client, email, address=address, **headers).status_code == 401


def test_a_locked_account_answers_429_without_checking_the_password(client, admin, physio):
    _fail(client, "physio@example.org", 5)
    right = _attempt(client, "Physio@Example.org", PASSWORD)
    wrong = _attempt(client, "physio@example.org")
    assert right.status_code == wrong.status_code == 429
    assert right.get_json() == wrong.get_json()
    assert set(right.get_json()) >= {"code", "status", "message"}
    assert right.get_json()["code"] == 429
    assert 840 <= int(right.headers["Retry-After"]) <= 900
    assert physio.get("/me").status_code == 200  # tokens already issued keep working
    recent = admin.get("/audit", query_string={"action": "auth.sign_in", "limit": 3}).get_json()
    assert [e["outcome"] for e in recent] == ["throttled", "throttled", "failed"]


def test_the_lock_is_per_account_and_lifts_when_failures_age_out(
    clean_app, client, physio, clinician
):
    _fail(client, "physio@example.org", 5)
    assert _attempt(client, "clinician@example.org", PASSWORD).status_code == 201
    with clean_app.app_context():
        for attempt in db.session.query(LoginAttempt):
            attempt.at -= timedelta(minutes=15, seconds=1)
        db.session.commit()
    assert _attempt(client, "physio@example.org", PASSWORD).status_code == 201
    with clean_app.app_context():
        # The aged attempts were pruned by the new ones.
        assert db.session.query(LoginAttempt).count() == 1


def test_a_success_clears_the_accounts_failures(client, physio):
    _fail(client, "physio@example.org", 4)
    assert _attempt(client, "physio@example.org", PASSWORD).status_code == 201
    _fail(client, "physio@example.org", 4)
    assert _attempt(client, "physio@example.org").status_code == 401


def test_an_address_is_limited_across_accounts_even_after_a_success(client, physio):
    for n in range(19):
        assert _attempt(client, f"guess{n}@example.org", address="10.9.9.9").status_code == 401
    own = _attempt(client, "physio@example.org", PASSWORD, address="10.9.9.9")
    assert own.status_code == 201
    assert _attempt(client, "guess19@example.org", address="10.9.9.9").status_code == 401
    locked = _attempt(client, "physio@example.org", PASSWORD, address="10.9.9.9")
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    # The same account from another address is fine: its own failures are few.
    assert _attempt(client, "physio@example.org", PASSWORD, address="10.1.1.1").status_code == 201


def test_x_forwarded_for_is_not_trusted_by_default(client, physio):
    for n in range(20):
        spoofed = {"X-Forwarded-For": f"192.0.2.{n}"}
        assert _attempt(client, f"guess{n}@example.org", **spoofed).status_code == 401
    fresh = {"X-Forwarded-For": "198.51.100.7"}
    assert _attempt(client, "physio@example.org", PASSWORD, **fresh).status_code == 429


def test_behind_a_configured_proxy_the_forwarded_address_counts(app, client, physio):
    proxied = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TRUSTED_PROXIES": 1,
        }
    )
    try:
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        _fail(proxied.test_client(), "physio@example.org", 1, **forwarded)
        with proxied.app_context():
            failed = db.session.query(LoginAttempt).filter_by(succeeded=False).one()
            assert failed.address == "203.0.113.9"
    finally:
        with proxied.app_context():
            db.engine.dispose()


def test_the_limits_hold_across_processes_sharing_the_database(app, client, physio):
    other_worker = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )
    try:
        _fail(client, "physio@example.org", 5)
        answer = _attempt(other_worker.test_client(), "physio@example.org", PASSWORD)
        assert answer.status_code == 429
    finally:
        with other_worker.app_context():
            db.engine.dispose()


def test_limits_come_from_the_configuration(clean_app, client, physio, monkeypatch):
    monkeypatch.setitem(clean_app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 2)
    _fail(client, "physio@example.org", 2)
    assert _attempt(client, "physio@example.org", PASSWORD).status_code == 429


def test_429_is_documented_for_sign_in(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "429" in spec["paths"]["/api/v1/auth/tokens"]["post"]["responses"]


def test_an_admin_revokes_every_token_of_an_account(client, admin, physio, clinician):
    second = sign_in(client, "physio@example.org")
    assert physio.delete(f"/users/{admin.user['id']}/tokens").status_code == 403
    assert admin.delete(f"/users/{physio.user['id']}/tokens").status_code == 204
    assert physio.get("/me").status_code == 401
    assert second.get("/me").status_code == 401
    assert clinician.get("/me").status_code == 200
    assert sign_in(client, "physio@example.org").get("/me").status_code == 200
    assert admin.delete("/users/999999/tokens").status_code == 404


def test_passwords_are_stored_as_argon2id_at_owasp_minimum_or_stronger(clean_app, physio):
    with clean_app.app_context():
        stored = db.session.query(User).filter_by(email="physio@example.org").one().password_hash
    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+", stored)
    assert match, stored[:40]
    memory_kib, time_cost, parallelism = map(int, match.groups())
    assert memory_kib >= 19 * 1024
    assert time_cost >= 2
    assert parallelism >= 1
    assert PASSWORD not in stored
