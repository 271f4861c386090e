"""Sync the outbox with the server: push and pull in one round trip, retried on a short ladder.

Every step may fail (no network, timeout, HTTP 500, a garbled answer, the app killed half-way):
events leave the outbox only when a /sync answer names them, and the server stores each UUID at
most once, so the next sync converges whatever happened before. The pull is the whole refresh:
plans, alerts and the logs of every device of the patient come from the change feed after the
cursor, so nothing is re-read after an action. While an event that a person must act on today
waits, a failed sync is tried again within seconds whatever step the ladder has reached.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mobile.core import urgent
from mobile.core.api import ApiClient, ApiError
from mobile.core.formatting import plural, wait_text
from mobile.core.store import PULLED_LOGS

log = logging.getLogger(__name__)

BATCH = 500  # the server's limit of events per /sync
MAX_ROUNDS = 20  # bounded: at most 10,000 events or pages per sync, then the next sync goes on
# Design choice: the waits after 1, 2, 3, 4 and 5+ failures in a row. The app retries only while
# it is open (the Clock stops when a phone pauses it), so the first try comes after a blip (a
# lift, a tunnel), and the cap keeps an hour offline at about 60 attempts, each a refused
# connection: a patient who gets back online waits a minute at most, never 15.
RETRY_LADDER_S = (2.0, 5.0, 15.0, 30.0, 60.0)
# A red flag seen going out minutes after the server came back: urgent events do not back off.
URGENT_RETRY_S = 5.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SyncState:
    """What the sync status line shows."""

    pending: int
    last_success: datetime | None
    last_error: str | None
    next_attempt: datetime | None
    in_progress: bool
    offline: bool = False  # the last failure was a network failure (not a server error)
    rejected: int = 0
    rejected_message: str | None = None
    needs_sign_in: bool = False  # the server refused the token (expired or revoked)
    urgent_waiting: bool = False  # an event that a person must act on today is not sent yet


def entries(n: int) -> str:
    """Return "1 entry" / "3 entries"."""
    return plural(n, "entry", "entries")


def backoff_delay(failures: int) -> float:
    """Return the wait after this many failures in a row: 2 s, 5 s, 15 s, 30 s, then 1 min."""
    if failures <= 0:
        return 0.0
    return RETRY_LADDER_S[min(failures, len(RETRY_LADDER_S)) - 1]


class SyncEngine:
    """Run syncs (from a worker thread) and keep the state the UI shows."""

    def __init__(
        self,
        store,
        client_factory: Callable[[str, str | None], ApiClient] = ApiClient,
        clock: Callable[[], datetime] = _utcnow,
    ):
        self.store = store
        self._client_factory = client_factory
        self._clock = clock
        self._running = threading.Lock()
        self.failures = 0
        self._last_success: datetime | None = None
        self._last_error: str | None = None
        self._next_attempt: datetime | None = None
        self._offline = False
        self._needs_sign_in = False
        self._in_progress = False

    def sync_once(self) -> SyncState:
        """Push the outbox and pull changes until both are done (blocking; never raises)."""
        if not self._running.acquire(blocking=False):
            return self.state()  # another thread is syncing: its result will show
        self._in_progress = True
        try:
            self._sync()
        except ApiError as error:
            self._failed(error.message, error.offline, error.status == 401)
        except Exception as error:  # a worker thread must survive a garbled answer or a bug
            log.exception("sync failed")
            self._failed(f"Sync failed ({type(error).__name__}).")
        else:
            self.failures = 0
            self._last_success, self._last_error, self._next_attempt = self._clock(), None, None
            self._offline = self._needs_sign_in = False
        finally:
            self._in_progress = False
            self._running.release()
        return self.state()

    def _failed(self, message: str, offline: bool = False, signed_out: bool = False) -> None:
        self.failures += 1
        self._last_error, self._offline, self._needs_sign_in = message, offline, signed_out
        # A refused token does not heal within seconds; everything else may, so keep trying.
        wait = backoff_delay(self.failures)
        if not signed_out and urgent.urgent_waiting(self.store):
            wait = min(wait, URGENT_RETRY_S)
        self._next_attempt = self._clock() + timedelta(seconds=wait)

    def reachable(self) -> bool:
        """Note that the server answered another request; tell whether a retry is due now.

        Only after a network failure: the way to the server is back, so the ladder starts
        again and the waiting entries go at once. A server error or a refused token is not
        cured by the network coming back.
        """
        if self._in_progress or not (self.failures and self._offline):
            return False
        self.failures, self._next_attempt = 0, self._clock()
        return True

    def _sync(self) -> None:
        session = self.store.get_session()
        if session is None:
            raise ApiError(401, "Not signed in.")
        client = self._client_factory(session["server_url"], session["token"])
        for _ in range(MAX_ROUNDS):
            events = self.store.outbox(BATCH)
            answer = client.sync(self.store.get_cursor(), events)
            _check_answer(answer)
            # Everything read from an answer before the cursor and the acknowledgement: killed
            # in between, the next sync pulls and pushes again and reads it all again.
            self.store.apply_changes(answer["changes"])
            urgent.note_results(self.store, answer["results"])
            # Only this answer's alerts: a status pulled earlier may predate the episode (an
            # acknowledged alert that a new report has just reopened).
            urgent.note_alerts(self.store, answer["changes"].get("alerts") or [])
            self.store.set_cursor(answer["cursor"])
            self.store.acknowledge(answer["results"])
            more_to_push = len(events) >= BATCH and self.store.pending_count() > 0
            if not answer["has_more"] and not more_to_push:
                break
        user = client.get("/me")
        # Contacts and a recorded cancer history change on the server; offline triage uses them.
        if isinstance(user, dict) and user.get("id") == session["user"].get("id"):
            self.store.update_user(user)

    def state(self) -> SyncState:
        """Return the current sync state."""
        refused = self.store.rejected()
        return SyncState(
            pending=self.store.pending_count(),
            last_success=self._last_success,
            last_error=self._last_error,
            next_attempt=self._next_attempt,
            in_progress=self._in_progress,
            offline=self._offline,
            rejected=len(refused),
            rejected_message=_refusal(refused[-1]) if refused else None,
            needs_sign_in=self._needs_sign_in,
            urgent_waiting=urgent.urgent_waiting(self.store),
        )

    def due(self, now: datetime | None = None) -> bool:
        """Tell whether a sync may start now (not running, and any backoff wait is over)."""
        now = now or self._clock()
        if self._in_progress:
            return False
        return self._next_attempt is None or now >= self._next_attempt

    def status_text(self, state: SyncState | None = None, now: datetime | None = None) -> str:
        """Return the one-line sync status, e.g. "3 entries waiting to sync"."""
        state = state or self.state()
        now = now or self._clock()
        parts = []
        failed = state.last_error or state.needs_sign_in
        if state.urgent_waiting and failed and not state.in_progress:
            number = urgent.contacts(self.store)["emergency_number"]
            parts.append(f"Not sent yet: do not wait for us, call {number}")
        if state.in_progress:
            parts.append(f"Syncing {entries(state.pending)}…" if state.pending else "Syncing…")
        elif state.needs_sign_in:
            waiting = f": {entries(state.pending)} waiting" if state.pending else ""
            parts.append(f"Sign in again to sync{waiting}")
        elif state.last_error:
            wait = 0 if state.next_attempt is None else (state.next_attempt - now).total_seconds()
            when = "next try now" if wait <= 0 else f"next try in {wait_text(wait)}"
            label = "Offline" if state.offline else "Sync failed"
            waiting = f"{entries(state.pending)} waiting, " if state.pending else ""
            parts.append(when if state.urgent_waiting else f"{label}: {waiting}{when}")
        elif state.pending:
            parts.append(f"{entries(state.pending)} waiting to sync")
        if state.rejected:
            refused = f"{entries(state.rejected)} refused by the server"
            parts.append(f"{refused}: {state.rejected_message}")
        return " · ".join(parts) or "All changes synced"


def _check_answer(answer) -> None:
    """Refuse a /sync answer of the wrong shape before anything is stored from it."""
    ok = (
        isinstance(answer, dict)
        and isinstance(answer.get("results"), list)
        and all(isinstance(r, dict) for r in answer["results"])
        and isinstance(answer.get("changes"), dict)
        and all(_log_rows(answer["changes"].get(key)) for key in PULLED_LOGS)
        and isinstance(answer.get("cursor"), int)
        and isinstance(answer.get("has_more"), bool)
    )
    if not ok:
        raise ApiError(200, "The server's sync answer was not understood.")


def _log_rows(rows) -> bool:
    """Tell whether pulled logs (absent from an older server) are rows the mirror can keep."""
    if rows is None:
        return True
    return isinstance(rows, list) and all(
        isinstance(r, dict) and isinstance(r.get("id"), str) and "local_date" in r for r in rows
    )


def _refusal(rejected: dict) -> str:
    """Return the server's reason for refusing an event, with the first field error."""
    message, errors = rejected["message"], rejected.get("errors") or {}
    path, node = [], errors
    while isinstance(node, dict) and node:
        key, node = next(iter(node.items()))
        path.append(str(key))
    if isinstance(node, list) and node:
        node = node[0]
    if path and isinstance(node, str):
        return f"{message} ({'.'.join(path)}: {node})"
    return message
