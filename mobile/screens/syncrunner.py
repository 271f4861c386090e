"""Drive the sync engine from the UI: one pass at a time in a worker, bursts coalesced.

A pass starts soon after every action, every few minutes, at the engine's next retry after a
failure (its ladder), when the patient taps "Sync now", and as soon as another request shows the
network is back.
"""

import time
from datetime import UTC, datetime

from kivy.clock import Clock

from mobile.core.sync import entries
from mobile.screens.background import run_async

PERIOD_S = 180  # a pass every 3 minutes while the app runs
CHECK_S = 5  # how often to look whether a pass (or a retry on the ladder) is due
RETRY_MARGIN_S = 0.05  # wake just after the engine's next attempt, not just before it


def tone_of(state) -> str:
    """Return the colour family of the sync strip for a state."""
    if state.in_progress:
        return "busy"
    if state.last_error:
        return "offline"
    return "waiting" if state.pending or state.rejected else "ok"


class SyncRunner:
    """Start `engine.sync_once()` in a thread on request, every few minutes and after backoff."""

    def __init__(self, engine, on_state, on_synced):
        self.engine = engine
        self._on_state, self._on_synced = on_state, on_synced
        self._running = False
        self._again = False
        self._last_start = 0.0
        # Actions come in bursts (mark three sets in a row): one pass after the burst is enough.
        self._trigger = Clock.create_trigger(self._start, 0.4)
        self._tick = None
        self._retry = None  # a wake-up at the engine's next attempt after a failure
        self._waiting: list = []  # callbacks for the outcome of the next pass to start
        self._this_pass: list = []  # callbacks for the outcome of the pass in flight

    def start(self) -> None:
        """Sync now, then every PERIOD_S, and retry as soon as a backoff wait ends."""
        self.stop()
        self._tick = Clock.schedule_interval(self._check, CHECK_S)
        self.request()

    def stop(self) -> None:
        """Stop the timers and any requested pass (sign-out); a pass in flight still finishes."""
        self._trigger.cancel()
        self._waiting = []
        for event in (self._tick, self._retry):
            if event is not None:
                event.cancel()
        self._tick = self._retry = None

    def request(self) -> None:
        """Ask for a pass soon (after an action); several requests make one pass."""
        self._trigger()

    def then(self, callback) -> None:
        """Request a pass and hand its final state to `callback` (one started from now on)."""
        self._waiting.append(callback)
        self.request()

    def network_back(self) -> None:
        """Another request reached the server: after a network failure, retry at once."""
        if self.engine.reachable() and self._tick is not None:
            self.request()

    def show(self) -> None:
        """Refresh the status line without syncing (after a local change)."""
        state = self.engine.state()
        self._on_state(self.engine.status_text(state), tone_of(state))

    @property
    def running(self) -> bool:
        """Tell whether a pass is in flight."""
        return self._running

    def _check(self, _dt) -> None:
        if self._running or not self.engine.due():
            if not self._running:
                self.show()  # keeps "next try in 20 s" counting down
            return
        failed = self.engine.state().last_error is not None
        if failed or time.monotonic() - self._last_start >= PERIOD_S:
            self.request()

    def _wake_at(self, moment: datetime) -> None:
        # The 5 s tick could fall just before an urgent entry's 5 s retry and wait 10 s: wake
        # at the retry time itself, so the engine's `due()` is true when we look.
        if self._retry is not None:
            self._retry.cancel()
        delay = max((moment - datetime.now(UTC)).total_seconds(), 0) + RETRY_MARGIN_S
        self._retry = Clock.schedule_once(self._check, delay)

    def _start(self, *_args) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        self._last_start = time.monotonic()
        self._this_pass, self._waiting = self._waiting, []
        pending = self.engine.store.pending_count()
        self._on_state(f"Syncing {entries(pending)}…" if pending else "Syncing…", "busy")
        run_async(self.engine.sync_once, self._finished, self._finished)

    def _finished(self, state) -> None:
        self._running = False
        if not hasattr(state, "pending"):  # an error escaped the engine: show what it knows
            state = self.engine.state()
        self._on_state(self.engine.status_text(state), tone_of(state))
        if state.last_error is None:
            self._on_synced()
        elif state.next_attempt is not None and self._tick is not None:
            self._wake_at(state.next_attempt)
        done, self._this_pass = self._this_pass, []
        for callback in done:
            callback(state)
        if self._again:
            self._again = False
            self._trigger()
