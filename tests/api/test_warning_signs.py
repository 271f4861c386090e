"""Every warning sign reaches a person: stop signs, post-op checks, red flags, enrolment (issue 9).

Each emergency or urgent report raises its alert inside the request that stores it, over REST and
/sync, routed to the right role, once however often it is pushed; bad input is a 422 naming the
field and stores nothing.
"""

import uuid
from datetime import date, timedelta

import pytest

from domain import postop
from domain.redflags import all_no
from tests.conftest import assign

TODAY = date.today()


def _id() -> str:
    return str(uuid.uuid4())


def _stopped(plan_id, exercise_id, stop_if_id, day=TODAY, slot=1, sets_due=1) -> dict:
    return {
        "plan_id": plan_id,
        "exercise_id": exercise_id,
        "local_date": day.isoformat(),
        "slot": slot,
        "sets_done": 0,
        "sets_due": sets_due,
        "status": "skipped",
        "skip_reason": "stop_if",
        "stop_if_id": stop_if_id,
    }


def _sync(caller, *events) -> list[dict]:
    response = caller.post("/sync", json={"events": list(events)})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def _event(kind: str, data: dict, event_id: str | None = None) -> dict:
    return {"id": event_id or _id(), "type": kind, "data": data}


@pytest.fixture()
def post_op(physio, patient):
    """A hamstring repair 20 days ago, plan from day 3."""
    surgery = TODAY - timedelta(days=20)
    return assign(
        physio,
        patient,
        "hamstring-repair",
        start=surgery + timedelta(days=3),
        surgery_date=surgery.isoformat(),
    )


def _postop_answers(days: int, **yes) -> dict:
    return {**postop.all_no(days), **yes}


# -- stop signs


def test_an_urgent_stop_sign_alerts_the_clinician_in_the_same_request(patient, plan, clinician):
    pid = patient.user["patient_id"]
    body = {"id": _id(), **_stopped(plan["id"], "seated-sciatic-slider", "cauda-equina-signs")}
    response = patient.post(f"/patients/{pid}/exercise-logs", json=body)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["stop_level"] == "emergency" and answer["show_urgent_advice"] is True
    assert "emergency department" in answer["advice"]
    assert "Numbness between your legs" in answer["stop_symptom"]
    [alert_id] = answer["alert_ids"]
    alert = clinician.get(f"/alerts/{alert_id}").get_json()
    assert (alert["rule_id"], alert["severity"], alert["route_to"]) == (
        "R-STOP",
        "urgent",
        "clinician",
    )
    assert alert["evidence"]["stop_if_id"] == "cauda-equina-signs"
    # The rationale reads as words: the exercise's name and the day, not an id and ISO date.
    assert "seated-sciatic-slider" not in alert["rationale"]
    assert (
        "Sciatic nerve slider" in alert["rationale"]
        and body["local_date"] not in alert["rationale"]
    )


def test_a_stop_sign_pushed_twice_through_sync_raises_one_alert(patient, plan, clinician):
    event = _event(
        "exercise_log", _stopped(plan["id"], "seated-sciatic-slider", "cauda-equina-signs")
    )
    [first] = _sync(patient, event)
    [again] = _sync(patient, event)
    assert first["status"] == "created" and again["status"] == "duplicate"
    assert first["level"] == "emergency" and first["alert_ids"]
    assert again["alert_ids"] == first["alert_ids"]
    [alert] = clinician.get("/alerts?rule=R-STOP").get_json()
    assert alert["id"] == first["alert_ids"][0]
    assert "reports" not in clinician.get(f"/alerts/{alert['id']}").get_json()["evidence"]


def test_a_post_operative_urgent_stop_goes_to_the_surgical_team(patient, post_op, clinician):
    [result] = _sync(
        patient,
        _event("exercise_log", _stopped(post_op["id"], "ankle-pumps", "calf-pain-swelling")),
    )
    assert result["level"] == "urgent" and "surgical team" in result["advice"]
    alert = clinician.get(f"/alerts/{result['alert_ids'][0]}").get_json()
    assert (alert["severity"], alert["route_to"]) == ("urgent", "surgical_team")


