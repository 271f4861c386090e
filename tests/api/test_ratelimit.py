"""Sign-in protections: growing delays per (account, address), per account from unknown
addresses and per address (never a lock), revocation, password storage."""

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


def _age(app, **delta):
    """Move every stored attempt back in time, as if that much time had passed."""
    with app.app_context():
        for attempt in db.session.query(LoginAttempt):
            attempt.at -= timedelta(**delta)
        db.session.commit()


def _retry_after(client, email, address="10.0.0.1"):
    """Return the Retry-After of the right password now (0: it was let through)."""
    answer = _attempt(client, email, PASSWORD, address=address)
    assert answer.status_code in (201, 429), answer.get_json()
    return int(answer.headers.get("Retry-After", 0))


def test_after_five_failures_the_pair_waits_without_the_password_being_checked(
    client, admin, physio
):
    _fail(client, "physio@example.org", 5)
    right = _attempt(client, "Physio@Example.org", PASSWORD)
    wrong = _attempt(client, "physio@example.org")
    assert right.status_code == wrong.status_code == 429
    assert right.get_json() == wrong.get_json()
    assert set(right.get_json()) >= {"code", "status", "message"}
    assert right.get_json()["code"] == 429
    assert right.get_json()["message"] == "Too many failed sign-ins; try again in 1 second(s)."
    assert right.headers["Retry-After"] == "1"
    assert physio.get("/me").status_code == 200  # tokens already issued keep working
    recent = admin.get("/audit", query_string={"action": "auth.sign_in", "limit": 3}).get_json()
    assert [e["outcome"] for e in recent] == ["throttled", "throttled", "failed"]


def test_each_further_failure_doubles_the_wait_up_to_fifteen_minutes(clean_app, client, physio):
    _fail(client, "physio@example.org", 4)
    waits = []
    for _ in range(12):
        _age(clean_app, minutes=16)  # whatever the last wait was, it has passed
        _fail(client, "physio@example.org", 1)
        waits.append(_retry_after(client, "physio@example.org"))
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert "15 minute(s)" in _attempt(client, "physio@example.org").get_json()["message"]


def test_a_stranger_elsewhere_does_not_slow_the_owner_at_a_known_address(clean_app, client, physio):
    assert _retry_after(client, "physio@example.org", "10.0.0.1") == 0  # the owner's address
    for _ in range(30):  # a stranger keeps guessing, waiting out every delay
        _age(clean_app, minutes=16)
        assert _attempt(client, "physio@example.org", address="10.6.6.6").status_code == 401
    assert _retry_after(client, "physio@example.org", "10.6.6.6") == 900
    assert _retry_after(client, "physio@example.org", "10.0.0.1") == 0
    # From an address it never signed in from, the account itself is slowed (a botnet's
    # guesses from many addresses add up), by a delay, never a lock.
    assert 0 < _retry_after(client, "physio@example.org", "10.7.7.7") <= 900


def test_guesses_from_many_addresses_add_up_for_the_account(client, physio):
    for n in range(10):
        address = f"10.5.0.{n}"
        assert _attempt(client, "physio@example.org", address=address).status_code == 401
    assert _retry_after(client, "physio@example.org", "10.5.1.1") == 1
    assert _attempt(client, "physio@example.org", address="10.5.1.2").status_code == 429


def test_a_success_restarts_the_pairs_count(client, physio):
    _fail(client, "physio@example.org", 4)
    assert _attempt(client, "physio@example.org", PASSWORD).status_code == 201
    _fail(client, "physio@example.org", 4)
    assert _attempt(client, "physio@example.org").status_code == 401


def test_failures_are_forgotten_after_a_day(clean_app, client, physio):
    _fail(client, "physio@example.org", 5)
    assert _retry_after(client, "physio@example.org") == 1
    _age(clean_app, hours=23, minutes=59)
    _fail(client, "physio@example.org", 1)  # still remembered: the sixth failure of the day
    assert _retry_after(client, "physio@example.org") == 2
    _age(clean_app, hours=24, seconds=1)
    assert _retry_after(client, "physio@example.org") == 0
    with clean_app.app_context():
        # The aged failures were pruned by the new attempt; successes are kept (known addresses).
        assert db.session.query(LoginAttempt).filter_by(succeeded=False).count() == 0


def test_an_address_limit_holds_strangers_but_not_a_known_owner(
    clean_app, client, physio, clinician, monkeypatch
):
    monkeypatch.setitem(clean_app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 3)
    assert _retry_after(client, "physio@example.org", "10.9.9.9") == 0
    for n in range(3):
        assert _attempt(client, f"guess{n}@example.org", address="10.9.9.9").status_code == 401
    assert _attempt(client, "guess3@example.org", address="10.9.9.9").status_code == 429
    assert _retry_after(client, "clinician@example.org", "10.9.9.9") > 0
    # The physio signed in from this address before: the clinic's NAT does not hold them.
    assert _retry_after(client, "physio@example.org", "10.9.9.9") == 0
    # The clinician from another address is fine: its own failures are none.
    assert _retry_after(client, "clinician@example.org", "10.1.1.1") == 0


def test_x_forwarded_for_is_not_trusted_by_default(client, physio):
    for n in range(5):
        spoofed = {"X-Forwarded-For": f"192.0.2.{n}"}
        assert _attempt(client, "physio@example.org", **spoofed).status_code == 401
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
    monkeypatch.setitem(clean_app.config, "LOGIN_FREE_FAILURES", 2)
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
    # Revoking signs out; it does not stop signing in again (disabling does: test_accounts).
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
