"""Layered fixtures: database -> app -> client -> signed-in callers."""

import os
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text

from server import create_app
from server.extensions import db

PG_URL = os.environ.get("STRIDE_TEST_DATABASE_URL")
BACKEND = os.environ.get("STRIDE_TEST_BACKEND", "sqlite")
PASSWORD = "correct horse battery"
# The test admin's authenticator key (admins always need a second factor): its codes are
# made with pyotp, as an authenticator app makes them.
ADMIN_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# What an admin gives a new staff member; they replace it with PASSWORD at first sign-in.
INITIAL_PASSWORD = "given by the admin 1"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Yield a fresh, empty database: a SQLite file, or a private PostgreSQL schema."""
    if BACKEND != "postgres":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "stride.sqlite3")
        return
    if not PG_URL:
        pytest.exit("STRIDE_TEST_BACKEND=postgres needs STRIDE_TEST_DATABASE_URL", returncode=2)
    schema = f"stride_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    """Return one app on a migrated database with the protocols loaded."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture()
def clean_app(app):
    """Empty every table before the test and load the shipped protocols."""
    from server.protocols.loader import validate_files
    from server.services.protocols import load_documents

    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        docs, problems = validate_files(None)
        assert not problems, problems
        load_documents(db.session, list(docs.values()))
    return app


