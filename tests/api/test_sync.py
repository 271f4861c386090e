"""POST /sync: pushed events stored exactly once; changes pulled after a cursor."""

import uuid
from datetime import date, timedelta

from domain.redflags import QUESTIONS
from tests.conftest import assign, dose_change, sign_in

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
    expected = ("piriformis-neural-gliding", plan["protocol_version"])
    assert expected in {(v["id"], v["version"]) for v in versions}
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


# -- logs on the change feed: a patient's other devices, and the care team, pull them

LOG_KEYS = ("exercise_logs", "pain_logs", "red_flag_checks", "postop_checks", "clinical_events")


def _exercise_event(plan):
    data = {
        "plan_id": plan["id"],
        "exercise_id": "supine-piriformis-stretch",
        "local_date": TODAY,
        "sets_done": 1,
        "sets_due": 1,
        "status": "done",
    }
    return {"id": str(uuid.uuid4()), "type": "exercise_log", "data": data}


def _pull_all(caller, cursor=0):
    """Pull every page after the cursor; return the logs by key (ids in order) and the cursor."""
    seen = {key: [] for key in LOG_KEYS}
    for _ in range(100):
        body = caller.post("/sync", json={"cursor": cursor}).get_json()
        for key in LOG_KEYS:
            seen[key] += [row["id"] for row in body["changes"][key]]
        assert body["cursor"] >= cursor
        cursor = body["cursor"]
        if not body["has_more"]:
            return seen, cursor
    raise AssertionError("the pull never ended")


def test_logs_of_one_device_reach_the_patients_other_device(client, patient, plan):
    other_phone = sign_in(client, "pat@example.org")
    _, cursor = _pull_all(other_phone)
    pid = patient.user["patient_id"]
    pushed = [_pain_event(3), _exercise_event(plan), _red_flag_event()]
    assert {
        r["status"] for r in patient.post("/sync", json={"events": pushed}).get_json()["results"]
    } == {"created"}
    by_rest = {"id": str(uuid.uuid4()), "local_date": TODAY, "nprs": 7, "context": "walking"}
    assert patient.post(f"/patients/{pid}/pain-logs", json=by_rest).status_code == 201

    body = other_phone.post("/sync", json={"cursor": cursor}).get_json()
    changes = body["changes"]
    assert [(r["id"], r["nprs"]) for r in changes["pain_logs"]] == [
        (pushed[0]["id"], 3),
        (by_rest["id"], 7),
    ]
    [exercise] = changes["exercise_logs"]
    assert (exercise["id"], exercise["status"], exercise["plan_id"]) == (
        pushed[1]["id"],
        "done",
        plan["id"],
    )
    [check] = changes["red_flag_checks"]
    assert (check["id"], check["level"], check["patient_id"]) == (pushed[2]["id"], "none", pid)
    assert all(row["received_at"] for key in LOG_KEYS for row in changes[key])
    assert body["cursor"] > cursor and not body["has_more"]
    again = other_phone.post("/sync", json={"cursor": body["cursor"]}).get_json()
    assert all(again["changes"][key] == [] for key in LOG_KEYS)


def test_a_push_pulls_its_own_new_rows_as_a_later_pull_reads_them(patient, plan):
    """The rows a push created come back in its answer as stored, not as they were sent."""
    pid = patient.user["patient_id"]
    _, cursor = _pull_all(patient)
    earlier = {"id": str(uuid.uuid4()), "local_date": TODAY, "nprs": 2, "context": "rest"}
    assert patient.post(f"/patients/{pid}/pain-logs", json=earlier).status_code == 201
    # Sent in another time zone: stored (and read back) in UTC.
    moment = {"recorded_at": f"{TODAY}T09:30:00+02:00", "note": "after the walk"}
    pain = _pain_event(6)
    pain["data"].update(moment, tingling=True)
    exercise = _exercise_event(plan)
    exercise["data"].update(moment)
    again = {"id": earlier["id"], "type": "pain_log", "data": {**earlier, "id": None}}
    del again["data"]["id"]
    pushed = [pain, exercise, _red_flag_event(), again]
    body = patient.post("/sync", json={"cursor": cursor, "events": pushed}).get_json()
    assert [r["status"] for r in body["results"]] == ["created"] * 3 + ["duplicate"]
    later = patient.post("/sync", json={"cursor": cursor}).get_json()
    assert body["changes"] == later["changes"] and body["cursor"] == later["cursor"]
    [_, shown] = body["changes"]["pain_logs"]  # the one stored before the push, then this one
    assert shown["recorded_at"].endswith("+00:00") and shown["note"] == "after the walk"
    assert shown["patient_id"] == pid and shown["tingling"] is True


def test_another_patient_and_other_staff_pull_none_of_the_logs(
    patient, plan, make_patient, clinician, make_staff
):
    patient.post("/sync", json={"events": [_pain_event(4), _exercise_event(plan)]})
    stranger = make_patient("stranger@example.org")
    stranger.post("/sync", json={"events": [_pain_event(8)]})
    outsider = make_staff("clinician", "outsider@example.org")
    mine, _ = _pull_all(patient)
    theirs, _ = _pull_all(stranger)
    assert len(mine["pain_logs"]) == 1 and len(theirs["pain_logs"]) == 1
    assert set(mine["pain_logs"]).isdisjoint(theirs["pain_logs"])
    assert theirs["exercise_logs"] == []
    care_team, _ = _pull_all(clinician)  # on the patient's care team, not the stranger's
    assert care_team["pain_logs"] == mine["pain_logs"]
    assert care_team["exercise_logs"] == mine["exercise_logs"]
    nothing, _ = _pull_all(outsider)
    assert all(ids == [] for ids in nothing.values())


