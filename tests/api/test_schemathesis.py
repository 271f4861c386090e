"""Schemathesis against the app's own OpenAPI document, in-process, signed in as each role.

Valid and invalid requests are generated for every operation; half the time a path parameter is
swapped for a real demo record, so the checks reach found records as well as missing ones.
Checked: no 5xx, the status code is one the operation documents (flask-smorest's catch-all
"default" response is removed first so that this means something), the body matches the
documented schema and content type, and invalid input is refused with a 4xx.
"""

import os

import pyotp
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from server import create_app
from server.demo.stories import ADMIN_TOTP_SECRET, PASSWORD
from server.extensions import db
from server.models import Alert, Plan, User
from server.services import auth
from tests.conftest import swept_demo

ROLES = ("patient", "physio", "clinician", "admin")
LOGINS = {
    "patient": "amelia.hughes@stride.example",
    "physio": "physio@stride.example",
    "clinician": "clinician@stride.example",
    "admin": "admin@stride.example",
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
SIGN_OUT = ("DELETE", "/api/v1/auth/tokens")


def _token(app, role: str) -> str:
    """Sign in as the demo's account of a role (the admin with a code from its demo key)."""
    code = pyotp.TOTP(ADMIN_TOTP_SECRET).now() if role == "admin" else None
    with app.app_context():
        raw, _ = auth.sign_in(
            db.session, LOGINS[role], PASSWORD, app.config["TOKEN_TTL"], code=code
        )
        db.session.remove()
    return raw


def _spare_token(app, role: str) -> str:
    """Issue one more token of a role's account, for a case that signs out (revokes it).

    Issued, not signed in: a TOTP code is good once, and sign-out cases come faster than
    one per 30-second step.
    """
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == LOGINS[role]))
        raw, _ = auth.issue_token(db.session, user, app.config["TOKEN_TTL"])
        db.session.commit()
        db.session.remove()
    return raw


@pytest.fixture(scope="module")
def world(app):
    """The demo data (with swept alerts), a token per role and the ids of real records."""
    with app.app_context():
        swept_demo(db.session)
        patient = db.session.scalar(select(User).where(User.email == LOGINS["patient"])).patient
        plan = db.session.scalar(select(Plan).where(Plan.patient_id == patient.id))
        alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id)) or (
            db.session.scalar(select(Alert))
        )
        ids = {
            "patient_id": patient.id,
            "plan_id": plan.id,
            "alert_id": alert.id,
            "protocol_id": plan.protocol.protocol_id,
            "version": plan.protocol.version,
        }
        db.session.remove()
    REAL_IDS.update(ids)
    return {"ids": ids, "tokens": {role: _token(app, role) for role in ROLES}}


