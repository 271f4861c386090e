"""Today's reminder digests on Kivy's Clock, shown with plyer where the platform has it."""

import logging
from datetime import datetime, timedelta

from kivy.clock import Clock

from mobile.core.reminders import plan_reminders

log = logging.getLogger(__name__)


def notify(title: str, body: str) -> bool:
    """Show a system notification if plyer can; tell whether it did."""
    try:
        from plyer import notification  # optional: not every platform (or venv) has it
    except ImportError:
        return False
    try:
        notification.notify(title=title, message=body, app_name="Stride", timeout=10)
    except Exception:  # plyer raises NotImplementedError and others on platforms it lacks
        log.info("system notifications unavailable", exc_info=True)
        return False
    return True


class ReminderScheduler:
    """Keep one Clock event per upcoming digest; re-plan after each sync and at midnight."""

    def __init__(self, on_reminder):
        self._on_reminder = on_reminder
        self._events = []
        self.upcoming = []  # the planned Reminders, soonest first

    def plan(self, view, tz) -> None:
        """Replace the schedule with the digests still ahead today."""
        self.stop()
        now = datetime.now(tz)
        self.upcoming = plan_reminders(view, tz, now=now)
        for reminder in self.upcoming:
            delay = (reminder.at - now).total_seconds()
            self._events.append(Clock.schedule_once(lambda _dt, r=reminder: self._fire(r), delay))
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tz)
        # A new day has new sessions: ask the app to plan again just after midnight.
        wait = (midnight - now).total_seconds() + 5
        self._events.append(Clock.schedule_once(lambda _dt: self._on_reminder(None), wait))

    def stop(self) -> None:
        """Cancel every planned reminder."""
        for event in self._events:
            event.cancel()
        self._events = []
        self.upcoming = []

    def _fire(self, reminder) -> None:
        if reminder in self.upcoming:
            self.upcoming.remove(reminder)
        notify(reminder.title, reminder.body)
        self._on_reminder(reminder)
