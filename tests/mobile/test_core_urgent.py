"""Urgent first: the outbox order, the urgent episode's lifecycle, contacts, older devices."""

import json
import sqlite3
from datetime import date, timedelta

import pytest

from domain import postop, redflags
from domain.stops import STOP_EMERGENCY, STOP_URGENT_POSTOP
from mobile.core import urgent
from mobile.core.store import Store
from mobile.core.today import (
    log_exercise,
    log_pain,
    submit_postop_check,
    submit_red_flag_check,
    today_view,
)

START = date(2026, 11, 2)
URL = "http://stride.test"
USER = {"id": 1, "patient_id": 1, "role": "patient"}


@pytest.fixture()
def repair(store, load_plan):
    store.save_session(URL, "tok", USER)
    load_plan("hamstring-repair", START, surgery=START - timedelta(days=3))
    return today_view(store, START)


def _item(view, exercise_id):
    return next(i for i in view.items if i.exercise_id == exercise_id)


def _stop(store, view, level, exercise_id="ankle-pumps"):
    """Log a session stopped for the first stop sign of this level; return the event UUID."""
    item = _item(view, exercise_id)
    sign = next(s for s in item.stop_if if s.level == level)
    return log_exercise(store, view, item, 0, "skipped", "stop_if", stop_if_id=sign.id)


def test_urgent_events_go_first_then_the_checks_then_the_rest(store, repair):
    view = repair
    quads = _item(view, "quad-sets")
    done = log_exercise(store, view, quads, quads.sets_due, "done")
    minor = _stop(store, view, "stop", "quad-sets")
    submit_red_flag_check(store, START, redflags.all_no())
    check = store.outbox()[0]["id"]
    pain = log_pain(store, START, 6, "rest")
    calf = _stop(store, view, "urgent")
    yes = {**postop.all_no(3), "calf_pain_swelling": True}
    submit_postop_check(store, START, yes)
    postop_id = store.outbox()[1]["id"]
    assert [e["id"] for e in store.outbox()] == [calf, postop_id, check, done, minor, pain]
    assert store.outbox()[1]["type"] == "postop_check"
    assert store.urgent_count() == 2 and urgent.urgent_waiting(store)
    store.acknowledge([{"id": calf, "status": "created"}, {"id": postop_id, "status": "created"}])
    assert not urgent.urgent_waiting(store)  # a stop that needs no one today is not urgent


def test_an_urgent_stop_opens_the_episode_and_pauses_the_exercises(store, repair):
    assert urgent.active_episode(store) is None and not urgent.exercises_paused(store)
    _stop(store, repair, "stop", "quad-sets")
    assert urgent.active_episode(store) is None
    calf = _stop(store, repair, "urgent")
    episode = urgent.active_episode(store)
    assert episode | {"opened_at": None} == {
        "level": "urgent",
        "advice": STOP_URGENT_POSTOP,
        "event_id": calf,
        "source": "stop_sign",
        "opened_at": None,
        "sent": False,
        "alert_ids": [],
    }
    assert urgent.exercises_paused(store)


def test_a_review_stop_tells_the_physio_and_an_emergency_stop_opens_the_episode(store, load_plan):
    store.save_session(URL, "tok", USER)
    load_plan("piriformis-neural-gliding", START)
    view = today_view(store, START)
    _stop(store, view, "review", "seated-sciatic-slider")
    assert urgent.active_episode(store) is None and not urgent.urgent_waiting(store)
    cauda = _stop(store, view, "emergency", "seated-sciatic-slider")
    episode = urgent.active_episode(store)
    assert (episode["level"], episode["advice"]) == ("emergency", STOP_EMERGENCY)
    assert store.outbox()[0]["id"] == cauda and urgent.exercises_paused(store)


def test_sent_only_after_a_result_for_its_event_names_an_alert(store, repair):
    calf = _stop(store, repair, "urgent")
    urgent.note_results(store, [{"id": calf, "status": "created", "level": "urgent"}])
    urgent.note_results(store, [{"id": "another", "status": "created", "alert_ids": [9]}])
    urgent.note_results(store, [{"id": calf, "status": "created", "alert_ids": []}])
    assert not urgent.active_episode(store)["sent"]
    urgent.note_results(store, [{"id": calf, "status": "duplicate", "alert_ids": [7]}])
    episode = urgent.active_episode(store)
    assert episode["sent"] and episode["alert_ids"] == [7]


def test_closed_when_a_clinician_acknowledges_or_decides_one_of_its_alerts(store, repair):
    calf = _stop(store, repair, "urgent")
    urgent.note_results(store, [{"id": calf, "status": "created", "alert_ids": [7]}])
    urgent.note_alerts(store, [{"id": 7, "status": "open"}, {"id": 8, "status": "decided"}])
    assert urgent.exercises_paused(store)
    urgent.note_alerts(store, [{"id": 7, "status": "acknowledged"}])
    assert urgent.active_episode(store) is None and not urgent.exercises_paused(store)
    again = _stop(store, repair, "urgent")
    urgent.note_results(store, [{"id": again, "status": "created", "alert_ids": [11]}])
    urgent.note_alerts(store, [{"id": 11, "status": "decided"}])
    assert urgent.active_episode(store) is None


