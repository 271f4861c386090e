"""Reminder times under a finger: the patient sets each slot with steppers; the schedule follows;
a reminder is a system notification where there is one, the app's banner where there is not.

The notifier and the scheduler's clock are replaced by fakes (the app lets them be given);
plyer itself is never touched. One app per process, against the real server over HTTP.
"""

import time as monotonic
from datetime import datetime, time, timedelta

import pytest

from mobile.core.reminders import DEFAULT_TIMES, local_moment, reminder_times
from tests.mobile.conftest_ui import idle, on_screen, pump, stride_app, tap, x_display
from tests.mobile.test_screens import PASSWORD, make_patient

__all__ = ["stride_app", "x_display"]  # fixtures used by name below


class FakeNotifier:
    """Record the notifications asked for; `works` says whether the platform shows them."""

    def __init__(self):
        self.shown: list[tuple[str, str]] = []
        self.works = True

    def __call__(self, title: str, body: str) -> bool:
        self.shown.append((title, body))
        return self.works


class FakeClock:
    """A clock that starts at a chosen moment and then runs at real speed."""

    def __init__(self):
        self.start, self.started = None, 0.0

    def set(self, moment: datetime) -> None:
        self.start, self.started = moment, monotonic.monotonic()

    def __call__(self, tz) -> datetime:
        elapsed = timedelta(seconds=monotonic.monotonic() - self.started)
        return (self.start + elapsed).astimezone(tz)


@pytest.fixture(scope="module")
def patient(stride_app, live_server):
    """Sign a new piriformis patient in (morning and evening sessions) and wait for Today."""
    app = stride_app
    who = make_patient(live_server, "Rene Remind", "piriformis-neural-gliding", 14)
    form = app.root.ids.sm.get_screen("signin")
    form.ids.server.text, form.ids.email.text = live_server.url, who["email"]
    form.ids.password.text = PASSWORD
    tap(form.ids.submit)
    pump(lambda: app.root.ids.sm.current == "today" and idle(app), what="Today")
    today = app.root.ids.sm.current_screen
    pump(lambda: today.view is not None, what="the plan from the first sync")
    return who


@pytest.fixture()
def fakes(stride_app):
    """Give the scheduler a fake notifier and clock; put the real ones back afterwards."""
    scheduler = stride_app.reminders
    real = scheduler.notifier, scheduler.now
    notifier, clock = FakeNotifier(), FakeClock()
    scheduler.notifier, scheduler.now = notifier, clock
    yield notifier, clock
    scheduler.notifier, scheduler.now = real
    stride_app.banner = ""


def open_times(app):
    """Tap the header's bell; return the reminder times screen."""
    tap(app.root.ids.reminder_times)
    pump(lambda: app.root.ids.sm.current == "reminders", what="the reminder times")
    return app.root.ids.sm.current_screen


def close_times(app, screen) -> None:
    """Go back to the usual times, then tap Back to Today."""
    tap(screen.ids.usual_times)
    tap(app.root.ids.back)
    pump(lambda: app.root.ids.sm.current == "today", what="back on Today")


def card(screen, slot: str):
    """Return the time card of one slot."""
    return next(c for c in screen.ids.slots.children if c.slot == slot)


def plus(stepper):
    """Return a stepper's "+" button."""
    return next(b for b in stepper.children if getattr(b, "text", "") == "+")


def minus(stepper):
    """Return a stepper's "−" button."""
    return next(b for b in stepper.children if getattr(b, "text", "") == "−")


def slot_times(app) -> dict[str, time]:
    """Return the planned reminders' local times, by slot."""
    return {r.time_of_day: r.at.time() for r in app.reminders.upcoming}


def test_the_patient_sets_each_slots_time_with_steppers_and_the_schedule_follows(
    stride_app, patient, fakes
):
    app, (_notifier, clock) = stride_app, fakes
    tz = app.timezone()
    clock.set(local_moment(app.local_today(), time(0, 5), tz))  # the whole day ahead
    screen = open_times(app)
    assert app.root.screen_title == "Reminder times"
    assert [c.slot for c in reversed(screen.ids.slots.children)] == ["morning", "evening"]
    morning = card(screen, "morning")
    assert morning.clock == "08:00"
    for _ in range(2):
        tap(plus(morning.ids.hour))
    for _ in range(3):
        tap(plus(morning.ids.minute))
    tap(minus(card(screen, "evening").ids.hour))
    assert morning.clock == "10:15" and card(screen, "evening").clock == "18:30"
    assert reminder_times(app.store)["morning"] == time(10, 15)
    assert slot_times(app) == {"morning": time(10, 15), "evening": time(18, 30)}
    assert screen.ids.next_reminder.text.startswith("Next reminder today: 10:15, ")

    tap(screen.ids.usual_times)
    assert card(screen, "morning").clock == "08:00"
    assert slot_times(app) == {"morning": DEFAULT_TIMES["morning"], "evening": time(19, 30)}
    close_times(app, screen)


def due_in_a_moment(app, clock, slot_card) -> None:
    """Set the morning to 09:00 with the fake clock just before it (the tap re-plans)."""
    at = local_moment(app.local_today(), time(9, 0), app.timezone())
    clock.set(at - timedelta(seconds=3))
    tap(plus(slot_card.ids.hour))  # 08:00 -> 09:00: due in under three seconds
    assert slot_times(app)["morning"] == time(9, 0)


def test_a_due_reminder_is_a_system_notification_where_the_platform_has_one(
    stride_app, patient, fakes
):
    app, (notifier, clock) = stride_app, fakes
    screen = open_times(app)
    due_in_a_moment(app, clock, card(screen, "morning"))
    pump(lambda: notifier.shown, timeout=10, what="the notification")
    title, body = notifier.shown[0]
    assert title == "Morning exercises" and " to do: " in body
    pump(seconds=0.3)
    assert app.banner == "", "no banner on top of a system notification"
    assert "morning" not in slot_times(app)
    close_times(app, screen)


def test_without_system_notifications_the_reminder_is_the_apps_banner(stride_app, patient, fakes):
    app, (notifier, clock) = stride_app, fakes
    notifier.works = False
    screen = open_times(app)
    due_in_a_moment(app, clock, card(screen, "morning"))
    pump(lambda: app.banner, timeout=10, what="the in-app banner")
    assert notifier.shown, "the system was asked first"
    assert app.banner.startswith("Morning exercises: ") and " to do: " in app.banner
    banner = app.root.ids.banner
    assert on_screen(banner, app.banner)
    tap(next(b for b in on_screen(banner, kind="RoundButton") if b.text == "Open"))
    pump(lambda: app.root.ids.sm.current == "today", what="Today from the banner")
    assert app.banner == ""
    close_times(app, open_times(app))
