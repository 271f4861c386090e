"""Simultaneous writes on one record, over real HTTP against gunicorn (SQLite and PostgreSQL).

Ten requests wait at a barrier and go at once to a server of 2 workers x 5 threads, so each is
in its own transaction at the same time. On PostgreSQL (READ COMMITTED) a check-then-act write
that does not lock would let two of them pass the check; on SQLite writers queue anyway.
"""

import threading
import uuid
from datetime import date

import pytest
import requests

from domain.redflags import QUESTIONS
from tests.conftest import dose_change
from tests.integration.live_server import Api, gunicorn

AT_ONCE = 10


def at_once(base: str, token: str, calls) -> list[requests.Response]:
    """Send each call (method, path, json[, token]) from its own thread at the same moment."""
    sessions = [Api(base, call[3] if len(call) > 3 else token) for call in calls]
    for api in sessions:
        assert api.get("/me").status_code == 200  # connected before the barrier
    barrier = threading.Barrier(len(calls))
    answers: list[requests.Response | None] = [None] * len(calls)

    def send(index, api, method, path, body, *_):
        barrier.wait()
        answers[index] = api.request(method, path, json=body)

    threads = [
        threading.Thread(target=send, args=(i, api, *call))
        for i, (api, call) in enumerate(zip(sessions, calls, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(answer is not None for answer in answers), "a request hung"
    return answers


def statuses(answers) -> list[int]:
    return sorted(answer.status_code for answer in answers)


def red_flag_check() -> dict:
    return {
        "id": str(uuid.uuid4()),
        "local_date": date.today().isoformat(),
        "answers": {q.key: q.key == "bladder_bowel" for q in QUESTIONS},
    }


@pytest.fixture()
def red_alert(patient, clinician):
    path = f"/patients/{patient.user['patient_id']}/red-flag-checks"
    response = patient.post(path, json=red_flag_check())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["alert_ids"][0]


def test_ten_simultaneous_decisions_store_one(database_url, tmp_path, clinician, red_alert):
    calls = [
        ("POST", f"/alerts/{red_alert}/decision", {"decision": "urgent_investigation", "note": n})
        for n in (f"Decision number {i}" for i in range(AT_ONCE))
    ]
    with gunicorn(database_url, tmp_path / "web.log", workers=2, threads=5) as base:
        answers = at_once(base, clinician.token, calls)
    assert statuses(answers) == [200] + [409] * (AT_ONCE - 1), [a.text for a in answers]
    [won] = [a.json() for a in answers if a.status_code == 200]
    for lost in (a.json() for a in answers if a.status_code == 409):
        assert lost["message"] == "The alert was already decided (urgent_investigation)."
    alert = clinician.get(f"/alerts/{red_alert}").get_json()
    decisions = [e for e in alert["events"] if e["action"].startswith("decision:")]
    assert [e["note"] for e in decisions] == [won["events"][-1]["note"]]
    assert alert["status"] == "decided"


def test_ten_simultaneous_acknowledgements_store_one(database_url, tmp_path, clinician, red_alert):
    calls = [
        ("POST", f"/alerts/{red_alert}/acknowledge", {"note": f"Seen by desk {i}"})
        for i in range(AT_ONCE)
    ]
    with gunicorn(database_url, tmp_path / "web.log", workers=2, threads=5) as base:
        answers = at_once(base, clinician.token, calls)
    assert statuses(answers) == [200] + [409] * (AT_ONCE - 1), [a.text for a in answers]
    for lost in (a.json() for a in answers if a.status_code == 409):
        assert lost["message"] == "The alert is already acknowledged."
    events = clinician.get(f"/alerts/{red_alert}").get_json()["events"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("raised", None, "open"),
        ("acknowledged", "open", "acknowledged"),
    ]


def test_simultaneous_adjustments_of_one_revision_store_one(database_url, tmp_path, physio, plan):
    calls = [
        ("PATCH", f"/plans/{plan['id']}", {**dose_change(reps), "base_revision": 1})
        for reps in range(11, 11 + AT_ONCE)
    ]
    with gunicorn(database_url, tmp_path / "web.log", workers=2, threads=5) as base:
        answers = at_once(base, physio.token, calls)
    assert statuses(answers) == [200] + [409] * (AT_ONCE - 1), [a.text for a in answers]
    for lost in (a.json() for a in answers if a.status_code == 409):
        assert lost["message"] == (
            "The plan was changed meanwhile: it is at revision 2, this adjustment was made on"
            " revision 1. Reload the plan and try again."
        )
    revisions = physio.get(f"/plans/{plan['id']}/revisions").get_json()
    assert [r["number"] for r in revisions] == [1, 2]


def test_simultaneous_adjustments_each_build_on_the_last(database_url, tmp_path, physio, plan):
    calls = [
        ("PATCH", f"/plans/{plan['id']}", dose_change(reps)) for reps in range(11, 11 + AT_ONCE)
    ]
    with gunicorn(database_url, tmp_path / "web.log", workers=2, threads=5) as base:
        answers = at_once(base, physio.token, calls)
    assert statuses(answers) == [200] * AT_ONCE, [a.text for a in answers]
    revisions = physio.get(f"/plans/{plan['id']}/revisions").get_json()
    assert [r["number"] for r in revisions] == list(range(1, AT_ONCE + 2))
    # Each revision changed the dose the one before it left (none was lost or applied twice).
    for before, after in zip(revisions[1:], revisions[2:], strict=False):
        [change] = after["diff"]
        previous = before["operations"][0]["dose"]["reps"]
        assert change["before"]["reps"] == previous, (before, after)
    assert sorted(r["operations"][0]["dose"]["reps"] for r in revisions[1:]) == list(
        range(11, 11 + AT_ONCE)
    )
    current = physio.get(f"/plans/{plan['id']}").get_json()
    assert current["current_revision"] == AT_ONCE + 1


def test_reports_arriving_with_a_decision_never_reopen_it(
    database_url, tmp_path, clinician, patient, red_alert
):
    assert clinician.post(f"/alerts/{red_alert}/acknowledge", json={}).status_code == 200
    decide = {"decision": "urgent_investigation", "note": "Urgent MRI today."}
    reports = f"/patients/{patient.user['patient_id']}/red-flag-checks"
    calls = [("POST", f"/alerts/{red_alert}/decision", decide)] * (AT_ONCE // 2) + [
        ("POST", reports, red_flag_check(), patient.token) for _ in range(AT_ONCE // 2)
    ]
    with gunicorn(database_url, tmp_path / "web.log", workers=2, threads=5) as base:
        answers = at_once(base, clinician.token, calls)
    decisions, reported = answers[: AT_ONCE // 2], answers[AT_ONCE // 2 :]
    assert statuses(decisions) == [200] + [409] * (AT_ONCE // 2 - 1), [a.text for a in answers]
    assert statuses(reported) == [201] * (AT_ONCE // 2), [a.text for a in reported]
    alert = clinician.get(f"/alerts/{red_alert}").get_json()
    assert alert["status"] == "decided"
    events = alert["events"]
    # One unbroken history: each step starts from the status the one before it left.
    for before, after in zip(events, events[1:], strict=False):
        assert after["from_status"] == before["to_status"], events
    assert [e["action"] for e in events].count("decision:urgent_investigation") == 1
    assert events[-1]["to_status"] == "decided"
    # A report before the decision added to this alert; one after it is a new episode.
    joined = [a for a in reported if a.json()["alert_ids"] == [red_alert]]
    assert len(joined) == [e["action"] for e in events].count("evidence_added")
    assert all(a.json()["alert_ids"] for a in reported), "a report reached no alert"
