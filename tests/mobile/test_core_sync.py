"""The sync engine: backoff, status line, and real round trips against the live server."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.redflags import QUESTIONS
from mobile.core.api import ApiClient, ApiError
from mobile.core.sync import SyncEngine, SyncState, backoff_delay
from mobile.core.today import log_exercise, log_pain, submit_red_flag_check, today_view

from .conftest import DEMO_PASSWORD, DEMO_PATIENT, DEMO_PHYSIO, sign_in_store

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
USER = {"id": 1, "patient_id": 1, "role": "patient"}


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


class ScriptedClient:
    """A fake ApiClient whose /sync answers (or exceptions) are scripted."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, url, token):
        return self

    def sync(self, cursor, events):
        self.calls.append((cursor, [e["id"] for e in events]))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get(self, path, **query):
        return []


def _ok(results=()):
    return {"results": list(results), "changes": {}, "cursor": 1, "has_more": False}


def test_the_retry_ladder_climbs_from_two_seconds_to_one_minute():
    assert [backoff_delay(n) for n in range(0, 8)] == [0, 2, 5, 15, 30, 60, 60, 60]
    assert backoff_delay(10_000) == 60


def _waits(engine, clock, failures):
    """Return the waits (s) the engine sets after each of `failures` failing syncs."""
    waits = []
    for _ in range(failures):
        state = engine.sync_once()
        waits.append((state.next_attempt - clock.now).total_seconds())
        clock.now = state.next_attempt
    return waits


def test_failures_climb_the_ladder_and_a_success_resets(store):
    store.save_session("http://stride.test", "tok", USER)
    offline = ApiError(None, "Cannot reach the server.")
    answers = [offline, offline, ApiError(500, "boom"), offline, offline, offline, _ok(), offline]
    client, clock = ScriptedClient(*answers), Clock()
    engine = SyncEngine(store, client, clock)
    assert engine.due()
    state = engine.sync_once()
    assert state.last_error == "Cannot reach the server." and state.offline
    assert state.next_attempt == T0 + timedelta(seconds=2)
    assert not engine.due(T0 + timedelta(seconds=1)) and engine.due(T0 + timedelta(seconds=2))
    clock.now = state.next_attempt
    assert _waits(engine, clock, 1) == [5]
    assert _waits(engine, clock, 1) == [15] and not engine.state().offline  # the HTTP 500
    assert _waits(engine, clock, 3) == [30, 60, 60]  # never more than a minute
    state = engine.sync_once()
    assert state.last_error is None and state.next_attempt is None and engine.failures == 0
    assert state.last_success == clock.now and engine.due()
    assert _waits(engine, clock, 1) == [2]  # the ladder starts again from its first step


@pytest.mark.parametrize(
    "answer",
    [
        ValueError("boom"),
        {"results": "nope", "changes": {}, "cursor": 1, "has_more": False},
        {"results": [], "changes": {}, "cursor": "1", "has_more": False},
        {"results": [{"id": "x", "status": "created"}], "changes": None, "cursor": 1},
        ["not", "a", "dict"],
        {"results": [], "changes": {"pain_logs": "x"}, "cursor": 1, "has_more": False},
        {"results": [], "changes": {"pain_logs": [{"nprs": 3}]}, "cursor": 1, "has_more": False},
    ],
)
def test_a_garbled_answer_keeps_the_outbox(store, answer):
    store.save_session("http://stride.test", "tok", USER)
    event = store.enqueue("pain_log", {"local_date": "2026-11-22", "nprs": 3, "context": "rest"})
    state = SyncEngine(store, ScriptedClient(answer), Clock()).sync_once()
    assert state.last_error and state.pending == 1
    assert [e["id"] for e in store.outbox()] == [event] and store.get_cursor() == 0


