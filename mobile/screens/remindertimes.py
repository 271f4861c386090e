"""Reminder times: the patient sets when each part of the day reminds them, on this device."""

from datetime import time

from kivy.properties import StringProperty

from mobile.core.formatting import time_of_day_title
from mobile.core.reminders import (
    clock_text,
    plan_slots,
    reminder_times,
    reset_reminder_times,
    set_reminder_time,
)
from mobile.core.today import today_view
from mobile.screens import calendarfeed  # noqa: F401 (the card's kv rule)
from mobile.screens.base import BaseScreen, load_kv
from mobile.widgets.surfaces import Card


class SlotTime(Card):
    """One part of the day's reminder time, set with hour and minute steppers."""

    slot = StringProperty("")
    title = StringProperty("")
    clock = StringProperty("")

    def __init__(self, slot: str, at: time, on_change, **kwargs):
        super().__init__(slot=slot, title=time_of_day_title(slot), clock=clock_text(at), **kwargs)
        self._on_change = on_change
        self.ids.hour.value, self.ids.minute.value = at.hour, at.minute
        self.ids.hour.bind(value=self._stepped)
        self.ids.minute.bind(value=self._stepped)

    def _stepped(self, *_args) -> None:
        at = time(int(self.ids.hour.value), int(self.ids.minute.value))
        self.clock = clock_text(at)
        self._on_change(self.slot, at)


class ReminderTimesScreen(BaseScreen):
    """List the plan's parts of the day with their times; every change re-plans at once."""

    next_text = StringProperty("")

    def show(self, **_kwargs) -> None:
        """Lay out the slots of the plan with the times in force; back leads to the tab."""
        self.title = "Reminder times"
        self.back_to = self.app.root.current or "today"
        self._build()
        self.ids.calendar_feed.load()  # the link of the account signed in now

    def refresh(self) -> None:
        """Say which reminder comes next (a sync may have finished a slot)."""
        self._say_next()

    def _build(self) -> None:
        store = self.app.store
        view = today_view(store, self.app.local_today())
        times = reminder_times(store)
        box = self.ids.slots
        box.clear_widgets()
        for slot in plan_slots(store, view):
            box.add_widget(SlotTime(slot, times[slot], self._changed))
        self._say_next()

    def use_usual_times(self) -> None:
        """Go back to the usual times and plan with them."""
        reset_reminder_times(self.app.store)
        self.app.reminders.replan()
        self._build()

    def _changed(self, slot: str, at: time) -> None:
        set_reminder_time(self.app.store, slot, at)
        self.app.reminders.replan()
        self._say_next()

    def _say_next(self) -> None:
        upcoming = self.app.reminders.upcoming
        if upcoming:
            first = upcoming[0]
            self.next_text = f"Next reminder today: {clock_text(first.at.time())}, {first.body}."
        else:
            self.next_text = "No more reminders today."


load_kv("remindertimes")