def test_a_review_stop_asks_the_physio_and_a_plain_stop_tells_nobody(patient, plan, physio):
    review, plain = _sync(
        patient,
        _event(
            "exercise_log", _stopped(plan["id"], "seated-sciatic-slider", "tingling-during-glide")
        ),
        _event("exercise_log", _stopped(plan["id"], "supine-piriformis-stretch", "sharp-pain")),
    )
    assert review["level"] == "review" and "physiotherapist" in review["advice"]
    alert = physio.get(f"/alerts/{review['alert_ids'][0]}").get_json()
    assert (alert["rule_id"], alert["severity"], alert["route_to"]) == (
        "R-STOP",
        "review",
        "physio",
    )
    assert plain["level"] == "stop" and plain["alert_ids"] == []
    assert "today" in plain["advice"]


@pytest.mark.parametrize(
    ("exercise_id", "stop_if_id", "why"),
    [
        ("seated-sciatic-slider", "no-such-sign", "not a stop sign"),
        # A real id, but of another protocol's exercise.
        ("seated-sciatic-slider", "calf-pain-swelling", "not a stop sign"),
    ],
)
def test_an_unknown_stop_sign_is_refused_and_stores_nothing(
    patient, plan, exercise_id, stop_if_id, why
):
    pid = patient.user["patient_id"]
    body = {"id": _id(), **_stopped(plan["id"], exercise_id, stop_if_id)}
    response = patient.post(f"/patients/{pid}/exercise-logs", json=body)
    assert response.status_code == 422
    assert why in response.get_json()["errors"]["json"]["stop_if_id"][0]
    [result] = _sync(patient, _event("exercise_log", _stopped(plan["id"], exercise_id, stop_if_id)))
    assert result["status"] == "rejected" and "stop_if_id" in result["errors"]["json"]
    assert patient.get(f"/patients/{pid}/exercise-logs").get_json() == []


def test_the_level_comes_from_the_protocol_not_the_device(patient, plan, clinician):
    pid = patient.user["patient_id"]
    body = {
        "id": _id(),
        **_stopped(plan["id"], "supine-piriformis-stretch", "sharp-pain"),
        "stop_level": "emergency",
    }
    response = patient.post(f"/patients/{pid}/exercise-logs", json=body)
    assert response.status_code == 422  # a device cannot send the level at all
    assert "stop_level" in response.get_json()["errors"]["json"]


# -- post-operative check


def test_a_pop_in_the_post_op_check_alerts_the_surgical_team_whatever_the_pain(
    patient, post_op, clinician
):
    pid = patient.user["patient_id"]
    check = {
        "id": _id(),
        "local_date": TODAY.isoformat(),
        "answers": _postop_answers(20, pop_or_strength_loss=True),
    }
    response = patient.post(f"/patients/{pid}/postop-checks", json=check)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["level"], body["positives"]) == ("urgent", ["pop_or_strength_loss"])
    assert body["show_urgent_advice"] and "surgical team" in body["advice"]
    alert = clinician.get(f"/alerts/{body['alert_ids'][0]}").get_json()
    assert (alert["rule_id"], alert["severity"], alert["route_to"]) == (
        "R-POSTOP",
        "urgent",
        "surgical_team",
    )
    assert alert["evidence"]["source"] == "postop_check"


def test_breathlessness_after_surgery_is_an_emergency(patient, post_op):
    [result] = _sync(
        patient,
        _event(
            "postop_check",
            {
                "local_date": TODAY.isoformat(),
                "answers": _postop_answers(20, breathless_chest_pain=True),
            },
        ),
    )
    assert result["level"] == "emergency" and "emergency number" in result["advice"]
    assert result["alert_ids"]