def test_a_duplicate_or_refused_push_adds_nothing_to_the_feed(client, patient, plan):
    other_phone = sign_in(client, "pat@example.org")
    _, cursor = _pull_all(other_phone)
    event = _pain_event(5)
    patient.post("/sync", json={"events": [event, event]})
    patient.post("/sync", json={"events": [event, _pain_event(11)]})  # a repeat, an nprs of 11
    seen, _ = _pull_all(other_phone, cursor)
    assert seen["pain_logs"] == [event["id"]]


def test_the_pull_pages_through_logs_in_order_and_loses_none(clean_app, client, patient, plan):
    other_phone = sign_in(client, "pat@example.org")
    _, cursor = _pull_all(other_phone)
    events = [_pain_event(n) for n in range(7)]
    patient.post("/sync", json={"events": events[:4]})
    patient.post("/sync", json={"events": events[4:]})
    page = clean_app.config["SYNC_PAGE_SIZE"]
    clean_app.config["SYNC_PAGE_SIZE"] = 2
    try:
        first = other_phone.post("/sync", json={"cursor": cursor}).get_json()
        assert len(first["changes"]["pain_logs"]) == 2 and first["has_more"]
        seen, _ = _pull_all(other_phone, cursor)
    finally:
        clean_app.config["SYNC_PAGE_SIZE"] = page
    assert seen["pain_logs"] == [e["id"] for e in events]


def test_post_op_checks_and_clinical_events_join_the_feed(client, patient, physio, clinician):
    from domain import postop

    surgery = date.today() - timedelta(days=20)
    assign(
        physio,
        patient,
        "hamstring-repair",
        start=surgery + timedelta(days=3),
        surgery_date=surgery.isoformat(),
    )
    other_phone = sign_in(client, "pat@example.org")
    _, cursor = _pull_all(other_phone)
    check = {
        "id": str(uuid.uuid4()),
        "type": "postop_check",
        "data": {"local_date": TODAY, "answers": postop.all_no(20)},
    }
    [result] = patient.post("/sync", json={"events": [check]}).get_json()["results"]
    assert result["status"] == "created", result
    pid = patient.user["patient_id"]
    injection = {
        "kind": "guided_injection",
        "event_date": TODAY,
        "details": {
            "target": "piriformis",
            "guidance": "ultrasound",
            "pain_before": 7,
            "pain_after": 2,
        },
    }
    made = clinician.post(f"/patients/{pid}/clinical-events", json=injection).get_json()
    seen, _ = _pull_all(other_phone, cursor)
    assert seen["postop_checks"] == [check["id"]]
    assert seen["clinical_events"] == [made["id"]]


def test_logs_stored_before_the_feed_knew_them_are_added_once_by_the_migration(
    clean_app, patient, plan
):
    """The migration that put logs on the feed gives a new device the history from before."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from server.extensions import db

    events = [_pain_event(2), _exercise_event(plan), _red_flag_event()]
    patient.post("/sync", json={"events": events})
    migration = _migration("af63ff912b23_logs_join_the_change_feed.py")
    with clean_app.app_context():
        for step in (migration.downgrade, migration.upgrade):
            with db.engine.begin() as connection:
                with Operations.context(MigrationContext.configure(connection)):
                    step()
            if step is migration.downgrade:
                gone, _ = _pull_all(patient)
                assert all(ids == [] for ids in gone.values()), "as before the revision"
    seen, _ = _pull_all(patient)
    assert seen["pain_logs"] == [events[0]["id"]]
    assert seen["exercise_logs"] == [events[1]["id"]]
    assert seen["red_flag_checks"] == [events[2]["id"]]


def _migration(name: str):
    """Import one revision file of server/migrations/versions."""
    import importlib.util
    from pathlib import Path

    import server

    path = Path(server.__file__).parent / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pushes_from_many_devices_at_once_reach_a_pulling_device_each_once(client, patient, plan):
    """Writers commit in any order; the feed's ids must still never let a cursor skip one."""
    import threading

    phones = [sign_in(client, "pat@example.org") for _ in range(4)]
    reader = sign_in(client, "pat@example.org")
    _, cursor = _pull_all(reader)
    pushed: list[str] = []
    seen: list[str] = []
    done = threading.Event()

    def push(phone):
        for _ in range(8):
            events = [_pain_event(n) for n in range(3)]
            results = phone.post("/sync", json={"events": events}).get_json()["results"]
            assert {r["status"] for r in results} == {"created"}
            pushed.extend(e["id"] for e in events)

    def pull():
        nonlocal cursor
        while not done.is_set():
            page, cursor = _pull_all(reader, cursor)
            seen.extend(page["pain_logs"])

    writers = [threading.Thread(target=push, args=(phone,)) for phone in phones]
    puller = threading.Thread(target=pull)
    puller.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(60)
    done.set()
    puller.join(60)
    rest, _ = _pull_all(reader, cursor)
    seen += rest["pain_logs"]
    assert len(pushed) == 4 * 8 * 3
    assert sorted(seen) == sorted(pushed), "every log once, none skipped by the cursor"


def test_the_openapi_document_describes_the_logs_of_the_pull(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    changes = spec["components"]["schemas"]["Changes"]["properties"]
    documented = {key: changes[key]["items"]["$ref"].rsplit("/", 1)[1] for key in LOG_KEYS}
    assert documented == {
        "exercise_logs": "ExerciseLog",
        "pain_logs": "PainLog",
        "red_flag_checks": "RedFlagResult",
        "postop_checks": "PostopCheckResult",
        "clinical_events": "ClinicalEvent",
    }
