"""Run blocking work (network, sync) in a thread and deliver the outcome on the main thread."""

import logging
import threading

from kivy.clock import mainthread

from mobile.core.api import ApiError

log = logging.getLogger(__name__)
_lock = threading.Lock()
_running = 0


def in_flight() -> int:
    """Return how many background jobs have not delivered yet (tests wait for zero)."""
    return _running


def _count(delta: int) -> None:
    global _running
    with _lock:
        _running += delta


def run_async(work, done=None, failed=None, guard=None) -> None:
    """Call `work()` in a thread; hand its result to `done` or its ApiError to `failed`."""
    # `guard()` false at delivery (the user signed out meanwhile): the answer is dropped.

    @mainthread
    def deliver(callback, value):
        try:
            if callback is not None and (guard is None or guard()):
                callback(value)
        finally:
            _count(-1)

    def target():
        try:
            result = work()
        except ApiError as error:
            deliver(failed, error)
        except Exception as error:  # a bug must reach the screen, not kill the thread silently
            log.exception("background job failed")
            deliver(failed, ApiError(None, f"Something went wrong ({type(error).__name__})."))
        else:
            deliver(done, result)

    _count(1)
    threading.Thread(target=target, daemon=True).start()
