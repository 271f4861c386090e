"""Logging exercise, pain, red flags and clinical events: idempotent and validated."""

import uuid
from datetime import date, timedelta

import pytest

TODAY = date.today().isoformat()


def _exercise(plan, **extra):
    return {
        "id": str(uuid.uuid4()),
        "plan_id": plan["id"],
        "exercise_id": "supine-piriformis-stretch",
        "local_date": TODAY,
        "slot": 1,
        "sets_done": 1,
        "sets_due": 1,
        "status": "done",
        **extra,
    }


def _pain(**extra):
    return {"id": str(uuid.uuid4()), "local_date": TODAY, "nprs": 5, "context": "sitting", **extra}


def _no_flags(**yes):
    from domain.redflags import QUESTIONS

    return {q.key: yes.get(q.key, False) for q in QUESTIONS}


def test_exercise_log_is_stored_once_per_uuid(patient, plan):
    pid = patient.user["patient_id"]
    body = _exercise(plan)
    first = patient.post(f"/patients/{pid}/exercise-logs", json=body)
    again = patient.post(f"/patients/{pid}/exercise-logs", json=body)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"]
    stored = patient.get(f"/patients/{pid}/exercise-logs").get_json()
    assert [log["id"] for log in stored] == [body["id"]]


def test_a_retry_with_changed_content_does_not_overwrite(patient, plan):
    pid = patient.user["patient_id"]
    body = _exercise(plan)
    patient.post(f"/patients/{pid}/exercise-logs", json=body)
    patient.post(
        f"/patients/{pid}/exercise-logs",
        json={**body, "sets_done": 0, "status": "skipped", "skip_reason": "forgot"},
    )
    stored = patient.get(f"/patients/{pid}/exercise-logs").get_json()
    assert stored[0]["status"] == "done"


@pytest.mark.parametrize(
    "change,field",
    [
        ({"sets_done": 2}, "sets_done"),
        ({"status": "partial"}, "status"),
        ({"status": "skipped", "sets_done": 0}, "skip_reason"),
        ({"status": "skipped", "sets_done": 0, "skip_reason": "stop_if"}, "stop_if_id"),
        (
            {"status": "skipped", "sets_done": 0, "skip_reason": "stop_if", "stop_if_id": "x"},
            "stop_if_id",
        ),
        ({"nerve_symptoms": "settled"}, "nerve_symptoms"),
        ({"nerve_symptoms": "a bit"}, "nerve_symptoms"),
        ({"status": "finished"}, "status"),
        ({"pain_before": 11}, "pain_before"),
        ({"local_date": "22/11/2026"}, "local_date"),
        ({"sets_done": "three"}, "sets_done"),
        ({"exercise_id": "moonwalk"}, "exercise_id"),
        ({"plan_id": 999999}, "plan_id"),
        ({"colour": "blue"}, "colour"),
        ({"local_date": (date.today() + timedelta(days=5)).isoformat()}, "local_date"),
    ],
)
def test_bad_exercise_logs_name_the_field(patient, plan, change, field):
    pid = patient.user["patient_id"]
    response = patient.post(f"/patients/{pid}/exercise-logs", json=_exercise(plan, **change))
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == 422 and body["message"]
    assert field in body["errors"]["json"]
    assert patient.get(f"/patients/{pid}/exercise-logs").get_json() == []


def test_missing_field_and_wrong_body_type(patient):
    pid = patient.user["patient_id"]
    missing = patient.post(
        f"/patients/{pid}/pain-logs", json={"id": str(uuid.uuid4()), "local_date": TODAY}
    )
    assert missing.status_code == 422
    assert {"nprs", "context"} <= set(missing.get_json()["errors"]["json"])
    not_json = patient.post(
        f"/patients/{pid}/pain-logs", data="nprs=5", content_type="application/json"
    )
    assert not_json.status_code in (400, 422)
    assert not_json.get_json()["code"] == not_json.status_code


def test_pain_11_is_refused_and_nothing_changes(patient):
    pid = patient.user["patient_id"]
    assert patient.post(f"/patients/{pid}/pain-logs", json=_pain(nprs=4)).status_code == 201
    response = patient.post(f"/patients/{pid}/pain-logs", json=_pain(nprs=11))
    assert response.status_code == 422
    assert "nprs" in response.get_json()["errors"]["json"]
    assert [p["nprs"] for p in patient.get(f"/patients/{pid}/pain-logs").get_json()] == [4]


