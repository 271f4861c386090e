"""Alerts raised at submission time, and the staff who act on them."""

import uuid
from datetime import date, timedelta

import pytest

from domain.redflags import QUESTIONS
from tests.conftest import assign

TODAY = date.today().isoformat()


def _flag_check(**yes):
    return {
        "id": str(uuid.uuid4()),
        "local_date": TODAY,
        "answers": {q.key: yes.get(q.key, False) for q in QUESTIONS},
    }


@pytest.fixture()
def red_alert(patient, clinician):
    response = patient.post(
        f"/patients/{patient.user['patient_id']}/red-flag-checks",
        json=_flag_check(bladder_bowel=True),
    )
    assert response.status_code == 201
    [alert_id] = response.get_json()["alert_ids"]
    return alert_id


def test_red_flag_raises_an_urgent_alert_in_the_same_request(patient, clinician, red_alert):
    alert = clinician.get(f"/alerts/{red_alert}").get_json()
    assert alert["rule_id"] == "R-RED"
    assert alert["severity"] == "urgent"
    assert alert["route_to"] == "clinician"
    assert alert["status"] == "open"
    assert "problems with your bladder or bowels" in alert["rationale"]
    assert "bladder_bowel" in alert["evidence"]["positives"]
    assert [e["action"] for e in alert["events"]] == ["raised"]


def test_a_repeated_check_does_not_raise_a_second_alert(patient, clinician, red_alert):
    again = patient.post(
        f"/patients/{patient.user['patient_id']}/red-flag-checks",
        json=_flag_check(bladder_bowel=True, fever=True),
    )
    assert again.get_json()["alert_ids"] == [red_alert]
    assert len(clinician.get("/alerts?rule=R-RED").get_json()) == 1


def test_post_op_pop_raises_an_urgent_alert_and_advice(physio, patient, clinician):
    assign(
        physio,
        patient,
        "hamstring-repair",
        start=date.today() - timedelta(days=30),
        surgery_date=(date.today() - timedelta(days=33)).isoformat(),
    )
    response = patient.post(
        f"/patients/{patient.user['patient_id']}/pain-logs",
        json={
            "id": str(uuid.uuid4()),
            "local_date": TODAY,
            "nprs": 8,
            "context": "walking",
            "felt_pop": True,
        },
    )
    body = response.get_json()
    assert body["show_urgent_advice"] is True
    assert "surgical team" in body["advice"]
    alert = clinician.get(f"/alerts/{body['alert_ids'][0]}").get_json()
    assert (alert["rule_id"], alert["route_to"]) == ("R-POSTOP", "surgical_team")
    calm = patient.post(
        f"/patients/{patient.user['patient_id']}/pain-logs",
        json={"id": str(uuid.uuid4()), "local_date": TODAY, "nprs": 8, "context": "walking"},
    )
    assert calm.get_json()["show_urgent_advice"] is False


def test_pain_with_a_pop_on_conservative_care_is_no_post_op_alert(patient, plan):
    response = patient.post(
        f"/patients/{patient.user['patient_id']}/pain-logs",
        json={
            "id": str(uuid.uuid4()),
            "local_date": TODAY,
            "nprs": 9,
            "context": "walking",
            "felt_pop": True,
        },
    )
    assert response.get_json()["alert_ids"] == []


def test_only_the_routed_role_acts_and_every_step_is_audited(clinician, physio, red_alert):
    assert physio.post(f"/alerts/{red_alert}/acknowledge", json={}).status_code == 403
    ack = clinician.post(f"/alerts/{red_alert}/acknowledge", json={"note": "Calling now"})
    assert ack.status_code == 200
    assert ack.get_json()["status"] == "acknowledged"
    assert clinician.post(f"/alerts/{red_alert}/acknowledge", json={}).status_code == 409
    no_note = clinician.post(
        f"/alerts/{red_alert}/decision", json={"decision": "urgent_investigation"}
    )
    assert no_note.status_code == 422
    decided = clinician.post(
        f"/alerts/{red_alert}/decision",
        json={"decision": "urgent_investigation", "note": "Urgent MRI and spinal review today."},
    )
    body = decided.get_json()
    assert body["status"] == "decided" and body["decision"] == "urgent_investigation"
    assert [(e["action"], e["actor_id"]) for e in body["events"]] == [
        ("raised", None),
        ("acknowledged", clinician.user["id"]),
        ("decision:urgent_investigation", clinician.user["id"]),
    ]
    again = clinician.post(
        f"/alerts/{red_alert}/decision", json={"decision": "seen_and_excluded", "note": "x"}
    )
    assert again.status_code == 409


def test_alert_queue_filters_and_puts_urgent_first(clinician, make_staff, red_alert):
    listed = clinician.get("/alerts?status=open").get_json()
    assert [a["id"] for a in listed] == [red_alert]
    assert clinician.get("/alerts?severity=info").get_json() == []
    assert clinician.get("/alerts?status=closed").status_code == 422
    outsider = make_staff("clinician", "outsider@example.org")
    assert outsider.get("/alerts").get_json() == []
    assert outsider.get(f"/alerts/{red_alert}").status_code == 404


def test_patient_sees_their_alert_through_sync_without_the_evidence(patient, red_alert):
    alerts = patient.post("/sync", json={}).get_json()["changes"]["alerts"]
    assert [a["id"] for a in alerts] == [red_alert]
    assert "evidence" not in alerts[0] and "rationale" not in alerts[0]


def test_alerts_name_the_patient_for_the_queue(clinician, patient, red_alert):
    listed = clinician.get("/alerts").get_json()
    assert listed[0]["patient_name"] == patient.user["display_name"]