def test_a_clear_post_op_check_raises_nothing(patient, post_op, clinician):
    [result] = _sync(
        patient,
        _event("postop_check", {"local_date": TODAY.isoformat(), "answers": postop.all_no(20)}),
    )
    assert result["status"] == "created" and result["level"] == "none"
    assert result["alert_ids"] == [] and clinician.get("/alerts?rule=R-POSTOP").get_json() == []


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        (
            {k: v for k, v in postop.all_no(20).items() if k != "calf_pain_swelling"},
            "calf_pain_swelling",
        ),
        ({**postop.all_no(20), "fever": None}, "fever"),
        ({**postop.all_no(20), "fever": "no"}, "fever"),
        ({**postop.all_no(20), "headache": False}, "headache"),
    ],
)
def test_a_post_op_check_with_a_missing_or_bad_answer_is_refused(patient, post_op, answers, field):
    pid = patient.user["patient_id"]
    body = {"id": _id(), "local_date": TODAY.isoformat(), "answers": answers}
    response = patient.post(f"/patients/{pid}/postop-checks", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]["answers"]
    assert patient.get(f"/patients/{pid}/postop-checks").get_json() == []


def test_bruising_is_not_asked_in_the_first_two_weeks(physio, patient):
    surgery = TODAY - timedelta(days=5)
    assign(physio, patient, "hamstring-repair", start=surgery, surgery_date=surgery.isoformat())
    pid = patient.user["patient_id"]
    early = {
        "id": _id(),
        "local_date": TODAY.isoformat(),
        "answers": {**postop.all_no(5), "spreading_bruising": True},
    }
    response = patient.post(f"/patients/{pid}/postop-checks", json=early)
    assert response.status_code == 422
    assert "not asked on day 5" in str(response.get_json()["errors"])
    ok = {"id": _id(), "local_date": TODAY.isoformat(), "answers": postop.all_no(5)}
    assert patient.post(f"/patients/{pid}/postop-checks", json=ok).status_code == 201


def test_a_post_op_check_without_a_post_op_plan_is_refused(patient, plan):
    pid = patient.user["patient_id"]
    body = {"id": _id(), "local_date": TODAY.isoformat(), "answers": postop.all_no(20)}
    response = patient.post(f"/patients/{pid}/postop-checks", json=body)
    assert response.status_code == 422
    assert "local_date" in response.get_json()["errors"]["json"]


def test_a_pop_in_a_pain_log_counts_whatever_the_score(patient, post_op, clinician):
    pid = patient.user["patient_id"]
    body = {
        "id": _id(),
        "local_date": TODAY.isoformat(),
        "nprs": 3,
        "context": "walking",
        "felt_pop": True,
    }
    answer = patient.post(f"/patients/{pid}/pain-logs", json=body).get_json()
    assert answer["show_urgent_advice"] and answer["alert_ids"]


# -- red flags


def _check(**answers) -> dict:
    return {"id": _id(), "local_date": TODAY.isoformat(), "answers": {**all_no(), **answers}}


@pytest.mark.parametrize(
    ("answers", "field", "reason"),
    [
        ({"fever": None}, "fever", "null only beside a yes"),
        ({"fever": "no"}, "fever", "Not a valid boolean"),
        ({"fever": 0}, "fever", "Not a valid boolean"),
    ],
)
def test_a_red_flag_check_needs_an_explicit_answer(patient, plan, answers, field, reason):
    pid = patient.user["patient_id"]
    response = patient.post(f"/patients/{pid}/red-flag-checks", json=_check(**answers))
    assert response.status_code == 422
    assert reason in response.get_json()["errors"]["json"]["answers"][field][0]
    missing = _check()
    del missing["answers"]["sexual_dysfunction"]
    response = patient.post(f"/patients/{pid}/red-flag-checks", json=missing)
    assert response.status_code == 422
    assert "sexual_dysfunction" in response.get_json()["errors"]["json"]["answers"]
    assert patient.get(f"/patients/{pid}/red-flag-checks").get_json() == []


