"""Nothing lost, nothing doubled: sync against the real server through a fault-injecting proxy.

Each case breaks one sync in a different place; the next normal sync must converge: the
server's rows are exactly the device's UUIDs, the outbox is empty and the device mirror matches.
"""

import http.client
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from domain import redflags
from mobile.core import urgent
from mobile.core.api import ApiClient
from mobile.core.store import Store
from mobile.core.sync import URGENT_RETRY_S, SyncEngine
from mobile.core.today import log_exercise, log_pain, submit_red_flag_check, today_view

from .conftest import sign_in_store

ERROR = b'{"code": 500, "status": "Internal Server Error", "message": "injected"}'
SLOW_S = 3.0
CLIENT_TIMEOUT_S = 2.0  # well under SLOW_S, well over a loaded machine's normal answer
EXPECTED_ERRORS = {
    "drop": {"The connection failed (RemoteDisconnected)."},
    "500_before": {"injected"},
    "500_after": {"injected"},
    "garbage": {"The server sent an answer that is not JSON."},
    "slow": {"The server did not answer in time."},
}


class FaultProxy:
    """Forward HTTP to the live server; break the next /sync requests as told."""

    def __init__(self, target: str):
        self.target = urlsplit(target)
        self.faults: list[str] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                proxy.relay(self)

            do_POST = do_PATCH = do_DELETE = do_GET

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"

    def fail_next(self, *modes: str) -> None:
        with self.lock:
            self.faults.extend(modes)

    def _fault_for(self, path: str) -> str | None:
        with self.lock:
            return self.faults.pop(0) if self.faults and "/sync" in path else None

    def relay(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        fault = self._fault_for(handler.path)
        if fault == "500_before":
            return _answer(handler, 500, ERROR)
        upstream = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=30)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
            upstream.request(handler.command, handler.path, body or None, headers)
            response = upstream.getresponse()
            status, payload = response.status, response.read()
        finally:
            upstream.close()
        if fault == "drop":  # the server stored it; the device hears nothing back
            handler.close_connection = True
            return None
        if fault == "500_after":
            return _answer(handler, 500, ERROR)
        if fault == "garbage":
            return _answer(handler, 200, b"<html>proxy error</html>")
        if fault == "slow":
            time.sleep(SLOW_S)
        return _answer(handler, status, payload)

    def close(self) -> None:
        self.httpd.shutdown()
        self.thread.join(10)
        self.httpd.server_close()


def _answer(handler: BaseHTTPRequestHandler, status: int, payload: bytes) -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
    except OSError:
        pass  # the client gave up (timeout): exactly the case under test


@pytest.fixture(scope="module")
def proxy(live_server):
    fault_proxy = FaultProxy(live_server.url)
    yield fault_proxy
    fault_proxy.close()


def _engine(store: Store) -> SyncEngine:
    return SyncEngine(store, lambda url, token: ApiClient(url, token, timeout=CLIENT_TIMEOUT_S))


@pytest.fixture()
def device(live_server, proxy, new_patient, tmp_path):
    """Return (store, patient): a fresh patient whose app talks through the proxy, plan pulled."""
    patient = new_patient()
    store = Store(str(tmp_path / "device.sqlite3"))
    sign_in_store(store, proxy.url, patient["email"], patient["password"])
    assert _engine(store).sync_once().last_error is None
    yield store, patient
    store.close()


def _a_days_work(store: Store) -> set[str]:
    """Log a day as a patient would: every exercise, two pain scores, a red-flag check."""
    today = datetime.now(UTC).date()
    view = today_view(store, today)
    for n, item in enumerate(view.items):
        if n % 2:
            log_exercise(store, view, item, 0, "skipped", "no_time")
        else:
            log_exercise(store, view, item, item.sets_due, "done")
    log_pain(store, today, 5, "rest")
    log_pain(store, today, 6, "after_exercise", tingling=True)
    submit_red_flag_check(store, today, redflags.all_no())
    return {event["id"] for event in store.outbox()}


def _server_ids(live_server, patient) -> list[str]:
    client = ApiClient(live_server.url)
    client.sign_in(patient["email"], patient["password"])
    pid = patient["patient_id"]
    kinds = ("exercise-logs", "pain-logs", "red-flag-checks")
    return [row["id"] for kind in kinds for row in client.get(f"/patients/{pid}/{kind}")]


def _assert_converged(live_server, store, patient, made: set[str]) -> None:
    on_server = _server_ids(live_server, patient)
    assert sorted(on_server) == sorted(made)  # nothing lost, nothing doubled
    assert store.outbox() == [] and store.pending_count() == 0 and store.rejected() == []
    mirrored = store.exercise_logs() + store.pain_logs() + store.red_flag_checks()
    assert sorted(row["id"] for row in mirrored) == sorted(made)
    assert not any(row["pending"] for row in mirrored)