def _document() -> dict:
    """The app's OpenAPI document without flask-smorest's catch-all "default" responses."""
    spec = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    spec = spec.test_client().get("/api/v1/openapi.json").get_json()
    for operations in spec["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("default", None)
    return spec


# Loaded at import (the document needs no database); each call goes to the test's app.
schema = schemathesis.openapi.from_dict(_document())
# The bearer token is ours to send: never generated, left out or mangled as a "parameter".
schema.config.generation.update(with_security_parameters=False)
REAL_IDS: dict = {}  # filled by the `world` fixture before any case is drawn


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Keep the drawn parameters, or swap in the ids of real demo records.

    Only valid values are swapped: an invalid one belongs to a negative case and must stay.
    """
    if not path_parameters or not REAL_IDS:
        return st.just(path_parameters)
    swapped = {
        name: REAL_IDS[name] if name in REAL_IDS and _plausible(value) else value
        for name, value in path_parameters.items()
    }
    return st.sampled_from([path_parameters, swapped])


def _plausible(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value <= 999_999_999
    return isinstance(value, str) and value != "" and "/" not in value and "\x00" not in value


def _signed_in_as(role: str):
    """Return the schemathesis test of every operation for one role."""

    @schema.parametrize()
    @settings(
        max_examples=int(os.environ.get("STRIDE_SCHEMATHESIS_EXAMPLES", "12")),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def test(case, world, app):
        token = world["tokens"][role]
        if (case.method, case.path) == SIGN_OUT:
            token = _spare_token(app, role)  # signing out revokes it: never the shared one
        case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    return test


test_as_patient = _signed_in_as("patient")
test_as_physio = _signed_in_as("physio")
test_as_clinician = _signed_in_as("clinician")
test_as_admin = _signed_in_as("admin")


# What schemathesis (and probing around its findings) turned up, pinned as plain regressions.
# They run after the fuzzing above: their `clean_app` empties the tables `world` filled.
BIG = 10**30


def _sync(caller, body: str):
    return caller.client.post(
        "/api/v1/sync", data=body, content_type="application/json", headers=caller.headers
    )


def test_ids_beyond_the_integer_columns_are_404_or_422(patient, clinician, plan):
    pid = patient.user["patient_id"]
    assert patient.get(f"/patients/{BIG}/pain-logs").status_code == 404
    assert patient.get("/plans/2147483648/schedule").status_code == 404
    assert patient.patch("/plans/2147483648", json={"reason": "x"}).status_code == 404
    assert clinician.get(f"/alerts?patient_id={BIG}").status_code == 422
    assert patient.post("/sync", json={"cursor": BIG}).status_code == 422
    event = {"id": "e3e70682-c209-4cac-a29f-6fbed82c07cd", "type": "pain_log", "data": {}}
    assert patient.post("/sync", json={"events": [{**event, "patient_id": BIG}]}).status_code == 422
    body = {"plan_id": BIG, "exercise_id": "x", "local_date": "2026-01-01", "sets_done": 1,
            "sets_due": 1, "status": "done", "id": event["id"]}  # fmt: skip
    assert patient.post(f"/patients/{pid}/exercise-logs", json=body).status_code == 422


def test_unparsable_json_is_a_400(patient):
    for body in ("[" * 100_000 + "]" * 100_000, '{"cursor": 1' + "0" * 5000 + "}", "{"):
        response = _sync(patient, body)
        assert response.status_code == 400, body[:40]
        assert response.get_json()["errors"] == {"json": ["Invalid JSON body."]}


def test_nul_characters_are_refused_before_they_reach_the_database(patient, clinician, plan):
    note = {"local_date": "2026-01-01", "nprs": 3, "context": "rest", "note": "a\x00b"}
    event = {"id": "e3e70682-c209-4cac-a29f-6fbed82c07cd", "type": "pain_log", "data": note}
    response = patient.post("/sync", json={"events": [event]})
    # In a batch the event is refused alone (by the field), so the device can drop it.
    [result] = response.get_json()["results"]
    assert (result["status"], result["errors"]) == (
        "rejected",
        {"note": ["Text must not contain NUL characters."]},
    )
    pid = patient.user["patient_id"]
    direct = patient.post(f"/patients/{pid}/pain-logs", json={**note, "id": event["id"]})
    assert direct.status_code == 422
    assert direct.get_json()["errors"] == {
        "json": {"note": ["Text must not contain NUL characters."]}
    }
    assert patient.get(f"/patients/{pid}/pain-logs").get_json() == []
    assert clinician.get("/alerts?rule=%00").status_code == 422
    assert patient.get("/protocols/piriformis%00").status_code == 404


def test_fractions_unknown_query_parameters_and_far_dates_are_refused(patient, plan):
    assert patient.post("/sync", json={"cursor": 2.5}).status_code == 422
    assert patient.post("/sync", json={"cursor": 2.0}).status_code == 200
    schedule = f"/plans/{plan['id']}/schedule"
    typo = patient.get(f"{schedule}?form=2026-01-01")
    assert typo.status_code == 422 and "form" in typo.get_json()["errors"]["query"]
    assert patient.get(f"{schedule}?from=9999-12-28&to=9999-12-31").status_code == 422
    assert patient.get(f"{schedule}?from=2026-01-01&to=2026-01-07").status_code == 200


def test_device_times_that_overflow_utc_are_refused(patient, plan):
    pid = patient.user["patient_id"]
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        body = {"id": "e3e70682-c209-4cac-a29f-6fbed82c07cd", "local_date": "2026-01-01",
                "nprs": 3, "context": "rest", "recorded_at": moment}  # fmt: skip
        assert patient.post(f"/patients/{pid}/pain-logs", json=body).status_code == 422


def test_a_sync_without_a_body_is_a_pull(patient, plan):
    response = patient.client.post("/api/v1/sync", headers=patient.headers)
    assert response.status_code == 200
    assert [p["id"] for p in response.get_json()["changes"]["plans"]] == [plan["id"]]
