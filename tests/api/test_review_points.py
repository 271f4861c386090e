"""A failed trial through the public API: R-FAIL, a decision with a review point, raised again once.

The course is built the way the app builds it: every prescribed session logged through /sync,
pain logged daily, then the sweep runs as the scheduler would.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Alert
from server.services.sweep import run_sweep
from tests.conftest import assign, push_all, sessions_done, sync_event

TODAY = date.today()
START = TODAY - timedelta(days=90)  # past the 12-week trial


def _course(patient, plan):
    """Log every prescribed session done, and flat pain (6) from the first day to today."""
    events = sessions_done(patient, plan["id"], START, TODAY - timedelta(days=1))
    for n in range((TODAY - START).days + 1):
        day = (START + timedelta(days=n)).isoformat()
        events.append(sync_event("pain_log", {"local_date": day, "nprs": 6, "context": "sitting"}))
    push_all(patient, events)


@pytest.fixture()
def failing(clean_app, physio, patient):
    plan = assign(physio, patient, start=START)
    _course(patient, plan)
    return plan


def _sweep(app, as_of=TODAY):
    with app.app_context():
        run_sweep(db.session, as_of=as_of)
        return [
            (a.id, a.status, a.follows_id)
            for a in db.session.scalars(
                select(Alert).where(Alert.rule_id == "R-FAIL").order_by(Alert.id)
            )
        ]


def _decide(clinician, alert_id, decision="continue_conservative", **extra):
    note = "Six more weeks of loading before surgical review."
    return clinician.post(
        f"/alerts/{alert_id}/decision", json={"decision": decision, "note": note, **extra}
    )


def test_continue_sets_a_review_point_and_the_rule_raises_again_once(
    clean_app, clinician, patient, failing
):
    ((first, status, _),) = _sweep(clean_app)
    assert status == "open"
    # Default review point: six weeks (the rule set's review_after_weeks).
    decided = _decide(clinician, first).get_json()
    assert decided["review_on"] == (TODAY + timedelta(weeks=6)).isoformat()
    assert decided["decided_at"]
    snapshot = [e for e in decided["events"] if e["action"].startswith("decision:")][0]
    assert [i["key"] for i in snapshot["snapshot"]][0] == "lumbar_spine"
    # Same day, nothing new: the decision holds.
    assert [a[0] for a in _sweep(clean_app)] == [first]


def test_the_review_date_raises_again_once_linked_to_the_decision(
    clean_app, clinician, patient, failing
):
    ((first, _, _),) = _sweep(clean_app)
    tomorrow = TODAY + timedelta(days=1)
    decided = _decide(clinician, first, review_on=tomorrow.isoformat())
    assert decided.status_code == 200, decided.get_json()
    assert len(_sweep(clean_app)) == 1  # not yet
    after = _sweep(clean_app, as_of=tomorrow)
    assert [(a[1], a[2]) for a in after] == [("decided", None), ("open", first)]
    assert _sweep(clean_app, as_of=tomorrow) == after  # once, not once per sweep
    second = after[1][0]
    shown = clinician.get(f"/alerts/{second}").get_json()
    assert shown["follows_id"] == first
    assert [c["id"] for c in shown["chain"]] == [first]
    assert shown["chain"][0]["decision"] == "continue_conservative"
    assert shown["chain"][0]["decision_label"] == "Continue conservative care"
    assert "review date" in shown["events"][0]["note"]
    old = clinician.get(f"/alerts/{first}").get_json()
    assert old["events"][-1]["action"] == "raised_again"


def test_new_evidence_raises_again_before_the_review_date(clean_app, clinician, patient, failing):
    ((first, _, _),) = _sweep(clean_app)
    assert _decide(clinician, first).status_code == 200
    pid = patient.user["patient_id"]
    mri = {
        "kind": "imaging",
        "event_date": TODAY.isoformat(),
        "details": {
            "modality": "MRI",
            "finding": "piriformis hypertrophy, sciatic nerve intact",
            "mechanical_source": "hypertrophied piriformis",
        },
    }
    assert clinician.post(f"/patients/{pid}/clinical-events", json=mri).status_code == 201
    after = _sweep(clean_app)
    assert [(a[1], a[2]) for a in after] == [("decided", None), ("open", first)]
    shown = clinician.get(f"/alerts/{after[1][0]}").get_json()
    assert "new evidence" in shown["events"][0]["note"]
    # Deep gluteal syndrome's pathway: a plain MRI is not MR neurography, but it names a source.
    items = {i["key"]: i for i in shown["checklist"]}
    assert not items["mr_neurography"]["met"]
    assert items["mechanical_source"]["met"] and "MRI" in items["mechanical_source"]["evidence"]
    assert _sweep(clean_app) == after


def test_the_checklist_shown_is_the_current_record_and_names_who_named_the_source(
    clean_app, clinician, physio, patient, failing
):
    ((first, _, _),) = _sweep(clean_app)
    pid = patient.user["patient_id"]
    exam = {
        "kind": "exam_finding",
        "event_date": TODAY.isoformat(),
        "details": {
            "test": "seated_piriformis_stretch",
            "result": "positive",
            "note": "reproduces the buttock pain",
            "mechanical_source": "piriformis",
        },
    }
    # Naming the mechanical source is a clinician's call.
    refused = physio.post(f"/patients/{pid}/clinical-events", json=exam)
    assert refused.status_code == 422
    assert "mechanical_source" in str(refused.get_json()["errors"])
    assert clinician.post(f"/patients/{pid}/clinical-events", json=exam).status_code == 201
    shown = clinician.get(f"/alerts/{first}").get_json()
    source = {i["key"]: i for i in shown["checklist"]}["mechanical_source"]
    assert source["met"] and "clinician" in source["evidence"]
    assert not any("mechanical source" in step for step in shown["next_steps"])
    listed = {a["id"]: a for a in clinician.get("/alerts").get_json()}
    assert {i["key"]: i for i in listed[first]["checklist"]}["mechanical_source"]["met"]


@pytest.mark.parametrize(
    ("decision", "review_on", "says"),
    [
        ("continue_conservative", TODAY.isoformat(), "after today"),
        ("continue_conservative", (TODAY + timedelta(days=400)).isoformat(), "within a year"),
        ("refer_surgical_review", (TODAY + timedelta(days=7)).isoformat(), "only for"),
    ],
)
def test_a_review_date_is_checked(
    clean_app, clinician, patient, failing, decision, review_on, says
):
    ((first, _, _),) = _sweep(clean_app)
    response = _decide(clinician, first, decision, review_on=review_on)
    assert response.status_code == 422
    assert says in str(response.get_json()["errors"]["json"]["review_on"])
    assert clinician.get(f"/alerts/{first}").get_json()["status"] == "open"