@pytest.mark.parametrize(
    "fault, stored_by_failed_sync",
    [("drop", True), ("500_before", False), ("500_after", True), ("garbage", True), ("slow", True)],
)
def test_a_broken_sync_is_repaired_by_the_next(
    live_server, proxy, device, fault, stored_by_failed_sync
):
    store, patient = device
    made = _a_days_work(store)
    engine = _engine(store)
    proxy.fail_next(fault)
    state = engine.sync_once()
    assert state.last_error in EXPECTED_ERRORS[fault]
    assert state.pending == len(made) and state.next_attempt
    if fault == "slow":
        time.sleep(SLOW_S)  # let the server's late answer come and go
    assert set(_server_ids(live_server, patient)) == (made if stored_by_failed_sync else set())
    state = engine.sync_once()
    assert state.last_error is None and engine.status_text(state) == "All changes synced"
    _assert_converged(live_server, store, patient, made)


def test_failing_twice_in_a_row_still_converges(live_server, proxy, device):
    store, patient = device
    made = _a_days_work(store)
    engine = _engine(store)
    proxy.fail_next("drop", "500_after")
    assert engine.sync_once().last_error and engine.sync_once().last_error
    assert engine.failures == 2
    more = {log_pain(store, datetime.now(UTC).date(), 2, "walking")}
    assert engine.sync_once().last_error is None
    _assert_converged(live_server, store, patient, made | more)


class Killed(BaseException):
    """The app process dies: nothing after this point runs."""


class DiesBeforeAcknowledging(Store):
    def acknowledge(self, results):
        raise Killed


def test_app_killed_between_push_and_acknowledgement(live_server, proxy, device, tmp_path):
    store, patient = device
    made = _a_days_work(store)
    store.close()
    doomed = DiesBeforeAcknowledging(store.path)
    with pytest.raises(Killed):
        _engine(doomed).sync_once()
    doomed.close()
    assert set(_server_ids(live_server, patient)) == made  # pushed, never acknowledged
    answers = []

    def recording(url, token):
        client = ApiClient(url, token)
        original = client.sync

        def sync(cursor, events):
            answers.append(original(cursor, events))
            return answers[-1]

        client.sync = sync
        return client

    restarted = Store(store.path)
    try:
        assert restarted.pending_count() == len(made)
        assert SyncEngine(restarted, recording).sync_once().last_error is None
        assert {r["status"] for r in answers[0]["results"]} == {"duplicate"}
        _assert_converged(live_server, restarted, patient, made)
    finally:
        restarted.close()


def test_the_same_events_pushed_twice(live_server, proxy, device, tmp_path):
    store, patient = device
    made = _a_days_work(store)
    events = store.outbox()
    token = store.get_session()["token"]
    raw = ApiClient(live_server.url, token)
    # Twice in one request, then again in another: one row each.
    first = raw.sync(0, events + events)["results"]
    assert [r["status"] for r in first] == ["created"] * len(events) + ["duplicate"] * len(events)
    assert {r["status"] for r in raw.sync(0, events)["results"]} == {"duplicate"}
    # A device restored from a backup taken before it synced pushes them all once more.
    store.close()
    backup = str(tmp_path / "backup.sqlite3")
    shutil.copy(store.path, backup)
    for path in (store.path, backup):
        copy = Store(path)
        try:
            assert _engine(copy).sync_once().last_error is None
            _assert_converged(live_server, copy, patient, made)
        finally:
            copy.close()


def test_a_red_flag_made_while_the_server_fails_goes_first_at_the_next_try(
    live_server, proxy, device
):
    store, patient = device
    made = _a_days_work(store)
    answers = {**redflags.all_no(), "saddle_numbness": True}
    submit_red_flag_check(store, datetime.now(UTC).date(), answers)
    [flag] = {event["id"] for event in store.outbox()} - made
    engine = _engine(store)
    proxy.fail_next("500_before", "500_before", "500_before")
    for _ in range(3):  # the backoff would have grown to 20 s by now
        before = datetime.now(UTC)
        state = engine.sync_once()
        assert state.urgent_waiting and engine.status_text(state).startswith(
            "Not sent yet: do not wait for us, call 999 · next try in"
        )
        assert state.next_attempt - before <= timedelta(seconds=URGENT_RETRY_S + 1)
    assert engine.sync_once().last_error is None
    episode = urgent.active_episode(store)
    assert episode["event_id"] == flag and episode["sent"] and episode["alert_ids"]
    assert {a["rule_id"] for a in store.alerts()} == {"R-RED"}
    _assert_converged(live_server, store, patient, made | {flag})