def test_questions_after_a_yes_are_stored_as_not_asked(patient, plan, clinician):
    pid = patient.user["patient_id"]
    answers = {key: None for key in all_no()} | {"bladder_bowel": True}
    response = patient.post(f"/patients/{pid}/red-flag-checks", json=_check(**answers))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["level"] == "emergency" and body["answers"]["fever"] is None
    alert = clinician.get(f"/alerts/{body['alert_ids'][0]}").get_json()
    assert "fever" in alert["evidence"]["not_asked"]


def test_a_second_positive_check_that_day_adds_to_the_open_alert(patient, plan, clinician):
    pid = patient.user["patient_id"]
    first = patient.post(f"/patients/{pid}/red-flag-checks", json=_check(fever=True)).get_json()
    [alert_id] = first["alert_ids"]
    ack = clinician.post(f"/alerts/{alert_id}/acknowledge", json={"note": "Calling now."})
    assert ack.status_code == 200
    second = patient.post(
        f"/patients/{pid}/red-flag-checks", json=_check(urine_starting=True)
    ).get_json()
    assert second["alert_ids"] == [alert_id] and second["level"] == "emergency"
    alert = clinician.get(f"/alerts/{alert_id}").get_json()
    assert alert["status"] == "open", "new evidence puts it back in the open queue"
    assert alert["evidence_updated_at"] is not None
    assert alert["evidence"]["positives"] == ["fever", "urine_starting"]
    assert alert["evidence"]["level"] == "emergency"
    [report] = alert["evidence"]["reports"]
    assert report["positives"] == ["urine_starting"] and report["received_at"]
    assert [e["action"] for e in alert["events"]] == ["raised", "acknowledged", "evidence_added"]


def test_a_positive_check_after_the_decision_raises_a_new_alert(patient, plan, clinician):
    pid = patient.user["patient_id"]
    first = patient.post(f"/patients/{pid}/red-flag-checks", json=_check(trauma=True)).get_json()
    [decided] = first["alert_ids"]
    decision = {"decision": "seen_and_excluded", "note": "Seen in clinic; no fracture."}
    assert clinician.post(f"/alerts/{decided}/decision", json=decision).status_code == 200
    again = patient.post(f"/patients/{pid}/red-flag-checks", json=_check(trauma=True)).get_json()
    assert again["alert_ids"] and again["alert_ids"] != [decided]
    assert clinician.get(f"/alerts/{decided}").get_json()["status"] == "decided"


def test_a_history_of_cancer_makes_night_pain_urgent(patient, plan, clinician, physio):
    pid = patient.user["patient_id"]
    calm = patient.post(f"/patients/{pid}/red-flag-checks", json=_check(night_pain=True))
    body = calm.get_json()
    assert body["level"] == "review" and body["show_urgent_advice"] is False
    review = clinician.get(f"/alerts/{body['alert_ids'][0]}").get_json()
    assert (review["severity"], review["route_to"]) == ("review", "clinician")

    refused = physio.call("PUT", f"/patients/{pid}/cancer-history", json={"cancer_history": True})
    assert refused.status_code == 403
    recorded = clinician.call(
        "PUT", f"/patients/{pid}/cancer-history", json={"cancer_history": True}
    )
    assert recorded.status_code == 200 and recorded.get_json()["cancer_history"] is True
    assert patient.get("/me").get_json()["cancer_history"] is True

    later = _check(weight_loss=True)
    later["local_date"] = (TODAY - timedelta(days=1)).isoformat()
    body = patient.post(f"/patients/{pid}/red-flag-checks", json=later).get_json()
    assert body["level"] == "urgent" and body["show_urgent_advice"] is True
    alert = clinician.get(f"/alerts/{body['alert_ids'][0]}").get_json()
    assert alert["severity"] == "urgent" and alert["evidence"]["cancer_history"] is True