def test_pain_logs_filter_by_date(patient):
    pid = patient.user["patient_id"]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    patient.post(f"/patients/{pid}/pain-logs", json=_pain(local_date=yesterday, nprs=6))
    patient.post(f"/patients/{pid}/pain-logs", json=_pain(nprs=3, tingling=True))
    today_only = patient.get(f"/patients/{pid}/pain-logs?from={TODAY}").get_json()
    assert [(p["nprs"], p["tingling"]) for p in today_only] == [(3, True)]


def test_red_flag_check_answers_with_urgent_advice_at_once(patient):
    pid = patient.user["patient_id"]
    calm = patient.post(
        f"/patients/{pid}/red-flag-checks",
        json={"id": str(uuid.uuid4()), "local_date": TODAY, "answers": _no_flags()},
    )
    assert calm.status_code == 201
    assert calm.get_json()["level"] == "none"
    assert calm.get_json()["show_urgent_advice"] is False
    flagged = patient.post(
        f"/patients/{pid}/red-flag-checks",
        json={
            "id": str(uuid.uuid4()),
            "local_date": TODAY,
            "answers": _no_flags(saddle_numbness=True),
        },
    )
    body = flagged.get_json()
    assert body["level"] == "emergency"
    assert body["positives"] == ["saddle_numbness"]
    assert body["show_urgent_advice"] is True
    assert "emergency" in body["advice"].lower()


def test_red_flag_check_refuses_an_unknown_question(patient):
    pid = patient.user["patient_id"]
    response = patient.post(
        f"/patients/{pid}/red-flag-checks",
        json={
            "id": str(uuid.uuid4()),
            "local_date": TODAY,
            "answers": {**_no_flags(), "feeling_blue": True},
        },
    )
    assert response.status_code == 422
    assert "feeling_blue" in response.get_json()["errors"]["json"]["answers"]


def test_clinician_records_a_guided_injection(clinician, patient):
    pid = patient.user["patient_id"]
    event = {
        "kind": "guided_injection",
        "event_date": TODAY,
        "details": {
            "target": "piriformis",
            "guidance": "fluoroscopy",
            "pain_before": 7,
            "pain_after": 2,
        },
    }
    response = clinician.post(f"/patients/{pid}/clinical-events", json=event)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["recorded_by_id"] == clinician.user["id"]
    assert response.get_json()["details"]["guidance"] == "fluoroscopy"
    bad = clinician.post(
        f"/patients/{pid}/clinical-events",
        json={**event, "details": {"target": "piriformis", "guidance": "CT", "pain_before": 7}},
    )
    assert bad.status_code == 422
    assert "pain_after" in bad.get_json()["message"]
    listed = patient.get(f"/patients/{pid}/clinical-events").get_json()
    assert [e["kind"] for e in listed] == ["guided_injection"]


def _injection(**details):
    base = {"target": "piriformis", "guidance": "ultrasound", "pain_before": 7, "pain_after": 2}
    return {"kind": "guided_injection", "event_date": TODAY, "details": {**base, **details}}


def test_an_injection_without_its_guidance_is_refused_not_assumed(clinician, patient):
    pid = patient.user["patient_id"]
    event = _injection()
    del event["details"]["guidance"]
    response = clinician.post(f"/patients/{pid}/clinical-events", json=event)
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == "details.guidance: missing data for required field"
    assert clinician.get(f"/patients/{pid}/clinical-events").get_json() == []


@pytest.mark.parametrize("guidance", ["landmark", "ultrasound-ish", "", None, 3])
def test_an_injection_guidance_is_one_of_the_image_guidances(clinician, patient, guidance):
    pid = patient.user["patient_id"]
    response = clinician.post(
        f"/patients/{pid}/clinical-events", json=_injection(guidance=guidance)
    )
    assert response.status_code == 422
    assert "details.guidance" in response.get_json()["message"]
    assert clinician.get(f"/patients/{pid}/clinical-events").get_json() == []


@pytest.mark.parametrize("guidance", ["ultrasound", "fluoroscopy", "CT"])
def test_each_image_guidance_is_stored_as_given(clinician, patient, guidance):
    pid = patient.user["patient_id"]
    response = clinician.post(
        f"/patients/{pid}/clinical-events", json=_injection(guidance=guidance)
    )
    assert response.status_code == 201, response.get_json()
    [stored] = clinician.get(f"/patients/{pid}/clinical-events").get_json()
    assert stored["details"] == _injection(guidance=guidance)["details"]
