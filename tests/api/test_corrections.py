"""Corrections: an event that supersedes another replaces it for the rules, summaries and lists."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Alert
from server.services.sweep import run_sweep
from tests.conftest import assign

START = date.today() - timedelta(days=30)


def _pain(day: date, nprs: int, **extra) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "local_date": day.isoformat(),
        "nprs": nprs,
        "context": "sitting",
        **extra,
    }


@pytest.fixture()
def mistaken_nines(physio, patient):
    """Baseline 4 for a week, then eight days logged 9 by mistake among six days of 4."""
    assign(physio, patient, start=START)
    pid = patient.user["patient_id"]
    for n in range(7):
        assert (
            patient.post(
                f"/patients/{pid}/pain-logs", json=_pain(START + timedelta(n), 4)
            ).status_code
            == 201
        )
    nines = []
    for n in range(14):
        day = date.today() - timedelta(days=n)
        body = _pain(day, 9 if n < 8 else 4)
        assert patient.post(f"/patients/{pid}/pain-logs", json=body).status_code == 201
        if n < 8:
            nines.append(body)
    return pid, nines


def _sweep_rules(app) -> set[str]:
    with app.app_context():
        run_sweep(db.session)
        return {
            a.rule_id for a in db.session.scalars(select(Alert).where(Alert.open_key.is_not(None)))
        }


def test_correcting_mistaken_scores_flips_worse_pain_everywhere(
    clean_app, patient, physio, mistaken_nines
):
    pid, nines = mistaken_nines
    assert "R-WORSE" in _sweep_rules(clean_app)
    assert physio.get(f"/patients/{pid}").get_json()["summary"]["pain_trend"] == "worse"
    for body in nines:
        fixed = _pain(date.fromisoformat(body["local_date"]), 4, supersedes=body["id"])
        assert patient.post(f"/patients/{pid}/pain-logs", json=fixed).status_code == 201
    # The sweep ends the episode and the physio's summary no longer says "worse".
    assert "R-WORSE" not in _sweep_rules(clean_app)
    assert physio.get(f"/patients/{pid}").get_json()["summary"]["pain_trend"] != "worse"
    # The list keeps every row as stored and says which ones a correction replaced.
    logs = physio.get(f"/patients/{pid}/pain-logs").get_json()
    replaced = {log["id"]: log["superseded_by"] for log in logs if log["superseded_by"]}
    assert set(replaced) == {body["id"] for body in nines}
    by_id = {log["id"]: log for log in logs}
    assert all(
        by_id[new]["nprs"] == 4 and by_id[new]["supersedes"] == old for old, new in replaced.items()
    )


@pytest.mark.parametrize(
    "target",
    ["unknown", "other patient", "other kind", "itself"],
)
def test_a_correction_must_name_an_event_of_the_same_patient_and_kind(
    make_patient, physio, patient, plan, target
):
    pid = patient.user["patient_id"]
    mine = _pain(date.today(), 5)
    patient.post(f"/patients/{pid}/pain-logs", json=mine)
    other = make_patient("other@example.org")
    theirs = _pain(date.today(), 5)
    assert (
        other.post(f"/patients/{other.user['patient_id']}/pain-logs", json=theirs).status_code
        == 201
    )
    flags = {"id": str(uuid.uuid4()), "local_date": date.today().isoformat(), "answers": _all_no()}
    assert patient.post(f"/patients/{pid}/red-flag-checks", json=flags).status_code == 201
    body = _pain(date.today(), 3)
    body["supersedes"] = {
        "unknown": str(uuid.uuid4()),
        "other patient": theirs["id"],
        "other kind": flags["id"],
        "itself": body["id"],
    }[target]
    response = patient.post(f"/patients/{pid}/pain-logs", json=body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "supersedes" in str(errors)
    stored = patient.get(f"/patients/{pid}/pain-logs").get_json()
    assert [log["id"] for log in stored] == [mine["id"]]


def test_a_correction_and_what_it_corrects_may_arrive_in_one_sync(patient, plan):
    pid = patient.user["patient_id"]
    first = _pain(date.today(), 9)
    fixed = _pain(date.today(), 4, supersedes=first["id"])
    response = patient.post(
        "/sync",
        json={
            "cursor": 0,
            "events": [
                {"id": first["id"], "type": "pain_log", "data": first},
                {"id": fixed["id"], "type": "pain_log", "data": fixed},
            ],
        },
    )
    assert response.status_code == 200, response.get_json()
    assert [r["status"] for r in response.get_json()["results"]] == ["created", "created"]
    stored = {log["id"]: log for log in patient.get(f"/patients/{pid}/pain-logs").get_json()}
    assert stored[first["id"]]["superseded_by"] == fixed["id"]


def _all_no():
    from domain.redflags import QUESTIONS

    return {q.key: False for q in QUESTIONS}