def test_the_network_coming_back_retries_at_once_and_restarts_the_ladder(store):
    store.save_session("http://stride.test", "tok", USER)
    offline = ApiError(None, "Cannot reach the server.")
    client, clock = ScriptedClient(offline, offline, offline, offline), Clock()
    engine = SyncEngine(store, client, clock)
    assert not engine.reachable(), "nothing failed: nothing to retry"
    assert _waits(engine, clock, 2) == [2, 5]
    assert engine.sync_once().next_attempt == clock.now + timedelta(seconds=15)
    clock.now += timedelta(seconds=3)
    assert not engine.due()
    assert engine.reachable() and engine.due() and engine.failures == 0
    assert not engine.reachable(), "once is enough"
    assert _waits(engine, clock, 1) == [2]


def test_the_network_coming_back_does_not_cure_a_server_error_or_a_refused_token(store):
    store.save_session("http://stride.test", "tok", USER)
    answers = [ApiError(500, "boom"), ApiError(401, "The token has been revoked.")]
    client, clock = ScriptedClient(*answers), Clock()
    engine = SyncEngine(store, client, clock)
    for _ in answers:
        engine.sync_once()
        assert not engine.reachable() and not engine.due()


def test_a_pull_brings_the_logs_of_the_patients_other_devices(store):
    store.save_session("http://stride.test", "tok", USER)
    mine = log_pain(store, T0.date(), 2, "rest")
    theirs = {
        "id": "2b0a3c4e-0000-4000-8000-000000000001",
        "patient_id": 1,
        "local_date": T0.date().isoformat(),
        "nprs": 6,
        "context": "walking",
        "received_at": "2026-11-22T08:00:00+00:00",
    }
    mine_on_server = {**store.outbox()[0]["data"], "id": mine, "patient_id": 1}
    mine_on_server["received_at"] = "2026-11-22T09:00:00+00:00"
    changes = {"pain_logs": [theirs, mine_on_server], "exercise_logs": []}
    answer = {**_ok([{"id": mine, "status": "created"}]), "changes": changes}
    state = SyncEngine(store, ScriptedClient(answer), Clock()).sync_once()
    assert state.last_error is None and state.pending == 0
    rows = store.pain_logs()
    assert [(r["id"], r["nprs"], r["pending"]) for r in rows] == [
        (theirs["id"], 6, False),
        (mine, 2, False),
    ], "in the server's order, the device's own entry once"


def test_not_signed_in_is_reported(store):
    state = SyncEngine(store, ScriptedClient(), Clock()).sync_once()
    assert state.last_error == "Not signed in." and state.needs_sign_in


def test_a_revoked_token_asks_for_sign_in_and_keeps_the_outbox(live_server, patient_store):
    store, _ = patient_store
    ApiClient(live_server.url, store.get_session()["token"]).sign_out()
    log_pain(store, datetime.now(UTC).date(), 3, "rest")
    engine = SyncEngine(store)
    state = engine.sync_once()
    assert state.needs_sign_in and state.pending == 1
    assert engine.status_text(state) == "Sign in again to sync: 1 entry waiting"


def test_status_text():
    engine = SyncEngine(None, ScriptedClient(), Clock())
    base = SyncState(0, None, None, None, False)
    later = T0 + timedelta(seconds=95)

    def text(**changes):
        return engine.status_text(SyncState(**{**base.__dict__, **changes}), now=T0)

    assert text() == "All changes synced"
    assert text(pending=1) == "1 entry waiting to sync"
    assert text(pending=3) == "3 entries waiting to sync"
    assert text(pending=3, last_error="x", offline=True, next_attempt=later) == (
        "Offline: 3 entries waiting, next try in 2 min"
    )
    assert text(last_error="x", offline=True, next_attempt=T0) == "Offline: next try now"
    assert text(pending=2, last_error="HTTP 500", next_attempt=T0 + timedelta(seconds=20)) == (
        "Sync failed: 2 entries waiting, next try in 20 s"
    )
    assert text(pending=3, in_progress=True) == "Syncing 3 entries…"
    assert text(pending=1, last_error="x", needs_sign_in=True) == (
        "Sign in again to sync: 1 entry waiting"
    )
    assert text(rejected=1, rejected_message="invalid event (nprs: too high)") == (
        "1 entry refused by the server: invalid event (nprs: too high)"
    )


