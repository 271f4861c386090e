"""R-NEURO from the answers the app stores after each neural glide, through /sync and the sweep."""

import uuid
from datetime import date, timedelta

import pytest

from server.extensions import db
from server.services.sweep import run_sweep
from tests.conftest import assign

TODAY = date.today()
GLIDE = "seated-sciatic-slider"  # the first phase's neural glide (category neural_glide)


def _glide(plan_id: int, day: date, answer: str, supersedes: str | None = None) -> dict:
    data = {
        "plan_id": plan_id,
        "exercise_id": GLIDE,
        "local_date": day.isoformat(),
        "slot": 1,
        "sets_done": 1,
        "sets_due": 1,  # as prescribed: the server refuses a log that matches no prescription
        "status": "done",
        "nerve_symptoms": answer,
        "supersedes": supersedes,
    }
    return {"id": str(uuid.uuid4()), "type": "exercise_log", "data": data}


@pytest.fixture()
def glider(physio, patient):
    plan = assign(physio, patient, start=TODAY - timedelta(days=10))
    return plan["id"]


def _push(patient, *events) -> list[dict]:
    body = patient.post("/sync", json={"events": list(events)}).get_json()
    assert all(r["status"] == "created" for r in body["results"]), body["results"]
    return body["results"]


def _neuro_alerts(app, physio) -> list[dict]:
    with app.app_context():
        run_sweep(db.session)
    return physio.get("/alerts?rule=R-NEURO").get_json()


def test_two_episodes_in_a_week_reach_the_physio(clean_app, patient, physio, glider):
    [first] = _push(patient, _glide(glider, TODAY - timedelta(days=4), "settled"))
    assert first["level"] == "review" and "physiotherapist" in first["advice"]
    assert _neuro_alerts(clean_app, physio) == [], "one episode is not yet a pattern"
    _push(patient, _glide(glider, TODAY - timedelta(days=1), "settled"))
    [alert] = _neuro_alerts(clean_app, physio)
    assert (alert["severity"], alert["route_to"]) == ("review", "physio")
    assert [e["local_date"] for e in alert["evidence"]["episodes"]] == [
        (TODAY - timedelta(days=4)).isoformat(),
        (TODAY - timedelta(days=1)).isoformat(),
    ]


def test_symptoms_still_there_a_day_later_reach_the_physio_at_once(
    clean_app, patient, physio, glider
):
    ongoing = _glide(glider, TODAY - timedelta(days=1), "ongoing")
    _push(patient, ongoing)
    assert _neuro_alerts(clean_app, physio) == []
    _push(patient, _glide(glider, TODAY - timedelta(days=1), "lasting", supersedes=ongoing["id"]))
    [alert] = _neuro_alerts(clean_app, physio)
    assert alert["evidence"]["lasting"] == 1
    assert "still there after 24 hours" in alert["rationale"]


def test_a_follow_up_that_says_it_has_gone_is_one_episode(clean_app, patient, physio, glider):
    ongoing = _glide(glider, TODAY - timedelta(days=2), "ongoing")
    _push(patient, ongoing)
    _push(patient, _glide(glider, TODAY - timedelta(days=2), "settled", supersedes=ongoing["id"]))
    _push(patient, _glide(glider, TODAY - timedelta(days=1), "none"))
    assert _neuro_alerts(clean_app, physio) == []
