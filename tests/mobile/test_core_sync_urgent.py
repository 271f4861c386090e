"""Urgent events in the sync engine: retried within 5 s, the status line, sent and closed."""

import uuid
from datetime import UTC, date, datetime, timedelta

from domain import redflags
from mobile.core import urgent
from mobile.core.api import ApiClient, ApiError
from mobile.core.sync import URGENT_RETRY_S, SyncEngine
from mobile.core.today import (
    answer_nerve_followup,
    log_exercise,
    log_pain,
    nerve_followups_due,
    submit_red_flag_check,
    today_view,
)

from .conftest import DEMO_CLINICIAN, DEMO_PASSWORD, DEMO_PHYSIO, sign_in_store
from .test_core_sync import Clock, ScriptedClient, _ok, _waits

DAY = date(2026, 11, 22)
USER = {"id": 1, "patient_id": 1, "role": "patient"}
OFFLINE = ApiError(None, "Cannot reach the server.")
PATIENT_PASSWORD = "amber lantern river 8"


def _red_flag(store) -> str:
    submit_red_flag_check(store, DAY, {**redflags.all_no(), "bladder_bowel": True})
    return urgent.active_episode(store)["event_id"]


def test_a_waiting_urgent_event_is_retried_every_five_seconds(store):
    store.save_session("http://stride.test", "tok", USER)
    log_pain(store, DAY, 3, "rest")
    clock = Clock()
    client = ScriptedClient(*[OFFLINE] * 8, None, OFFLINE, OFFLINE)
    engine = SyncEngine(store, client, clock)
    assert _waits(engine, clock, 3) == [2, 5, 15]  # nothing urgent: the usual ladder
    flag = _red_flag(store)
    assert _waits(engine, clock, 5) == [URGENT_RETRY_S] * 5 == [5.0] * 5
    assert engine.failures == 8 and engine.state().urgent_waiting
    client.answers[0] = _ok([{"id": e["id"], "status": "created"} for e in store.outbox()])
    engine.sync_once()
    assert client.calls[-1][1][0] == flag
    assert not engine.state().urgent_waiting and engine.failures == 0
    assert _waits(engine, clock, 2) == [2, 5]  # sent: the ladder climbs again


def test_the_urgent_event_is_pushed_first(store):
    store.save_session("http://stride.test", "tok", USER)
    pain = log_pain(store, DAY, 3, "rest")
    flag = _red_flag(store)
    client = ScriptedClient(_ok())
    SyncEngine(store, client, Clock()).sync_once()
    assert client.calls == [(0, [flag, pain])]


def test_status_tells_the_patient_not_to_wait_while_it_is_not_sent(store):
    store.save_session(
        "http://stride.test", "tok", {**USER, "contacts": {"emergency_number": "112"}}
    )
    clock = Clock()
    engine = SyncEngine(store, ScriptedClient(OFFLINE, OFFLINE), clock)
    _red_flag(store)
    log_pain(store, DAY, 3, "rest")
    assert engine.status_text() == "2 entries waiting to sync"  # not tried yet: no alarm
    engine.sync_once()
    assert engine.status_text() == "Not sent yet: do not wait for us, call 112 · next try in 2 s"
    clock.now += timedelta(seconds=2)
    assert engine.status_text().endswith("· next try now")
    store.set_setting("emergency_number", "999")
    assert engine.status_text().startswith("Not sent yet: do not wait for us, call 999")


def test_a_refused_token_is_not_hammered_and_still_says_call(store):
    store.save_session("http://stride.test", "tok", USER)
    _red_flag(store)
    clock = Clock()
    engine = SyncEngine(store, ScriptedClient(*[ApiError(401, "Sign in again.")] * 3), clock)
    assert _waits(engine, clock, 3) == [2, 5, 15]  # the ladder, not the urgent 5 s
    state = engine.state()
    assert state.needs_sign_in
    assert engine.status_text(state) == (
        "Not sent yet: do not wait for us, call 999 · Sign in again to sync: 1 entry waiting"
    )