def test_demo_patient_first_sync_pulls_plan_protocol_and_history(live_server, demo_patient_store):
    store = demo_patient_store
    engine = SyncEngine(store)
    state = engine.sync_once()
    assert state.last_error is None and engine.status_text(state) == "All changes synced"
    plan = store.active_plan()
    assert plan["protocol_id"] == "piriformis-neural-gliding" and len(plan["revisions"]) == 4
    assert store.protocol("piriformis-neural-gliding", plan["protocol_version"])["phases"]
    assert len(store.exercise_logs()) > 100 and len(store.pain_logs()) > 30
    cursor = store.get_cursor()
    assert cursor > 0
    today = datetime.now(UTC).date()
    assert today_view(store, today).phase_id == "load-and-retrain"
    assert engine.sync_once().last_error is None and store.get_cursor() == cursor


def test_a_days_work_reaches_the_server_and_the_physio(live_server, patient_store):
    store, patient = patient_store
    engine = SyncEngine(store)
    engine.sync_once()
    today = datetime.now(UTC).date()
    view = today_view(store, today)
    for item in view.items:
        log_exercise(store, view, item, item.sets_due, "done", pain_before=3, pain_after=2)
    log_pain(store, today, 4, "sitting")
    answers = {q.key: q.key == "fever" for q in QUESTIONS}
    assert submit_red_flag_check(store, today, answers).level == "urgent"
    assert engine.status_text() == f"{len(view.items) + 2} entries waiting to sync"
    assert engine.sync_once().pending == 0
    assert [a["rule_id"] for a in store.alerts()] == ["R-RED"]  # raised and pulled in one go
    physio = ApiClient(live_server.url)
    physio.sign_in(DEMO_PHYSIO, DEMO_PASSWORD)
    pid = patient["patient_id"]
    logged = physio.get(f"/patients/{pid}/exercise-logs", **{"from": today})
    assert {row["id"] for row in logged} == {i["id"] for i in store.exercise_logs(today, today)}
    assert [row["nprs"] for row in physio.get(f"/patients/{pid}/pain-logs")] == [4]
    assert today_view(store, today).sets_done == view.sets_due


def test_a_physio_revision_reaches_today_on_the_next_sync(live_server, patient_store):
    store, patient = patient_store
    engine = SyncEngine(store)
    engine.sync_once()
    today = datetime.now(UTC).date()
    physio = ApiClient(live_server.url)
    physio.sign_in(DEMO_PHYSIO, DEMO_PASSWORD)
    physio.patch(
        f"/plans/{patient['plan']['id']}",
        {
            "reason": "Clamshells are easy: one more set.",
            "effective_from": today.isoformat(),
            "operations": [
                {"op": "set_dose", "exercise_id": "side-lying-clamshell", "dose": {"sets": 3}}
            ],
        },
    )
    engine.sync_once()
    items = {i.exercise_id: i for i in today_view(store, today).items}
    assert items["side-lying-clamshell"].sets_due == 3


def test_a_refused_event_is_kept_and_shown(live_server, patient_store):
    store, _ = patient_store
    engine = SyncEngine(store)
    future = datetime.now(UTC).date() + timedelta(days=5)
    bad = store.enqueue(
        "pain_log", {"local_date": future.isoformat(), "nprs": 2, "context": "rest"}
    )
    state = engine.sync_once()
    assert state.pending == 0 and state.rejected == 1
    assert [r["id"] for r in store.rejected()] == [bad] and store.pain_logs() == []
    assert engine.status_text(state).startswith("1 entry refused by the server: ")
    assert "in the future" in engine.status_text(state)


def test_more_than_one_batch_is_pushed_in_one_sync(live_server, patient_store):
    store, patient = patient_store
    today = datetime.now(UTC).date()
    made = {log_pain(store, today - timedelta(days=n % 10), n % 11, "rest") for n in range(620)}
    state = SyncEngine(store).sync_once()
    assert state.last_error is None and state.pending == 0
    client = ApiClient(live_server.url, store.get_session()["token"])
    rows = client.get(f"/patients/{patient['patient_id']}/pain-logs", limit=1000)
    assert {r["id"] for r in rows} == made == {r["id"] for r in store.pain_logs()}