def test_closed_when_the_patient_confirms_they_got_care(store, repair):
    _stop(store, repair, "urgent")
    urgent.confirm_care(store)
    assert urgent.active_episode(store) is None and not urgent.exercises_paused(store)
    assert urgent.urgent_waiting(store)  # the event still goes to the care team


def test_the_most_serious_advice_leads_and_must_itself_be_sent(store, repair):
    calf = _stop(store, repair, "urgent")
    urgent.note_results(store, [{"id": calf, "status": "created", "alert_ids": [7]}])
    assert urgent.active_episode(store)["sent"]
    chest = _stop(store, repair, "emergency")
    episode = urgent.active_episode(store)
    assert (episode["level"], episode["event_id"], episode["sent"]) == ("emergency", chest, False)
    late = _stop(store, repair, "urgent")  # a later, lesser sign does not hide the emergency
    assert urgent.active_episode(store)["event_id"] == chest
    urgent.note_results(store, [{"id": chest, "status": "created", "alert_ids": [8]}])
    episode = urgent.active_episode(store)
    assert episode["sent"] and episode["alert_ids"] == [7, 8] and late != chest
    urgent.note_alerts(store, [{"id": 7, "status": "acknowledged"}])
    assert urgent.active_episode(store) is None  # a clinician has it: the whole episode ends


def test_only_advice_to_get_care_today_opens_an_episode(store, repair):
    with pytest.raises(ValueError):
        urgent.open_episode(store, "review", "A physio reviews this.", "x", "stop_sign")
    assert urgent.active_episode(store) is None


def test_the_episode_survives_a_restart_and_stays_with_its_account(tmp_path, load_plan):
    path = str(tmp_path / "device.sqlite3")
    first = Store(path)
    first.save_session(URL, "tok", USER)
    answers = {**redflags.all_no(), "bladder_bowel": True}
    submit_red_flag_check(first, START, answers)
    event_id = first.outbox()[0]["id"]
    urgent.note_results(first, [{"id": event_id, "status": "created", "alert_ids": [3]}])
    first.close()
    again = Store(path)
    try:
        episode = urgent.active_episode(again)
        assert (episode["event_id"], episode["sent"], episode["level"]) == (
            event_id,
            True,
            "emergency",
        )
        again.save_session(URL, "tok2", {**USER, "id": 2, "patient_id": 2})
        assert urgent.active_episode(again) is None and not urgent.exercises_paused(again)
        again.save_session(URL, "tok3", USER)
        assert urgent.active_episode(again)["event_id"] == event_id
    finally:
        again.close()


def test_contacts_from_the_server_with_settings_overriding(store):
    assert urgent.contacts(store) == {"emergency_number": "999", "clinic_phone": None}
    contacts = {"emergency_number": "112", "clinic_phone": "+44 20 7946 0000"}
    store.save_session(URL, "tok", {**USER, "contacts": contacts})
    assert urgent.contacts(store) == contacts
    store.set_setting("clinic_phone", "0161 496 0000")
    store.set_setting("emergency_number", "911")
    assert urgent.contacts(store) == {"emergency_number": "911", "clinic_phone": "0161 496 0000"}


OLD_OUTBOX = """
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    owner TEXT, patient_id INTEGER, data TEXT NOT NULL, queued_at TEXT NOT NULL);
CREATE TABLE logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    owner TEXT, local_date TEXT NOT NULL, data TEXT NOT NULL, received_at TEXT,
    state TEXT NOT NULL);
"""


def test_an_outbox_of_an_older_app_gets_its_priorities(tmp_path):
    path = str(tmp_path / "old.sqlite3")
    owner = f"{URL}#1"
    old = sqlite3.connect(path)
    old.executescript(OLD_OUTBOX)
    rows = [
        ("pain", "pain_log", {"local_date": "2026-11-02", "nprs": 4, "context": "rest"}),
        ("flag-no", "red_flag_check", {"local_date": "2026-11-02", "answers": {"fever": False}}),
        # A key this version no longer asks: its yes still counts as needing care today.
        (
            "flag-yes",
            "red_flag_check",
            {"local_date": "2026-11-02", "answers": {"night_pain_cancer_history": True}},
        ),
    ]
    for event_id, kind, data in rows:
        values = (event_id, kind, owner, None, json.dumps(data), "2026-11-02T08:00:00+00:00")
        old.execute(
            "INSERT INTO outbox (id, type, owner, patient_id, data, queued_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            values,
        )
        old.execute(
            "INSERT INTO logs (id, type, owner, local_date, data, state) VALUES (?, ?, ?, ?, ?, ?)",
            (event_id, kind, owner, data["local_date"], json.dumps(data), "pending"),
        )
    old.commit()
    old.close()
    for _ in range(2):  # the second opening finds the column and changes nothing
        store = Store(path)
        try:
            store.save_session(URL, "tok", USER)
            assert [e["id"] for e in store.outbox()][:3] == ["flag-yes", "flag-no", "pain"]
            assert urgent.urgent_waiting(store)
            assert [r["level"] for r in store.red_flag_checks()] == ["none", "urgent"]
            log_pain(store, START, 2, "rest")
            assert store.outbox()[-1]["type"] == "pain_log"
        finally:
            store.close()
