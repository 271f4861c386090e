"""A few seconds to take back "Done": the entry waits in the store, held from every push.

The hold lives in the store (outbox `hold_until`), not in memory: an entry whose window the app
did not live to end is kept and sent, and one taken back was never readable by a push.
"""

from kivy.clock import Clock

# Design choice: long enough to see the card turn green and tap Undo, short enough that the
# care team's view is not held up. The store holds the entry a little longer than the button
# is offered, so an Undo tapped at the last moment still finds it held.
UNDO_S = 5
HOLD_S = UNDO_S + 2


class UndoWindows:
    """The entries whose Undo is on offer, each with the Clock event that ends its window."""

    def __init__(self, app):
        self.app = app
        self._ends: dict[str, object] = {}

    def __contains__(self, event_id) -> bool:
        return event_id in self._ends

    def open(self, event_id: str) -> None:
        """Offer Undo for an entry logged with `hold_s=HOLD_S`, for UNDO_S seconds."""
        self._ends[event_id] = Clock.schedule_once(lambda _dt: self._keep(event_id), UNDO_S)

    def undo(self, event_id: str) -> bool:
        """Take the entry back; tell whether it was (it had not ended its window)."""
        end = self._ends.pop(event_id, None)
        if end is None:
            return False
        end.cancel()
        return self.app.store.withdraw(event_id)

    def keep_all(self) -> bool:
        """End every window now, keeping the entries; tell whether there was one."""
        ends, self._ends = self._ends, {}
        for end in ends.values():
            end.cancel()
        self.app.store.release(list(ends))
        return bool(ends)

    def _keep(self, event_id: str) -> None:
        if self._ends.pop(event_id, None) is not None:
            self.app.store.release([event_id])
            self.app.changed()  # redraw without Undo, and sync it now
