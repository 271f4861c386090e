"""The LEFS and the PGIC through the public API: scored by the server, refused when wrong,
synced to other devices, and read by the sweep's R-FAIL.

The failed-trial course is built as the app builds it: every prescribed session and the pain
logs through /sync, the questionnaires through /sync, then the sweep runs as the scheduler would.
"""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Alert
from server.services.sweep import run_sweep
from tests.api.test_review_points import START, TODAY, _course
from tests.conftest import assign


def _lefs(answers, day=None, **extra):
    return {
        "id": str(uuid.uuid4()),
        "local_date": (day or date.today()).isoformat(),
        "instrument": "lefs",
        "answers": answers,
        **extra,
    }


def _pid(patient):
    return patient.user["patient_id"]


def test_a_lefs_is_scored_by_the_server_and_a_repeat_is_harmless(clean_app, physio, patient):
    assign(physio, patient)
    path = f"/patients/{_pid(patient)}/outcome-measures"
    body = _lefs([2] * 10 + [3] * 10, score=80)  # a device's own score is never taken
    body.pop("score")
    first = patient.post(path, json=body)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["score"] == 50
    assert patient.post(path, json=body).status_code == 200
    pgic = {"id": str(uuid.uuid4()), "local_date": date.today().isoformat(), "instrument": "pgic"}
    assert patient.post(path, json=pgic | {"answers": [2]}).get_json()["score"] == 2
    listed = physio.get(path).get_json()
    assert [(m["instrument"], m["score"]) for m in listed] == [("lefs", 50), ("pgic", 2)]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (_lefs([4] * 19), "answers", "must have 20 answers; got 19"),
        (_lefs([4] * 19 + [5]), "answers", "answer 20 must be a whole number 0..4"),
        (_lefs([4] * 19 + ["4"]), "answers", "Not a valid integer"),
        (_lefs([4] * 19 + [None]), "answers", "Field may not be null"),
        (_lefs([4] * 20, instrument="odi"), "instrument", "Must be one of"),
        (_lefs([0]) | {"instrument": "pgic"}, "answers", "answer 1 must be a whole number 1..7"),
        (_lefs([4, 4]) | {"instrument": "pgic"}, "answers", "must be a list of 1 answer"),
        (_lefs([4] * 20, day=date.today() + timedelta(days=3)), "local_date", "in the future"),
        (_lefs([4] * 20, score=80), "score", "Unknown field"),
    ],
)
def test_a_wrong_questionnaire_is_refused_naming_the_field(
    clean_app, physio, patient, body, field, reason
):
    assign(physio, patient)
    path = f"/patients/{_pid(patient)}/outcome-measures"
    response = patient.post(path, json=body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]
    assert field in errors and reason in str(errors[field]), errors
    assert patient.get(path).get_json() == []


def test_only_the_patient_submits_and_another_device_pulls_it(clean_app, physio, patient):
    assign(physio, patient)
    cursor = patient.post("/sync", json={"cursor": 0}).get_json()["cursor"]
    event = _lefs([3] * 20)
    pushed = patient.post(
        "/sync", json={"events": [{"id": event["id"], "type": "outcome_measure", "data": event}]}
    ).get_json()
    assert pushed["results"][0]["status"] == "created"
    pulled = patient.post("/sync", json={"cursor": cursor}).get_json()["changes"]
    assert [(m["id"], m["score"]) for m in pulled["outcome_measures"]] == [(event["id"], 60)]
    staff = physio.post(
        "/sync",
        json={
            "events": [
                {
                    "id": str(uuid.uuid4()),
                    "type": "outcome_measure",
                    "patient_id": _pid(patient),
                    "data": _lefs([3] * 20),
                }
            ]
        },
    ).get_json()
    assert staff["results"][0]["status"] == "rejected"


def _sync_lefs(patient, scores_by_day):
    events = []
    for day, score in scores_by_day:
        # A total spread over the 20 items as the app would send them (0-4 each).
        answers = [4] * (score // 4) + ([score % 4] if score % 4 else [])
        answers += [0] * (20 - len(answers))
        data = _lefs(answers, day=day)
        events.append({"id": data["id"], "type": "outcome_measure", "data": data})
    body = patient.post("/sync", json={"events": events}).get_json()
    assert {r["status"] for r in body["results"]} == {"created"}, body["results"]


def _fail_alerts(app):
    with app.app_context():
        run_sweep(db.session, as_of=TODAY)
        return list(db.session.scalars(select(Alert).where(Alert.rule_id == "R-FAIL")))


def test_flat_pain_but_lefs_up_12_points_is_not_a_failed_trial(clean_app, physio, patient):
    plan = assign(physio, patient, start=START)
    _course(patient, plan)  # every session done, pain 6 while sitting every day
    _sync_lefs(patient, [(START, 40), (START + timedelta(days=42), 46), (TODAY, 52)])
    assert _fail_alerts(clean_app) == []


def test_flat_pain_and_flat_lefs_is_a_failed_trial_with_the_figures(clean_app, physio, patient):
    plan = assign(physio, patient, start=START)
    _course(patient, plan)
    _sync_lefs(patient, [(START, 40), (TODAY, 44)])
    pgic = {"id": str(uuid.uuid4()), "local_date": TODAY.isoformat(), "instrument": "pgic"}
    pushed = patient.post(
        f"/patients/{_pid(patient)}/outcome-measures", json=pgic | {"answers": [4]}
    )
    assert pushed.status_code == 201
    (alert,) = _fail_alerts(clean_app)
    function = alert.evidence["function"]
    assert (function["lefs"]["baseline"], function["lefs"]["current"]) == (40, 44)
    assert function["lefs"]["change"] == 4 and function["lefs"]["improved"] is False
    assert function["pgic"]["words"] == "No change"
    # Piriformis care: pain is judged while sitting, the condition's meaningful task.
    assert alert.evidence["pain_context"] == {"declared": "sitting", "used": "sitting"}
    assert alert.rule_set_version == "2026.4"
    assert "LEFS went from 40 to 44 of 80" in alert.rationale


def test_a_lefs_gain_sent_after_the_alert_ends_the_failed_trial_episode(clean_app, physio, patient):
    plan = assign(physio, patient, start=START)
    _course(patient, plan)
    _sync_lefs(patient, [(START, 40)])
    (alert,) = _fail_alerts(clean_app)
    assert "not measured again since" in alert.rationale
    # The same day, a LEFS 12 points up: new data, so the sweep judges the plan again at once.
    _sync_lefs(patient, [(TODAY, 52)])
    with clean_app.app_context():
        run_sweep(db.session, as_of=TODAY)
        alert = db.session.get(Alert, alert.id)
        assert alert.open_key is None and alert.events[-1].action == "condition_cleared"
