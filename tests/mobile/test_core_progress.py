"""Progress: daily pain, 7-day median and baseline; weekly adherence with the server's rules."""

from datetime import date, timedelta

import pytest

from domain.adherence import adherence
from domain.history import ExerciseEntry, PainEntry
from domain.pain import pain_trend
from domain.ruleset import DEFAULT_THRESHOLDS
from domain.schedule import sets_due_by_day
from mobile.core.formatting import date_text, duration_text, pain_label, plural, wait_text
from mobile.core.plan import day_plans, protocol_from
from mobile.core.progress import pain_progress, weekly_adherence

START = date(2026, 10, 5)


def _pain(day, nprs):
    return {"local_date": (START + timedelta(days=day)).isoformat(), "nprs": nprs}


def test_pain_points_daily_median_rolling_median_and_baseline():
    logs = [_pain(0, 7), _pain(0, 5), _pain(1, 8), _pain(3, 6), _pain(8, 4), _pain(9, 2)]
    logs.append(_pain(10, 3))
    points, baseline = pain_progress(logs, START, START + timedelta(days=10))
    assert len(points) == 11 and points[0].date == START
    assert [p.value for p in points[:4]] == [6.0, 8.0, None, 6.0]
    assert [p.median7 for p in points[:4]] == [None, None, None, 6.0]
    assert points[8].median7 is None  # only 6.0 and 4.0 in its week
    assert [points[9].median7, points[10].median7] == [4.0, 3.0]
    entries = [PainEntry(date.fromisoformat(x["local_date"]), x["nprs"]) for x in logs]
    server = pain_trend(entries, START, START + timedelta(days=10), DEFAULT_THRESHOLDS)
    assert baseline == server.baseline == 6.0


def test_no_baseline_from_fewer_than_three_days():
    points, baseline = pain_progress([_pain(0, 4), _pain(1, 5)], START, START + timedelta(days=3))
    assert baseline is None and [p.value for p in points] == [4.0, 5.0, None, None]
    assert pain_progress([], START, START - timedelta(days=1)) == ([], None)


@pytest.fixture()
def plan(store, load_plan):
    store.save_session("http://stride.test", "tok", {"id": 1, "patient_id": 1})
    return load_plan("piriformis-neural-gliding", START)


def _log(day, exercise_id, slot, done, due, status, reason=None, plan_id=1):
    return {
        "plan_id": plan_id,
        "exercise_id": exercise_id,
        "slot": slot,
        "local_date": day.isoformat(),
        "sets_done": done,
        "sets_due": due,
        "status": status,
        "skip_reason": reason,
    }


def test_weekly_adherence_follows_the_server_rules(plan):
    plan_doc, content = plan
    today = START + timedelta(days=10)  # weeks from 5 Oct and 12 Oct (3 finished days)
    schedule = day_plans(plan_doc, protocol_from(content), START, today)
    logs = []
    for day_plan in schedule[:7]:  # week 1: everything done except one stop_if skip
        for s in day_plan.sessions:
            stopped = day_plan.date == START and s.exercise_id == "side-lying-clamshell"
            if stopped:
                logs.append(_log(s.date, s.exercise_id, s.slot_index, 0, 2, "skipped", "stop_if"))
            else:
                logs.append(
                    _log(s.date, s.exercise_id, s.slot_index, s.dose.sets, s.dose.sets, "done")
                )
    week2 = schedule[7]  # only the first day of week 2 logged, half of it
    first = week2.sessions[0]
    logs.append(_log(week2.date, first.exercise_id, first.slot_index, 1, 1, "done"))
    logs.append(_log(week2.date, first.exercise_id, first.slot_index, 1, 1, "done", plan_id=9))
    weeks = weekly_adherence(logs, plan_doc, content, today)
    assert [w for w, _ in weeks] == [START, START + timedelta(days=7)]
    assert weeks[0][1] == 1.0  # the stop_if skip is not a miss
    due = sets_due_by_day(schedule)
    entries = [
        ExerciseEntry(
            date.fromisoformat(x["local_date"]),
            x["exercise_id"],
            x["slot"],
            x["sets_done"],
            x["sets_due"],
            x["status"],
            x["skip_reason"],
        )
        for x in logs
        if x["plan_id"] == 1
    ]
    expected = adherence(due, entries, week2.date, today - timedelta(days=1)).ratio
    assert weeks[1][1] == pytest.approx(expected) and expected < 0.2  # missing days are misses


def test_weekly_adherence_reads_the_store_and_counts_only_finished_days(store, plan):
    plan_doc, content = plan
    assert weekly_adherence(store, plan_doc, content, START) == []
    assert weekly_adherence(store, plan_doc, content, START + timedelta(days=1)) == [(START, 0.0)]
    weeks = weekly_adherence(store, plan_doc, content, START + timedelta(days=120), weeks=4)
    assert len(weeks) == 4 and weeks[-1][0] == START + timedelta(weeks=17)


def test_formatting_helpers():
    assert date_text(date(2026, 11, 22)) == "Sun 22 Nov"
    assert date_text("2026-01-05") == "Mon 5 Jan"
    assert [pain_label(n) for n in (0, 5, 10)] == [
        "0 – No pain",
        "5 – Moderate",
        "10 – Worst imaginable",
    ]
    with pytest.raises(ValueError):
        pain_label(11)
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "set") == "3 sets"
    assert [duration_text(s) for s in (30, 60, 90, 3900)] == [
        "30 s",
        "1 min",
        "1 min 30 s",
        "1 h 5 min",
    ]
    assert [wait_text(s) for s in (0, 4.2, 61, 120)] == ["now", "5 s", "2 min", "2 min"]
