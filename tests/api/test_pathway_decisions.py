"""Each alert allows its own decisions, through the public API (issue 11, item 6).

A failed trial offers its protocol pathway's decisions and shows that pathway's checklist; a red
flag and a post-operative warning sign have their own outcomes. Anything else is a 422 naming
`decision` and the allowed ones, and changes nothing.
"""

import uuid
from datetime import timedelta
from typing import get_args

import pytest
from sqlalchemy import update

from domain import postop
from domain.history import ClinicalKind
from domain.redflags import QUESTIONS
from server.extensions import db
from server.models import Alert
from tests.api.test_review_points import START, TODAY, _course, _sweep
from tests.api.test_warning_signs import post_op  # noqa: F401 (a hamstring repair 20 days ago)
from tests.conftest import assign

PUDENDAL = "pelvic-floor-downtraining"


@pytest.fixture()
def pudendal_fail(clean_app, physio, patient, clinician):
    """A pudendal neuralgia patient past a full, adherent 12-week trial with flat pain."""
    plan = assign(physio, patient, PUDENDAL, start=START)
    _course(patient, plan)
    ((alert_id, status, _),) = _sweep(clean_app)
    assert status == "open"
    return alert_id


def _decide(caller, alert_id, decision, **extra):
    body = {"decision": decision, "note": "Discussed with the patient today.", **extra}
    return caller.post(f"/alerts/{alert_id}/decision", json=body)


def _clinical(caller, patient, kind, details, day=TODAY):
    body = {"kind": kind, "event_date": day.isoformat(), "details": details}
    response = caller.post(f"/patients/{patient.user['patient_id']}/clinical-events", json=body)
    assert response.status_code == 201, response.get_json()


def test_a_pudendal_failed_trial_offers_the_pudendal_pathway(clinician, pudendal_fail):
    alert = clinician.get(f"/alerts/{pudendal_fail}").get_json()
    assert [i["key"] for i in alert["checklist"]] == [
        "nantes",
        "pudendal_block",
        "medication_review",
    ]
    offered = {d["id"]: d for d in alert["decisions"]}
    assert list(offered)[:3] == [
        "review_medication",
        "refer_guided_injection",
        "refer_decompression",
    ]
    assert offered["refer_guided_injection"]["label"] == "Refer for an image-guided pudendal block"
    assert offered["review_medication"]["sets_review_on"]
    assert not offered["refer_decompression"]["sets_review_on"]
    assert "refer_surgical_review" not in offered
    assert alert["default_review_on"] == (TODAY + timedelta(weeks=6)).isoformat()


def test_a_decision_of_another_pathway_is_refused_naming_the_allowed_ones(clinician, pudendal_fail):
    response = _decide(clinician, pudendal_fail, "refer_surgical_review")
    assert response.status_code == 422
    reason = str(response.get_json()["errors"]["json"]["decision"])
    assert "review_medication" in reason and "refer_decompression" in reason
    assert clinician.get(f"/alerts/{pudendal_fail}").get_json()["status"] == "open"


def test_a_pathway_decision_with_a_review_sets_its_date_and_one_without_does_not(
    clinician, pudendal_fail
):
    in_four_weeks = (TODAY + timedelta(weeks=4)).isoformat()
    decided = _decide(clinician, pudendal_fail, "review_medication", review_on=in_four_weeks)
    assert decided.status_code == 200, decided.get_json()
    body = decided.get_json()
    assert (body["decision"], body["review_on"]) == ("review_medication", in_four_weeks)
    assert body["decision_label"] == "Review neuropathic medication"
    assert body["default_review_on"] is None  # decided: nothing left to default


def test_decompression_takes_no_review_date(clinician, pudendal_fail):
    soon = (TODAY + timedelta(weeks=2)).isoformat()
    refused = _decide(clinician, pudendal_fail, "refer_decompression", review_on=soon)
    assert refused.status_code == 422
    assert "only for" in str(refused.get_json()["errors"]["json"]["review_on"])
    decided = _decide(clinician, pudendal_fail, "refer_decompression").get_json()
    assert (decided["decision"], decided["review_on"]) == ("refer_decompression", None)