def test_not_sent_while_no_answer_named_an_alert(store):
    store.save_session("http://stride.test", "tok", USER)
    flag = _red_flag(store)
    result = {"id": flag, "type": "red_flag_check", "status": "created", "level": "emergency"}
    engine = SyncEngine(store, ScriptedClient(_ok([{**result, "alert_ids": []}])), Clock())
    state = engine.sync_once()
    assert state.pending == 0 and not state.urgent_waiting
    episode = urgent.active_episode(store)
    assert not episode["sent"] and episode["alert_ids"] == []


def test_sent_when_the_answer_names_the_alert_and_closed_once_it_is_acknowledged(store):
    store.save_session("http://stride.test", "tok", USER)
    flag = _red_flag(store)
    # The first push reached the server but its answer was lost: the re-push is a duplicate.
    duplicate = {"id": flag, "type": "red_flag_check", "status": "duplicate", "alert_ids": [4]}
    alert = {"id": 4, "rule_id": "R-RED", "severity": "urgent", "status": "open"}
    client = ScriptedClient(
        OFFLINE,
        _ok([duplicate]),
        {**_ok(), "changes": {"alerts": [alert]}},
        {**_ok(), "changes": {"alerts": [{**alert, "status": "acknowledged"}]}},
    )
    engine = SyncEngine(store, client, Clock())
    engine.sync_once()
    assert not urgent.active_episode(store)["sent"]
    engine.sync_once()
    episode = urgent.active_episode(store)
    assert episode["sent"] and episode["alert_ids"] == [4]
    engine.sync_once()
    assert urgent.exercises_paused(store)  # pulled but still open: nobody has it yet
    engine.sync_once()
    assert urgent.active_episode(store) is None and not urgent.exercises_paused(store)


def test_an_alert_acknowledged_before_a_new_report_reopened_it_does_not_close(store):
    store.save_session("http://stride.test", "tok", USER)
    alert = {"id": 4, "rule_id": "R-RED", "severity": "urgent", "status": "acknowledged"}
    store.apply_changes({"alerts": [alert]})  # pulled yesterday, before this report
    flag = _red_flag(store)
    result = {"id": flag, "type": "red_flag_check", "status": "created", "alert_ids": [4]}
    # The reopened alert comes in the second page of the pull.
    first = {**_ok([result]), "has_more": True}
    second = {**_ok(), "changes": {"alerts": [{**alert, "status": "open"}]}}
    SyncEngine(store, ScriptedClient(first, second), Clock()).sync_once()
    assert urgent.active_episode(store)["sent"] and urgent.exercises_paused(store)


class ServerWithMe(ScriptedClient):
    """A scripted server whose GET /me answers with the user's record as it is now."""

    def __init__(self, me, *answers):
        super().__init__(*answers)
        self.me = me

    def get(self, path, **query):
        return self.me if path == "/me" else []


def test_a_sync_brings_the_cancer_history_and_contacts_recorded_since_sign_in(store):
    store.save_session("http://stride.test", "tok", USER)
    night_pain = {**redflags.all_no(), "night_pain": True}
    assert submit_red_flag_check(store, DAY, night_pain).level == "review"
    recorded = {**USER, "cancer_history": True, "contacts": {"emergency_number": "112"}}
    SyncEngine(store, ServerWithMe({**recorded, "id": 2}, _ok()), Clock()).sync_once()
    assert submit_red_flag_check(store, DAY, night_pain).level == "review"  # not this user
    SyncEngine(store, ServerWithMe(recorded, _ok()), Clock()).sync_once()
    assert submit_red_flag_check(store, DAY, night_pain).level == "urgent"
    assert urgent.contacts(store)["emergency_number"] == "112"
    assert store.get_session()["token"] == "tok"


