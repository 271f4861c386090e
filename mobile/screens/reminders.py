"""Today's reminder digests on Kivy's Clock: a system notification where the platform has one
(plyer), the app's own banner where it has not."""

import logging
from datetime import datetime, timedelta

from kivy.clock import Clock

from mobile.core.reminders import DEFAULT_TIMES, plan_reminders

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
    """Keep one Clock event per upcoming digest; re-plan after each sync and at midnight.

    `notifier(title, body)` shows a reminder and tells whether the system did (False: the app
    shows its banner instead, through `on_reminder`); `times()` returns each slot's time;
    `now(tz)` is the clock. All three can be replaced (the tests give fakes).
    """

    def __init__(self, on_reminder, notifier=notify, times=lambda: DEFAULT_TIMES):
        self._on_reminder = on_reminder
        self.notifier = notifier
        self.times = times
        self.now = datetime.now
        self._events = []
        self._planned = None  # (view, tz) of the last plan, for `replan`
        self.upcoming = []  # the planned Reminders, soonest first

    def plan(self, view, tz) -> None:
        """Replace the schedule with the digests still ahead today."""
        self.stop()
        self._planned = (view, tz)
        now = self.now(tz)
        self.upcoming = plan_reminders(view, tz, self.times(), now=now)
        for reminder in self.upcoming:
            delay = (reminder.at - now).total_seconds()
            self._events.append(Clock.schedule_once(lambda _dt, r=reminder: self._fire(r), delay))
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tz)
        # A new day has new sessions: ask the app to plan again just after midnight.
        wait = (midnight - now).total_seconds() + 5
        self._events.append(Clock.schedule_once(lambda _dt: self._on_reminder(None), wait))

    def replan(self) -> None:
        """Plan the same day again (the patient changed a time); nothing while signed out."""
        if self._planned is not None:
            self.plan(*self._planned)

    def stop(self) -> None:
        """Cancel every planned reminder."""
        for event in self._events:
            event.cancel()
        self._events = []
        self._planned = None
        self.upcoming = []

    def _fire(self, reminder) -> None:
        if reminder in self.upcoming:
            self.upcoming.remove(reminder)
        if not self.notifier(reminder.title, reminder.body):
            self._on_reminder(reminder)  # no system notification here: the in-app banner
