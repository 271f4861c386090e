"""Signing in and out, token checks, and account creation."""

from datetime import timedelta

from server.extensions import db
from server.models import AuthToken
from server.models.types import utcnow
from tests.conftest import PASSWORD, sign_in


def test_sign_in_returns_a_token_that_identifies_the_user(client, physio):
    response = physio.get("/me")
    assert response.status_code == 200
    assert response.get_json()["email"] == "physio@example.org"
    assert response.get_json()["role"] == "physio"


def test_wrong_password_and_unknown_email_get_the_same_401(client, physio):
    wrong = client.post(
        "/api/v1/auth/tokens", json={"email": "physio@example.org", "password": "not the password"}
    )
    unknown = client.post(
        "/api/v1/auth/tokens", json={"email": "nobody@example.org", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["message"] == unknown.get_json()["message"]


def test_email_is_case_insensitive(client, physio):
    assert sign_in(client, "PHYSIO@Example.org").user["id"] == physio.user["id"]


def test_missing_or_garbage_token_is_401(client, physio):
    assert client.get("/api/v1/me").status_code == 401
    garbage = client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert garbage.status_code == 401
    assert garbage.get_json()["code"] == 401


def test_sign_out_revokes_only_that_token(client, physio):
    other = sign_in(client, "physio@example.org")
    assert physio.delete("/auth/tokens").status_code == 204
    assert physio.get("/me").status_code == 401
    assert other.get("/me").status_code == 200


def test_expired_token_is_refused(client, clean_app, physio):
    with clean_app.app_context():
        for token in db.session.query(AuthToken):
            token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert physio.get("/me").status_code == 401


def test_tokens_are_stored_hashed(clean_app, physio):
    with clean_app.app_context():
        stored = [t.token_hash for t in db.session.query(AuthToken)]
    assert physio.token not in stored
    assert all(len(h) == 64 for h in stored)


def test_only_admins_create_staff(admin, physio):
    body = {
        "email": "new@example.org",
        "display_name": "New",
        "role": "physio",
        "password": PASSWORD,
    }
    assert physio.post("/users", json=body).status_code == 403
    assert admin.post("/users", json=body).status_code == 201
    again = admin.post("/users", json=body)
    assert again.status_code == 409
    assert "email" in again.get_json()["errors"]["json"]


def test_staff_cannot_be_created_as_patient_or_with_a_short_password(admin):
    as_patient = admin.post(
        "/users",
        json={
            "email": "p@example.org",
            "display_name": "P",
            "role": "patient",
            "password": PASSWORD,
        },
    )
    assert as_patient.status_code == 422
    assert "role" in as_patient.get_json()["errors"]["json"]
    short = admin.post(
        "/users",
        json={"email": "s@example.org", "display_name": "S", "role": "physio", "password": "short"},
    )
    assert short.status_code == 422
    assert "password" in short.get_json()["errors"]["json"]