def test_a_recorded_pudendal_block_ticks_the_checklist_with_its_relief(
    clinician, patient, pudendal_fail
):
    block = {
        "target": "pudendal_nerve",
        "guidance": "CT",
        "pain_before": 8,
        "pain_after": 2,
    }
    _clinical(clinician, patient, "guided_injection", block)
    alert = clinician.get(f"/alerts/{pudendal_fail}").get_json()
    items = {i["key"]: i for i in alert["checklist"]}
    assert items["pudendal_block"]["met"] and "75 % relief" in items["pudendal_block"]["evidence"]
    assert not items["nantes"]["met"]
    assert len(alert["next_steps"]) == 2


@pytest.mark.skipif(
    "intake" not in get_args(ClinicalKind),
    reason="waits for the structured clinical records (intake, medication_review) to merge",
)
def test_intake_nantes_and_block_recorded_through_the_api_tick_the_checklist(
    clinician, patient, pudendal_fail
):
    nantes = {
        "pain_in_pudendal_territory": "yes",
        "worse_sitting": "yes",
        "not_woken_at_night": "yes",
        "no_objective_sensory_loss": "yes",
        "relieved_by_block": "unknown",
    }
    _clinical(clinician, patient, "intake", {"cancer_history": "no", "nantes": nantes})
    block = {
        "target": "pudendal_nerve",
        "anaesthetic": "lidocaine 1 %",
        "guidance": "CT",
        "minutes_after": 30,
        "provocative_task": "sitting for 20 minutes",
        "pain_before": 8,
        "pain_after": 3,
    }
    _clinical(clinician, patient, "guided_injection", block)
    items = {i["key"]: i for i in clinician.get(f"/alerts/{pudendal_fail}").get_json()["checklist"]}
    assert items["nantes"]["met"] and items["pudendal_block"]["met"]
    assert not items["medication_review"]["met"]


@pytest.fixture()
def red_alert(patient, plan):
    check = {
        "id": str(uuid.uuid4()),
        "local_date": TODAY.isoformat(),
        "answers": {q.key: q.key == "saddle_numbness" for q in QUESTIONS},
    }
    response = patient.post(f"/patients/{patient.user['patient_id']}/red-flag-checks", json=check)
    [alert_id] = response.get_json()["alert_ids"]
    return alert_id


def test_a_red_flag_has_its_own_outcomes(clinician, red_alert):
    alert = clinician.get(f"/alerts/{red_alert}").get_json()
    offered = [d["id"] for d in alert["decisions"]]
    assert offered[0] == "sent_to_emergency_department"
    assert "seen_and_excluded" in offered and "continue_conservative" not in offered
    assert not any(d["sets_review_on"] for d in alert["decisions"])
    assert alert["default_review_on"] is None
    refused = _decide(clinician, red_alert, "continue_conservative")
    assert refused.status_code == 422
    assert "sent_to_emergency_department" in str(refused.get_json()["errors"]["json"]["decision"])
    decided = _decide(clinician, red_alert, "sent_to_emergency_department").get_json()
    assert decided["decision_label"] == "Sent to the emergency department"


def test_a_post_operative_warning_has_its_own_outcomes(post_op, patient, clinician):  # noqa: F811
    check = {
        "id": str(uuid.uuid4()),
        "local_date": TODAY.isoformat(),
        "answers": {**postop.all_no(20), "wound_problem": True},
    }
    response = patient.post(f"/patients/{patient.user['patient_id']}/postop-checks", json=check)
    assert response.status_code == 201, response.get_json()
    [alert_id] = response.get_json()["alert_ids"]
    offered = [d["id"] for d in clinician.get(f"/alerts/{alert_id}").get_json()["decisions"]]
    assert {"wound_reviewed", "seen_in_clinic", "readmitted"} <= set(offered)
    assert "refer_guided_injection" not in offered
    assert _decide(clinician, alert_id, "discharge").status_code == 422
    assert _decide(clinician, alert_id, "wound_reviewed").get_json()["decision"] == "wound_reviewed"


def test_a_decision_stored_before_these_sets_still_reads(clean_app, clinician, red_alert):
    with clean_app.app_context():
        db.session.execute(
            update(Alert)
            .where(Alert.id == red_alert)
            .values(status="decided", decision="refer_surgical_review")
        )
        db.session.commit()
    alert = clinician.get(f"/alerts/{red_alert}").get_json()
    assert alert["decision_label"] == "Refer for surgical review"