def swept_demo(session) -> None:
    """Empty every table, then load the protocols and the demo data and sweep it (alerts)."""
    from server.demo import seed_demo
    from server.protocols.loader import validate_files
    from server.services.protocols import load_documents
    from server.services.sweep import run_sweep

    for table in reversed(db.metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()
    load_documents(session, list(validate_files(None)[0].values()))
    seed_demo(session, None)
    run_sweep(session)


@pytest.fixture()
def client(clean_app):
    return clean_app.test_client()


class Caller:
    """A signed-in user making API calls."""

    def __init__(self, client, user: dict, token: str):
        self.client, self.user, self.token = client, user, token
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method, path, **kwargs):
        return self.client.open("/api/v1" + path, method=method, headers=self.headers, **kwargs)

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.call("POST", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.call("PATCH", path, json=json, **kwargs)

    def delete(self, path, **kwargs):
        return self.call("DELETE", path, **kwargs)


def totp_now(secret: str) -> str:
    """Return the code an authenticator app with this key shows now."""
    import pyotp

    return pyotp.TOTP(secret).now()


def sign_in(client, email, password=PASSWORD, totp_secret: str | None = None) -> Caller:
    """Sign in; with `totp_secret`, answer the second-factor request with its current code."""
    body = {"email": email, "password": password}
    response = client.post("/api/v1/auth/tokens", json=body)
    if response.status_code == 202 and totp_secret:
        body["code"] = totp_now(totp_secret)
        response = client.post("/api/v1/auth/tokens", json=body)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return Caller(client, body["user"], body["token"])


@pytest.fixture()
def admin(client, clean_app):
    from server.services.accounts import create_user
    from server.services.mfa import enrol_with_secret

    with clean_app.app_context():
        user = create_user(
            db.session,
            email="admin@example.org",
            display_name="Ada Admin",
            role="admin",
            password=PASSWORD,
        )
        enrol_with_secret(db.session, user, ADMIN_TOTP_SECRET)
        db.session.commit()
    return sign_in(client, "admin@example.org", totp_secret=ADMIN_TOTP_SECRET)


def first_sign_in(client, email, initial=INITIAL_PASSWORD, password=PASSWORD) -> Caller:
    """Sign in with an admin's initial password, choose `password` as sign-in asks, go on."""
    asked = client.post("/api/v1/auth/tokens", json={"email": email, "password": initial})
    assert asked.status_code == 403, asked.get_json()
    assert asked.get_json()["reason"] == "password_change_required"
    changed = client.post(
        "/api/v1/auth/password-change",
        json={"change_token": asked.get_json()["change_token"], "new_password": password},
    )
    assert changed.status_code == 201, changed.get_json()
    return Caller(client, changed.get_json()["user"], changed.get_json()["token"])


def activate(client, created: dict, password=PASSWORD) -> Caller:
    """Activate a patient as they do in the app: their email, the code from staff, a password."""
    response = client.post(
        "/api/v1/auth/activation",
        json={
            "email": created["email"],
            "code": created["activation"]["code"],
            "new_password": password,
        },
    )
    assert response.status_code == 201, response.get_json()
    return Caller(client, response.get_json()["user"], response.get_json()["token"])


@pytest.fixture()
def make_staff(client, admin):
    def make(role, email):
        response = admin.post(
            "/users",
            json={
                "email": email,
                "display_name": email.split("@")[0],
                "role": role,
                "password": INITIAL_PASSWORD,
            },
        )
        assert response.status_code == 201, response.get_json()
        return first_sign_in(client, email)

    return make


@pytest.fixture()
def physio(make_staff):
    return make_staff("physio", "physio@example.org")


@pytest.fixture()
def clinician(make_staff):
    return make_staff("clinician", "clinician@example.org")


@pytest.fixture()
def make_patient(client, physio):
    def make(email, timezone="Europe/London", by=None, care_team=()):
        creator = by or physio
        response = creator.post(
            "/patients",
            json={
                "email": email,
                "display_name": email.split("@")[0],
                "timezone": timezone,
                "care_team": list(care_team),
            },
        )
        assert response.status_code == 201, response.get_json()
        return activate(client, response.get_json())

    return make


@pytest.fixture()
def patient(make_patient, clinician):
    return make_patient("pat@example.org", care_team=[clinician.user["id"]])


def assign(staff, patient_caller, protocol_id="piriformis-neural-gliding", start=None, **extra):
    """Assign a protocol to a patient and return the plan JSON."""
    body = {
        "protocol_id": protocol_id,
        "start_date": (start or date.today() - timedelta(days=10)).isoformat(),
        **extra,
    }
    response = staff.post(f"/patients/{patient_caller.user['patient_id']}/plans", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def dose_change(
    reps: int,
    reason: str = "Sliders flared the sciatic symptoms; halve the reps.",
    exercise_id: str = "seated-sciatic-slider",
) -> dict:
    """Return a plan adjustment (PATCH /plans/{id}) that sets one exercise's reps."""
    dose = {"op": "set_dose", "exercise_id": exercise_id, "dose": {"reps": reps}}
    return {"reason": reason, "operations": [dose]}


@pytest.fixture()
def plan(physio, patient):
    return assign(physio, patient)


def exercise_log_data(plan_id: int, slot: tuple, done: int, skip_reason: str) -> dict:
    """Return a device's exercise-log fields for one prescribed (day, exercise, slot, due)."""
    day, exercise, slot_index, due = slot
    status = "done" if done == due else "partial" if done else "skipped"
    return {
        "plan_id": plan_id,
        "exercise_id": exercise,
        "local_date": day.isoformat(),
        "slot": slot_index,
        "sets_done": done,
        "sets_due": due,
        "status": status,
        "skip_reason": None if status == "done" else skip_reason,
    }


def sync_event(kind: str, data: dict, **about) -> dict:
    """Return one /sync event of `kind` with a fresh id (its data's id too), as the app makes."""
    data = {"id": str(uuid.uuid4()), **data}
    return {"id": data["id"], "type": kind, "data": data, **about}


def push_all(caller: Caller, events: list[dict], page: int = 200) -> None:
    """Push events through /sync in pages, as the app's outbox does; every one is stored."""
    for first in range(0, len(events), page):
        body = caller.post("/sync", json={"events": events[first : first + page]}).get_json()
        assert {r["status"] for r in body["results"]} == {"created"}, body["results"][:3]


def sessions_done(caller: Caller, plan_id: int, start: date, until: date) -> list[dict]:
    """Return an exercise_log event for every session the plan prescribed, done in full."""
    path = f"/plans/{plan_id}/schedule?from={start.isoformat()}&to={until.isoformat()}"
    schedule = caller.get(path).get_json()
    return [
        sync_event(
            "exercise_log",
            {
                "plan_id": plan_id,
                "exercise_id": s["exercise_id"],
                "local_date": day["date"],
                "slot": s["slot"],
                "sets_done": s["dose"]["sets"],
                "sets_due": s["dose"]["sets"],
                "status": "done",
            },
        )
        for day in schedule["days"]
        for s in day["sessions"]
    ]
