"""Sync the outbox with the server: push and pull in one round trip, with backoff on failure.

Every step may fail (no network, timeout, HTTP 500, a garbled answer, the app killed half-way):
events leave the outbox only when a /sync answer names them, and the server stores each UUID at
most once, so the next sync converges whatever happened before. While an event that a person
must act on today waits, a failed sync is tried again within seconds, not after the backoff.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from mobile.core import urgent
from mobile.core.api import ApiClient, ApiError
from mobile.core.formatting import as_date, plural, wait_text

log = logging.getLogger(__name__)

BATCH = 500  # the server's limit of events per /sync
MAX_ROUNDS = 20  # bounded: at most 10,000 events or pages per sync, then the next sync goes on
HISTORY_DAYS = 120
HISTORY_PAGE = 1000  # the server's largest `limit` for log lists
BACKOFF_FIRST = 5.0
BACKOFF_MAX = 15 * 60.0
# A red flag seen going out minutes after the server came back: urgent events do not back off.
URGENT_RETRY_S = 5.0
_HISTORY = ("exercise-logs", "pain-logs", "red-flag-checks", "postop-checks")


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
    """Return the wait after this many consecutive failures: 5 s, 10 s, 20 s… up to 15 min."""
    if failures <= 0:
        return 0.0
    return min(BACKOFF_FIRST * 2 ** min(failures - 1, 20), BACKOFF_MAX)


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
        fast = not signed_out and urgent.urgent_waiting(self.store)
        wait = URGENT_RETRY_S if fast else backoff_delay(self.failures)
        self._next_attempt = self._clock() + timedelta(seconds=wait)

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
        patient_id = session["user"].get("patient_id")
        if patient_id:
            since = (self._clock() - timedelta(days=HISTORY_DAYS)).date()
            rows = [_fetch_all(client, f"/patients/{patient_id}/{n}", since) for n in _HISTORY]
            self.store.merge_history(*rows)

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
        and isinstance(answer.get("cursor"), int)
        and isinstance(answer.get("has_more"), bool)
    )
    if not ok:
        raise ApiError(200, "The server's sync answer was not understood.")


def _fetch_all(client: ApiClient, path: str, since: date) -> list[dict]:
    """Return every log row from `since`, paging by date (the API has no offset)."""
    rows: dict[str, dict] = {}
    start = since
    for _ in range(MAX_ROUNDS):
        page = client.get(path, **{"from": start, "limit": HISTORY_PAGE})
        if not isinstance(page, list) or not all(isinstance(r, dict) and "id" in r for r in page):
            raise ApiError(200, "The server's log list was not understood.")
        new = [r for r in page if r["id"] not in rows]
        rows.update((r["id"], r) for r in new)
        if len(page) < HISTORY_PAGE or not new:
            break
        # Ask again from the last date seen; rows of that date already here are skipped.
        last = as_date(page[-1]["local_date"])
        if last == start:
            break  # a single day with more rows than a page: keep what fits
        start = last
    return list(rows.values())


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
