"""POST /sync: pushed events stored exactly once; changes pulled after a cursor."""

import uuid
from datetime import date

from domain.redflags import QUESTIONS
from tests.conftest import dose_change

TODAY = date.today().isoformat()


def _pain_event(nprs=4, event_id=None):
    return {
        "id": event_id or str(uuid.uuid4()),
        "type": "pain_log",
        "data": {"local_date": TODAY, "nprs": nprs, "context": "rest"},
    }


def _red_flag_event(positive=None, event_id=None):
    """Return a red-flag check answering yes to `positive` only (None: all no)."""
    answers = {q.key: q.key == positive for q in QUESTIONS}
    return {
        "id": event_id or str(uuid.uuid4()),
        "type": "red_flag_check",
        "data": {"local_date": TODAY, "answers": answers},
    }


def test_first_sync_pulls_the_plan_and_its_protocol(patient, plan):
    body = patient.post("/sync", json={"cursor": 0, "events": []}).get_json()
    assert [p["id"] for p in body["changes"]["plans"]] == [plan["id"]]
    versions = body["changes"]["protocol_versions"]
    assert ("piriformis-neural-gliding", 3) in {(v["id"], v["version"]) for v in versions}
    assert body["cursor"] > 0
    again = patient.post("/sync", json={"cursor": body["cursor"]}).get_json()
    assert again["changes"]["plans"] == []
    assert again["cursor"] == body["cursor"]


def test_pushed_events_are_stored_once_even_when_pushed_twice(patient, plan):
    events = [_pain_event(3), _pain_event(5)]
    first = patient.post("/sync", json={"events": events}).get_json()
    assert [r["status"] for r in first["results"]] == ["created", "created"]
    second = patient.post("/sync", json={"events": events}).get_json()
    assert [r["status"] for r in second["results"]] == ["duplicate", "duplicate"]
    stored = patient.get(f"/patients/{patient.user['patient_id']}/pain-logs").get_json()
    assert sorted(p["nprs"] for p in stored) == [3, 5]


def test_one_bad_event_is_rejected_and_the_rest_are_kept(patient, plan):
    good = _pain_event(4)
    bad = _pain_event(11)
    wrong_plan = {
        "id": str(uuid.uuid4()),
        "type": "exercise_log",
        "data": {
            "plan_id": 424242,
            "exercise_id": "supine-piriformis-stretch",
            "local_date": TODAY,
            "sets_done": 1,
            "sets_due": 1,
            "status": "done",
        },
    }
    body = patient.post("/sync", json={"events": [bad, good, wrong_plan]}).get_json()
    statuses = {r["id"]: r for r in body["results"]}
    assert statuses[bad["id"]]["status"] == "rejected"
    assert "nprs" in statuses[bad["id"]]["errors"]
    assert statuses[good["id"]]["status"] == "created"
    assert statuses[wrong_plan["id"]]["status"] == "rejected"
    stored = patient.get(f"/patients/{patient.user['patient_id']}/pain-logs").get_json()
    assert [p["nprs"] for p in stored] == [4]


def test_red_flag_pushed_offline_returns_the_advice_level(patient, plan):
    event = _red_flag_event("bladder_bowel")
    result = patient.post("/sync", json={"events": [event]}).get_json()["results"][0]
    assert result["status"] == "created"
    assert result["level"] == "emergency"


def test_a_patient_cannot_push_into_another_record(patient, make_patient, plan):
    other = make_patient("other@example.org")
    event = {**_pain_event(2), "patient_id": other.user["patient_id"]}
    result = patient.post("/sync", json={"events": [event]}).get_json()["results"][0]
    assert result["status"] == "rejected"
    assert other.get(f"/patients/{other.user['patient_id']}/pain-logs").get_json() == []


def test_plan_revision_reaches_the_patient_after_the_cursor(patient, physio, plan):
    cursor = patient.post("/sync", json={}).get_json()["cursor"]
    physio.patch(
        f"/plans/{plan['id']}",
        json=dose_change(4, reason="More holds", exercise_id="supine-piriformis-stretch"),
    )
    body = patient.post("/sync", json={"cursor": cursor}).get_json()
    assert [p["current_revision"] for p in body["changes"]["plans"]] == [2]
    assert body["cursor"] > cursor


def test_staff_sync_sees_only_their_patients(physio, make_staff, patient, plan):
    outsider = make_staff("physio", "outsider@example.org")
    assert outsider.post("/sync", json={}).get_json()["changes"]["plans"] == []
    assert [p["id"] for p in physio.post("/sync", json={}).get_json()["changes"]["plans"]] == [
        plan["id"]
    ]


def test_malformed_sync_is_a_422_naming_the_field(patient):
    response = patient.post(
        "/sync", json={"events": [{"id": "not-a-uuid", "type": "pain_log", "data": {}}]}
    )
    assert response.status_code == 422
    assert "events" in response.get_json()["errors"]["json"]
    negative = patient.post("/sync", json={"cursor": -1})
    assert "cursor" in negative.get_json()["errors"]["json"]


def test_the_same_uuid_twice_in_one_batch_is_stored_once(patient, plan):
    event = _pain_event(6)
    body = patient.post("/sync", json={"events": [event, event]}).get_json()
    assert [r["status"] for r in body["results"]] == ["created", "duplicate"]
    stored = patient.get(f"/patients/{patient.user['patient_id']}/pain-logs").get_json()
    assert [p["nprs"] for p in stored] == [6]


def test_a_uuid_taken_by_another_patient_is_refused_and_changes_nothing(patient, make_patient):
    other = make_patient("other@example.org")
    event = _pain_event(2)
    first = patient.post("/sync", json={"events": [event]}).get_json()["results"][0]
    assert first["status"] == "created"
    reused = {**event, "data": {**event["data"], "nprs": 9}}
    result = other.post("/sync", json={"events": [reused]}).get_json()["results"][0]
    assert result["status"] == "rejected"
    assert "id" in result["errors"]["json"]
    assert other.get(f"/patients/{other.user['patient_id']}/pain-logs").get_json() == []
    mine = patient.get(f"/patients/{patient.user['patient_id']}/pain-logs").get_json()
    assert [p["nprs"] for p in mine] == [2]


def test_a_red_flag_pushed_again_gets_the_same_advice_and_one_alert(patient, clinician, plan):
    event = _red_flag_event("saddle_numbness")
    first = patient.post("/sync", json={"events": [event]}).get_json()["results"][0]
    again = patient.post("/sync", json={"events": [event]}).get_json()["results"][0]
    assert (first["status"], again["status"]) == ("created", "duplicate")
    assert first["level"] == again["level"] == "emergency"
    assert again["advice"] == first["advice"]
    alerts = clinician.get("/alerts").get_json()
    assert [a["rule_id"] for a in alerts] == ["R-RED"]


def test_a_uuid_sent_twice_with_different_data_keeps_the_first_and_its_advice(patient, plan):
    event_id = str(uuid.uuid4())
    events = [_red_flag_event("saddle_numbness", event_id), _red_flag_event(None, event_id)]
    results = patient.post("/sync", json={"events": events}).get_json()["results"]
    assert [r["status"] for r in results] == ["created", "duplicate"]
    assert [r["level"] for r in results] == ["emergency", "emergency"]
    stored = patient.get(f"/patients/{patient.user['patient_id']}/red-flag-checks").get_json()
    assert [s["answers"]["saddle_numbness"] for s in stored] == [True]
