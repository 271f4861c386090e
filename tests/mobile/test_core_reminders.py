"""Reminder planning: one digest per slot with work left, local time, never in the past."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from mobile.core.reminders import (
    DEFAULT_TIMES,
    clock_text,
    plan_reminders,
    plan_slots,
    reminder_times,
    reset_reminder_times,
    set_reminder_time,
)
from mobile.core.today import log_exercise, today_view

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
USER = {"id": 1, "patient_id": 1, "role": "patient"}


def _view(store, load_plan, day, protocol="hamstring-repair"):
    store.save_session("http://stride.test", "tok", USER)
    surgery = day - timedelta(days=3) if protocol == "hamstring-repair" else None
    load_plan(protocol, day, surgery=surgery)
    return today_view(store, day)


def test_one_digest_per_slot_in_local_time(store, load_plan):
    day = date(2026, 11, 23)
    view = _view(store, load_plan, day)
    early = datetime(2026, 11, 23, 6, 0, tzinfo=LONDON)
    reminders = plan_reminders(view, LONDON, now=early)
    assert [r.time_of_day for r in reminders] == ["morning", "midday", "afternoon", "evening"]
    assert [r.at.timetz() for r in reminders] == [
        t.replace(tzinfo=LONDON) for t in DEFAULT_TIMES.values()
    ]
    assert reminders[0].title == "Morning exercises"
    assert (
        reminders[0].body == "2 exercises to do: Ankle pumps, Thigh muscle tightening (quad sets)"
    )
    # The same plan in Sydney rings at 8:00 Sydney time, i.e. the evening before in UTC.
    sydney = plan_reminders(view, SYDNEY, now=datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    assert sydney[0].at == datetime(2026, 11, 22, 21, 0, tzinfo=UTC)


def test_finished_slots_and_past_times_get_no_reminder(store, load_plan):
    day = date(2026, 11, 23)
    view = _view(store, load_plan, day)
    for item in view.groups[1].items:  # midday: all done or skipped
        if item.exercise_id == "ankle-pumps":
            log_exercise(store, view, item, item.sets_due, "done")
        else:
            log_exercise(store, view, item, 0, "skipped", "no_time")
    evening_item = view.groups[3].items[0]
    log_exercise(store, view, evening_item, 0, "skipped", "pain")
    view = today_view(store, day)
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)
    reminders = plan_reminders(view, LONDON, now=noon)
    assert [r.time_of_day for r in reminders] == ["afternoon", "evening"]
    # The skipped one is left out.
    assert reminders[1].body == f"1 exercise to do: {view.groups[3].items[1].name}"
    assert plan_reminders(view, LONDON, now=noon.replace(hour=16)) == [reminders[1]]
    assert plan_reminders(view, LONDON, now=noon.replace(hour=21)) == []
    assert plan_reminders(None, LONDON) == []


def test_custom_times_and_a_daylight_saving_gap(store, load_plan):
    spring_forward = date(2026, 3, 29)  # London clocks jump from 01:00 to 02:00
    view = _view(store, load_plan, spring_forward, "piriformis-neural-gliding")
    times = {**DEFAULT_TIMES, "morning": time(1, 30)}
    start = datetime(2026, 3, 29, 0, 0, tzinfo=LONDON)
    morning, evening = plan_reminders(view, LONDON, times=times, now=start)
    assert morning.at.utcoffset() == timedelta(hours=1) and morning.at.hour == 2
    assert morning.at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert evening.at == datetime(2026, 3, 29, 18, 30, tzinfo=UTC)  # 19:30 BST


def test_the_patients_times_are_kept_on_the_device_and_used_for_the_schedule(store, load_plan):
    day = date(2026, 11, 23)
    view = _view(store, load_plan, day, "piriformis-neural-gliding")
    assert reminder_times(store) == DEFAULT_TIMES, "nothing chosen: the usual times"
    set_reminder_time(store, "morning", time(6, 45))
    set_reminder_time(store, "evening", time(21, 5))
    chosen = reminder_times(store)
    assert (chosen["morning"], chosen["evening"]) == (time(6, 45), time(21, 5))
    assert chosen["midday"] == DEFAULT_TIMES["midday"], "an untouched slot keeps its time"
    early = datetime(2026, 11, 23, 5, 0, tzinfo=LONDON)
    planned = plan_reminders(view, LONDON, times=chosen, now=early)
    assert [r.at.time() for r in planned] == [time(6, 45), time(21, 5)]
    # A sign-out does not forget them: they belong to the phone, not the account.
    store.clear_session()
    assert reminder_times(store)["morning"] == time(6, 45)
    reset_reminder_times(store)
    assert reminder_times(store) == DEFAULT_TIMES


def test_an_unknown_slot_is_refused_and_an_unreadable_setting_is_ignored(store):
    with pytest.raises(ValueError, match="unknown time of day: 'night'"):
        set_reminder_time(store, "night", time(23, 0))
    store.set_setting("reminder_times", {"morning": "25:99", "evening": 7, "night": "01:00"})
    assert reminder_times(store) == DEFAULT_TIMES


def test_the_slots_offered_are_the_plans_in_the_days_order(store, load_plan):
    assert plan_slots(store, None) == ("morning", "midday", "afternoon", "evening"), "no plan"
    day = date(2026, 11, 23)
    view = _view(store, load_plan, day, "piriformis-neural-gliding")
    assert plan_slots(store, view) == ("morning", "evening")
    assert clock_text(time(7, 5)) == "07:05"