def test_the_app_learns_whom_to_call(patient):
    me = patient.get("/me").get_json()
    assert me["contacts"]["emergency_number"] == "999"
    assert "clinic_phone" in me["contacts"]
    assert me["cancer_history"] is None


# -- enrolment


def _imaging(staff, patient, tendons, retraction, day=TODAY - timedelta(days=2)):
    body = {
        "kind": "imaging",
        "event_date": day.isoformat(),
        "details": {
            "modality": "MRI",
            "finding": "Proximal hamstring origin imaged.",
            "tendons_torn": tendons,
            "retraction_mm": retraction,
        },
    }
    response = staff.post(f"/patients/{patient.user['patient_id']}/clinical-events", json=body)
    assert response.status_code == 201, response.get_json()


def _assign_nonoperative(physio, patient):
    body = {"protocol_id": "hamstring-nonoperative", "start_date": TODAY.isoformat()}
    return physio.post(f"/patients/{patient.user['patient_id']}/plans", json=body)


def test_non_operative_hamstring_care_needs_graded_imaging_first(physio, patient, clinician):
    response = _assign_nonoperative(physio, patient)
    assert response.status_code == 422
    assert "tendons" in response.get_json()["errors"]["json"]["protocol_id"][0]
    _imaging(clinician, patient, 0, 0)
    assert _assign_nonoperative(physio, patient).status_code == 201


@pytest.mark.parametrize(("tendons", "retraction"), [(2, 5), (1, 25), (3, 40)])
def test_a_complete_or_retracted_avulsion_is_refused_and_alerts_the_clinician(
    physio, patient, clinician, tendons, retraction
):
    _imaging(clinician, patient, tendons, retraction)
    refused = _assign_nonoperative(physio, patient)
    assert refused.status_code == 422
    reason = refused.get_json()["errors"]["json"]["protocol_id"][0]
    assert "surgical opinion" in reason
    [alert] = clinician.get("/alerts?rule=R-ENROL").get_json()
    assert (alert["severity"], alert["route_to"]) == ("urgent", "clinician")
    assert physio.get(f"/patients/{patient.user['patient_id']}/plans").get_json() == []
    # Trying again does not raise a second alert for the same imaging.
    assert _assign_nonoperative(physio, patient).status_code == 422
    assert len(clinician.get("/alerts?rule=R-ENROL").get_json()) == 1


def test_the_latest_imaging_decides(physio, patient, clinician):
    _imaging(clinician, patient, 2, 30, day=TODAY - timedelta(days=20))
    # A second opinion on new imaging reads a partial single-tendon tear: the latest counts.
    _imaging(clinician, patient, 1, 4, day=TODAY - timedelta(days=1))
    assert _assign_nonoperative(physio, patient).status_code == 201


def test_the_same_check_twice_in_one_batch_is_one_report(patient, plan, clinician):
    event = _event("red_flag_check", {"local_date": TODAY.isoformat(), "answers": all_no()})
    event["data"]["answers"]["fever"] = True
    first, second = _sync(patient, event, event)
    assert first["alert_ids"] == second["alert_ids"] and first["alert_ids"]
    alert = clinician.get(f"/alerts/{first['alert_ids'][0]}").get_json()
    assert "reports" not in alert["evidence"] and alert["evidence_updated_at"] is None


def test_a_post_op_check_pushed_twice_raises_one_alert(patient, post_op, clinician):
    answers = _postop_answers(20, calf_pain_swelling=True)
    event = _event("postop_check", {"local_date": TODAY.isoformat(), "answers": answers})
    [first] = _sync(patient, event)
    [again] = _sync(patient, event)
    assert (first["status"], again["status"]) == ("created", "duplicate")
    assert first["alert_ids"] == again["alert_ids"] and first["level"] == "urgent"
    [alert] = clinician.get("/alerts?rule=R-POSTOP").get_json()
    assert alert["route_to"] == "surgical_team" and alert["evidence_updated_at"] is None