def _patient_with_clinician(live_server, store) -> ApiClient:
    """Make a patient whose care team has the demo clinician; sign the store in; return them."""
    physio, clinician = ApiClient(live_server.url), ApiClient(live_server.url)
    physio.sign_in(DEMO_PHYSIO, DEMO_PASSWORD)
    clinician.sign_in(DEMO_CLINICIAN, DEMO_PASSWORD)
    email = f"urgent.{uuid.uuid4().hex[:10]}@example.org"
    patient = physio.post(
        "/patients",
        {
            "email": email,
            "display_name": "Urgent Test",
            "timezone": "UTC",
            "care_team": [clinician.get("/me")["id"]],
        },
    )
    ApiClient(live_server.url).activate(email, patient["activation"]["code"], PATIENT_PASSWORD)
    start = datetime.now(UTC).date() - timedelta(days=14)
    physio.post(
        f"/patients/{patient['id']}/plans",
        {"protocol_id": "piriformis-neural-gliding", "start_date": start.isoformat()},
    )
    sign_in_store(store, live_server.url, email, PATIENT_PASSWORD)
    return clinician


def test_an_emergency_stop_reaches_the_clinician_and_their_acknowledgement_closes_it(
    live_server, store
):
    clinician = _patient_with_clinician(live_server, store)
    engine = SyncEngine(store)
    engine.sync_once()
    today = datetime.now(UTC).date()
    view = today_view(store, today)
    slider = next(i for i in view.items if i.is_neural_glide)
    sign = next(s for s in slider.stop_if if s.level == "emergency")
    log_pain(store, today, 4, "rest")
    log_exercise(store, view, slider, 0, "skipped", "stop_if", stop_if_id=sign.id)
    episode = urgent.active_episode(store)
    assert episode["level"] == "emergency" and not episode["sent"]
    assert engine.sync_once().last_error is None
    episode = urgent.active_episode(store)
    assert episode["sent"] and episode["alert_ids"]
    pulled = {a["id"]: a for a in store.alerts()}
    assert {pulled[n]["rule_id"] for n in episode["alert_ids"]} == {"R-STOP"}
    [row] = [r for r in store.exercise_logs(today, today) if r["status"] == "skipped"]
    assert (row["stop_symptom"], row["stop_level"]) == (sign.text, "emergency")
    clinician.post(f"/alerts/{episode['alert_ids'][0]}/acknowledge", {"note": "Phoned."})
    assert engine.sync_once().last_error is None
    assert urgent.active_episode(store) is None and not urgent.exercises_paused(store)


def test_a_lasting_answer_a_day_after_a_glide_supersedes_the_first_log_on_the_server(
    live_server, patient_store
):
    store, patient = patient_store
    engine = SyncEngine(store)
    engine.sync_once()
    now = datetime.now(UTC)
    yesterday = (now - timedelta(days=1)).date()
    view = today_view(store, yesterday)
    slider = next(i for i in view.items if i.is_neural_glide)
    first = log_exercise(
        store,
        view,
        slider,
        slider.sets_due,
        "done",
        nerve_symptoms="ongoing",
        now=now - timedelta(hours=25),
    )
    assert engine.sync_once().last_error is None
    [due] = nerve_followups_due(store)
    assert due["id"] == first
    follow_up = answer_nerve_followup(store, due, still_there=True)
    assert engine.sync_once().last_error is None and nerve_followups_due(store) == []
    reader = ApiClient(live_server.url, store.get_session()["token"])
    rows = {r["id"]: r for r in reader.get(f"/patients/{patient['patient_id']}/exercise-logs")}
    assert rows[follow_up]["supersedes"] == first
    assert rows[follow_up]["nerve_symptoms"] == "lasting"
    # R-NEURO itself is a sweep rule (the scheduler), not raised inside the request.
    assert _slider_answer(store, yesterday, slider) == "lasting"


def _slider_answer(store, day, slider):
    item = next(
        i
        for i in today_view(store, day).items
        if (i.exercise_id, i.slot_index) == (slider.exercise_id, slider.slot_index)
    )
    return item.nerve_symptoms