class RecordingClient(ApiClient):
    """A real ApiClient that notes every request's method and path."""

    calls: list[tuple[str, str]] = []

    def _call(self, method, path, body=None):
        self.calls.append((method, path.split("?")[0]))
        return super()._call(method, path, body)


def _second_device(store, live_server, patient):
    other = store.__class__(store.path + ".second")
    sign_in_store(other, live_server.url, patient["email"], patient["password"])
    return other


def test_a_second_device_sees_the_first_devices_entries_after_its_next_sync(
    live_server, patient_store, new_patient
):
    store, patient = patient_store
    engine = SyncEngine(store)
    engine.sync_once()
    today = datetime.now(UTC).date()
    view = today_view(store, today)
    done = log_exercise(store, view, view.items[0], view.items[0].sets_due, "done")
    pain = log_pain(store, today, 6, "walking", tingling=True)
    submit_red_flag_check(store, today, {q.key: False for q in QUESTIONS})
    [check] = [e["id"] for e in store.outbox() if e["type"] == "red_flag_check"]
    phone = _second_device(store, live_server, patient)
    stranger = new_patient()
    strangers_phone = store.__class__(store.path + ".stranger")
    sign_in_store(strangers_phone, live_server.url, stranger["email"], stranger["password"])
    try:
        RecordingClient.calls = []
        assert SyncEngine(phone, RecordingClient).sync_once().last_error is None
        assert phone.pain_logs() == [], "not pushed yet: nothing to see"
        assert engine.sync_once().pending == 0
        assert SyncEngine(phone, RecordingClient).sync_once().last_error is None
        [seen] = phone.pain_logs()
        assert (seen["id"], seen["nprs"], seen["tingling"]) == (pain, 6, True)
        assert [r["id"] for r in phone.exercise_logs()] == [done]
        assert [r["id"] for r in phone.red_flag_checks()] == [check]
        assert today_view(phone, today).sets_done == view.items[0].sets_due
        # The history comes with the pull: no log list is read after a sync.
        assert {path for _method, path in RecordingClient.calls} == {"/sync", "/me"}
        assert SyncEngine(strangers_phone).sync_once().last_error is None
        assert strangers_phone.pain_logs() == [] and strangers_phone.exercise_logs() == []
    finally:
        phone.close()
        strangers_phone.close()


def test_a_long_history_arrives_in_pages_of_the_feed(live_server, patient_store):
    store, patient = patient_store
    today = datetime.now(UTC).date()
    made = {log_pain(store, today - timedelta(days=n // 2), n % 11, "rest") for n in range(7)}
    assert SyncEngine(store).sync_once().pending == 0
    phone = _second_device(store, live_server, patient)
    config = live_server.app.config
    page = config["SYNC_PAGE_SIZE"]
    config["SYNC_PAGE_SIZE"] = 3  # the plan, its protocol and seven logs: four pages
    try:
        RecordingClient.calls = []
        assert SyncEngine(phone, RecordingClient).sync_once().last_error is None
        assert {r["id"] for r in phone.pain_logs()} == made
        assert RecordingClient.calls.count(("POST", "/sync")) >= 3
        assert phone.active_plan()["id"] == patient["plan"]["id"]
    finally:
        config["SYNC_PAGE_SIZE"] = page
        phone.close()


def test_api_client_errors(live_server):
    client = ApiClient(live_server.url)
    with pytest.raises(ApiError) as wrong:
        client.sign_in(DEMO_PATIENT, "not the password")
    assert wrong.value.status == 401 and wrong.value.message
    with pytest.raises(ApiError) as invalid:
        client.post("/auth/tokens", {"email": "x"})
    assert invalid.value.status == 422 and "password" in invalid.value.errors["json"]
    client.sign_in(DEMO_PATIENT, DEMO_PASSWORD)
    assert client.get("/me")["email"] == DEMO_PATIENT
    token = client.token
    client.sign_out()
    assert client.token is None
    with pytest.raises(ApiError) as revoked:
        ApiClient(live_server.url, token).get("/me")
    assert revoked.value.status == 401
    with pytest.raises(ApiError) as down:
        ApiClient("http://127.0.0.1:9", timeout=2).get("/me")
    assert down.value.status is None and down.value.offline
