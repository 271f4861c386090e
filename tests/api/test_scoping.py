"""Object- and function-level authorization (OWASP API1/API5) across roles."""

import uuid
from datetime import date

import pytest

from tests.conftest import assign


@pytest.fixture()
def other_physio(make_staff):
    return make_staff("physio", "other-physio@example.org")


@pytest.fixture()
def stranger(make_patient, other_physio):
    """A patient in another physio's care."""
    return make_patient("stranger@example.org", by=other_physio)


def _pain(local_date=None):
    return {
        "id": str(uuid.uuid4()),
        "local_date": (local_date or date.today()).isoformat(),
        "nprs": 4,
        "context": "rest",
    }


def test_patient_sees_only_their_own_record(patient, stranger):
    mine = patient.user["patient_id"]
    theirs = stranger.user["patient_id"]
    listed = patient.get("/patients").get_json()
    assert [p["id"] for p in listed] == [mine]
    assert patient.get(f"/patients/{theirs}").status_code == 404
    assert patient.get(f"/patients/{theirs}/pain-logs").status_code == 404
    assert patient.get(f"/patients/{theirs}/plans").status_code == 404


def test_patient_cannot_write_into_another_patients_record(patient, stranger, client):
    theirs = stranger.user["patient_id"]
    response = patient.post(f"/patients/{theirs}/pain-logs", json=_pain())
    assert response.status_code == 404
    assert stranger.get(f"/patients/{theirs}/pain-logs").get_json() == []


def test_physio_reaches_only_assigned_patients(physio, other_physio, patient, stranger):
    assert {p["id"] for p in physio.get("/patients").get_json()} == {patient.user["patient_id"]}
    assert physio.get(f"/patients/{stranger.user['patient_id']}").status_code == 404
    assert other_physio.get(f"/patients/{patient.user['patient_id']}").status_code == 404
    response = other_physio.post(
        f"/patients/{patient.user['patient_id']}/plans",
        json={"protocol_id": "piriformis-neural-gliding", "start_date": "2026-01-05"},
    )
    assert response.status_code == 404


def test_clinician_in_care_team_reads_but_outsider_does_not(clinician, make_staff, patient):
    pid = patient.user["patient_id"]
    assert clinician.get(f"/patients/{pid}").status_code == 200
    outsider = make_staff("clinician", "outsider@example.org")
    assert outsider.get(f"/patients/{pid}").status_code == 404
    assert outsider.get("/patients").get_json() == []


def test_patient_cannot_change_or_create_a_plan(patient, plan):
    response = patient.patch(
        f"/plans/{plan['id']}",
        json={"reason": "I feel better", "operations": [{"op": "move_phase", "phase_id": "load"}]},
    )
    assert response.status_code == 403
    created = patient.post(
        f"/patients/{patient.user['patient_id']}/plans",
        json={"protocol_id": "piriformis-neural-gliding", "start_date": "2026-01-05"},
    )
    assert created.status_code == 403
    assert patient.get(f"/plans/{plan['id']}").get_json()["current_revision"] == 1


def test_patient_cannot_see_another_patients_plan(patient, stranger, other_physio):
    their_plan = assign(other_physio, stranger)
    assert patient.get(f"/plans/{their_plan['id']}").status_code == 404
    assert patient.get(f"/plans/{their_plan['id']}/schedule").status_code == 404
    assert patient.get(f"/plans/{their_plan['id']}/revisions").status_code == 404


def test_admin_manages_accounts_but_reads_no_clinical_record(admin, patient):
    pid = patient.user["patient_id"]
    assert admin.get(f"/patients/{pid}").status_code == 403
    assert admin.get(f"/patients/{pid}/pain-logs").status_code == 403
    assert admin.get("/patients").get_json() == []
    assert admin.get("/alerts").status_code == 403


def test_staff_cannot_log_pain_as_the_patient(physio, patient):
    response = physio.post(f"/patients/{patient.user['patient_id']}/pain-logs", json=_pain())
    assert response.status_code == 403


def test_patient_cannot_record_clinical_events_or_read_alerts(patient):
    response = patient.post(
        f"/patients/{patient.user['patient_id']}/clinical-events",
        json={
            "kind": "imaging",
            "event_date": "2026-01-05",
            "details": {"modality": "MRI", "finding": "normal"},
        },
    )
    assert response.status_code == 403
    assert patient.get("/alerts").status_code == 403


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/me"),
        ("GET", "/patients"),
        ("GET", "/patients/1"),
        ("GET", "/protocols"),
        ("GET", "/plans/1"),
        ("PATCH", "/plans/1"),
        ("GET", "/plans/1/schedule"),
        ("POST", "/patients/1/pain-logs"),
        ("POST", "/sync"),
        ("GET", "/alerts"),
        ("GET", "/alerts/1"),
        ("POST", "/users"),
        ("DELETE", "/auth/tokens"),
    ],
)
def test_every_protected_endpoint_needs_a_token(client, method, path):
    response = client.open("/api/v1" + path, method=method, json={})
    assert response.status_code == 401
    assert set(response.get_json()) >= {"code", "message"}
