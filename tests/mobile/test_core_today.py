"""Today's plan offline from the shipped protocols, logging, red flags, dose text and timer."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.protocol import Dose
from domain.stops import STOP_ONLY, STOP_REVIEW
from mobile.core.api import ApiClient
from mobile.core.dose import rests_between_holds
from mobile.core.store import Store
from mobile.core.sync import SyncEngine
from mobile.core.today import (
    dose_text,
    hold_plan,
    log_exercise,
    log_pain,
    stop_outcome_for,
    today_view,
)
from server.protocols.loader import validate_files

from .conftest import DEMO_PASSWORD, DEMO_PHYSIO

START = date(2026, 11, 2)
USER = {"id": 1, "patient_id": 1, "role": "patient"}


@pytest.fixture()
def piriformis(store, load_plan):
    store.save_session("http://stride.test", "tok", USER)
    return load_plan("piriformis-neural-gliding", START)


def _item(view, exercise_id, slot=1):
    return next(i for i in view.items if i.exercise_id == exercise_id and i.slot_index == slot)


def test_first_day_groups_the_sessions_by_time_of_day_with_dose_and_safety_notes(store, piriformis):
    view = today_view(store, START)
    assert view.plan_id == 1 and view.phase_id == "settle-and-slide"
    assert any("No aggressive stretching" in r for r in view.restrictions)
    assert [(g.time_of_day, g.title) for g in view.groups] == [
        ("morning", "Morning"),
        ("evening", "Evening"),
    ]
    assert [i.exercise_id for i in view.groups[0].items] == [
        "supine-piriformis-stretch",
        "seated-sciatic-slider",
        "side-lying-clamshell",
    ]
    assert [(i.exercise_id, i.slot_index) for i in view.groups[1].items] == [
        ("seated-sciatic-slider", 2)
    ]
    stretch = _item(view, "supine-piriformis-stretch")
    assert stretch.dose.hold_s == 30 and stretch.instructions and stretch.stop_if
    assert all(sign.id and sign.text and sign.level for sign in stretch.stop_if)
    assert _item(view, "seated-sciatic-slider").is_neural_glide and not stretch.is_neural_glide
    assert stretch.regression and stretch.progression and stretch.status == "todo"
    assert (view.sets_done, view.sets_due, view.is_rest_day) == (0, 5, False)


def test_logging_shows_at_once_and_the_latest_log_per_slot_wins(store, piriformis):
    view = today_view(store, START)
    clamshell = _item(view, "side-lying-clamshell")
    log_exercise(store, view, clamshell, 1, "partial", skip_reason="no_time")
    log_exercise(store, view, clamshell, 2, "done")
    slider = _item(view, "seated-sciatic-slider", slot=2)
    review = next(sign for sign in slider.stop_if if sign.level == "review")
    log_exercise(store, view, slider, 0, "skipped", "stop_if", stop_if_id=review.id)
    again = today_view(store, START)
    assert _item(again, "side-lying-clamshell").status == "done"
    evening = _item(again, "seated-sciatic-slider", slot=2)
    assert (evening.status, evening.skip_reason) == ("skipped", "stop_if")
    assert _item(again, "seated-sciatic-slider", slot=1).status == "todo"
    assert (again.sets_done, again.sets_due) == (2, 5)
    [event] = [e for e in store.outbox() if e["data"]["status"] == "skipped"]
    assert event["data"] | {"recorded_at": None} == {
        "plan_id": 1,
        "exercise_id": "seated-sciatic-slider",
        "local_date": "2026-11-02",
        "slot": 2,
        "sets_done": 0,
        "sets_due": 1,
        "status": "skipped",
        "skip_reason": "stop_if",
        "stop_if_id": review.id,
        "pain_before": None,
        "pain_after": None,
        "nerve_symptoms": None,
        "note": None,
        "recorded_at": None,
    }
    # The device shows what the server will store: the sign's text and level from the protocol.
    [mirrored] = [row for row in store.exercise_logs() if row["status"] == "skipped"]
    assert (mirrored["stop_symptom"], mirrored["stop_level"]) == (review.text, "review")


@pytest.mark.parametrize(
    "sets_done, status, extra",
    [
        (3, "done", {}),
        (1, "done", {}),
        (2, "partial", {}),
        (0, "skipped", {}),
        (0, "skipped", {"skip_reason": "stop_if"}),
        (0, "skipped", {"skip_reason": "stop_if", "stop_if_id": "no-such-sign"}),
        (2, "done", {"stop_if_id": "deep-buttock-pain"}),  # a sign needs skip_reason stop_if
        (2, "done", {"nerve_symptoms": "ongoing"}),  # a clamshell is not a neural glide
        (2, "done", {"pain_after": 11}),
        (2, "finished", {}),
    ],
)
def test_log_exercise_refuses_what_the_server_would_reject(
    store, piriformis, sets_done, status, extra
):
    view = today_view(store, START)
    with pytest.raises(ValueError):
        log_exercise(store, view, _item(view, "side-lying-clamshell"), sets_done, status, **extra)
    assert store.pending_count() == 0


def test_a_physio_revision_changes_the_dose_from_its_date(store, load_plan):
    later = START + timedelta(days=7)
    overrides = {"dose_overrides": {"side-lying-clamshell": {"sets": 3, "reps": 12}}}
    load_plan(
        "piriformis-neural-gliding",
        START,
        revisions=[{"number": 2, "effective_from": later.isoformat(), "adjustments": overrides}],
    )
    before = _item(today_view(store, later - timedelta(days=1)), "side-lying-clamshell")
    after = _item(today_view(store, later), "side-lying-clamshell")
    assert (before.sets_due, after.sets_due, after.dose.reps) == (2, 3, 12)


def test_post_operative_plan_counts_phases_from_surgery_and_fills_four_slots(store, load_plan):
    load_plan("hamstring-repair", START, surgery=START - timedelta(days=3))
    view = today_view(store, START)
    assert view.phase_id == "protect-repair"
    assert [g.time_of_day for g in view.groups] == ["morning", "midday", "afternoon", "evening"]
    assert any("brace" in r for r in view.restrictions)
    week_three = today_view(store, START + timedelta(days=15))
    assert week_three.phase_id == "protect-repair"  # criteria: the physio moves them on


def test_no_view_without_a_plan_its_protocol_or_before_the_start(store, load_plan):
    assert today_view(store, START) is None
    plan, _ = load_plan("piriformis-neural-gliding", START)
    assert today_view(store, START - timedelta(days=1)) is None
    store.apply_changes({"plans": [{**plan, "protocol_version": 99}]})
    assert today_view(store, START) is None


def test_every_shipped_protocol_expands_offline_for_sixteen_weeks(store, load_plan):
    docs, problems = validate_files(None)
    assert docs and not problems
    for plan_id, doc in enumerate(docs.values(), start=1):
        surgery = START - timedelta(days=4) if doc["care_type"] == "post_operative" else None
        load_plan(doc["id"], START, surgery=surgery, plan_id=plan_id)
        for offset in range(0, 112, 3):
            view = today_view(store, START + timedelta(days=offset))
            assert view.plan_id == plan_id
            assert view.is_rest_day == (view.sets_due == 0)
            assert all(i.time_of_day == g.time_of_day for g in view.groups for i in g.items)


def test_nerve_answers_go_with_a_glide_that_was_done(store, piriformis):
    view = today_view(store, START)
    slider = _item(view, "seated-sciatic-slider")
    for bad in ({"nerve_symptoms": "maybe"}, {"nerve_symptoms": "settled", "status": "skipped"}):
        status = bad.pop("status", "done")
        sets = 0 if status == "skipped" else slider.sets_due
        with pytest.raises(ValueError):
            log_exercise(store, view, slider, sets, status, "no_time", **bad)
    log_exercise(store, view, slider, slider.sets_due, "done", nerve_symptoms="ongoing")
    again = _item(today_view(store, START), "seated-sciatic-slider")
    assert again.nerve_symptoms == "ongoing" and again.log_recorded_at
    assert [e["data"]["nerve_symptoms"] for e in store.outbox()] == ["ongoing"]


def test_stop_advice_comes_from_the_level_in_the_plans_protocol(store, piriformis):
    view = today_view(store, START)
    stretch = _item(view, "supine-piriformis-stretch")
    levels = {sign.level: sign.id for sign in stretch.stop_if}
    assert stop_outcome_for(store, stretch, levels["review"]).advice == STOP_REVIEW
    outcome = stop_outcome_for(store, stretch, levels["stop"])
    assert (outcome.advice, outcome.route_to, outcome.needs_someone_today) == (
        STOP_ONLY,
        None,
        False,
    )
    with pytest.raises(ValueError):
        stop_outcome_for(store, stretch, "cauda-equina-signs")  # a sign of another exercise


def test_log_pain_checks_its_input_and_keeps_the_local_date(store, piriformis):
    with pytest.raises(ValueError):
        log_pain(store, START, 11, "rest")
    with pytest.raises(ValueError):
        log_pain(store, START, 3, "jogging")
    now = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    log_pain(store, START, 0, "night", now=now)
    [row] = store.pain_logs(START, START)
    assert (row["nprs"], row["context"], row["recorded_at"]) == (0, "night", now.isoformat())


DOSE_TEXTS = [
    (Dose(sets=3, reps=10), "3 sets × 10 reps"),
    (Dose(sets=1, reps=3, hold_s=30, rest_s=30), "1 × 3 holds of 30 s, 30 s rest"),
    (Dose(sets=1, reps=10, times_per_day=2), "1 set × 10 reps, twice a day"),
    (Dose(sets=2, reps=10, hold_s=3, rest_s=60), "2 × 10 holds of 3 s, 1 min rest between sets"),
    (Dose(sets=1, reps=1, hold_s=600), "10 min in one go"),
    (Dose(sets=1, reps=1, hold_s=60), "1 hold of 1 min"),
    (Dose(sets=1, reps=2, hold_s=300, rest_s=60), "2 bouts of 5 min, 1 min rest"),
    (
        Dose(sets=3, reps=8, rest_s=120, every_n_days=2),
        "3 sets × 8 reps, 2 min rest between sets, every other day",
    ),
    (
        Dose(sets=1, reps=5, times_per_day=3, days_per_week=5),
        "1 set × 5 reps, 3 times a day, 5 days a week",
    ),
]


@pytest.mark.parametrize("dose, text", DOSE_TEXTS)
def test_dose_text(dose, text):
    assert dose_text(dose) == text


def test_hold_plan_follows_holds_and_rests_of_the_dose():
    steps = hold_plan(Dose(sets=2, reps=3, hold_s=30, rest_s=15))
    assert [(s.kind, s.seconds, s.set_number, s.rep_number) for s in steps] == [
        ("hold", 30, 1, 1),
        ("rest", 15, 1, None),
        ("hold", 30, 1, 2),
        ("rest", 15, 1, None),
        ("hold", 30, 1, 3),
        ("rest", 15, 2, None),
        ("hold", 30, 2, 1),
        ("rest", 15, 2, None),
        ("hold", 30, 2, 2),
        ("rest", 15, 2, None),
        ("hold", 30, 2, 3),
    ]
    assert steps[0].label == "Hold 1 of 3 · set 1 of 2" and steps[1].label == "Rest 15 s"


def test_hold_plan_rests_between_sets_for_short_holds_and_plain_reps():
    clamshell = Dose(sets=2, reps=3, hold_s=3, rest_s=60)
    assert not rests_between_holds(clamshell)
    assert [s.kind for s in hold_plan(clamshell)] == ["hold"] * 3 + ["rest"] + ["hold"] * 3
    reps = hold_plan(Dose(sets=3, reps=10, rest_s=90))
    assert [(s.kind, s.seconds) for s in reps] == [
        ("reps", 0),
        ("rest", 90),
        ("reps", 0),
        ("rest", 90),
        ("reps", 0),
    ]
    assert reps[0].label == "10 reps · set 1 of 3"
    assert [s.kind for s in hold_plan(Dose(sets=1, reps=1, hold_s=600))] == ["hold"]


# -- the undo window of "Done": a held log never reaches the server unless it is kept


class WallClock:
    """A stand-in for the outbox's wall clock (holds are counted in wall-clock seconds)."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self):
        return self.now


@pytest.fixture()
def wall(monkeypatch):
    from mobile.core import outbox

    clock = WallClock()
    monkeypatch.setattr(outbox, "time", clock)
    return clock


def _done(store, view, exercise_id="side-lying-clamshell", **extra):
    item = _item(view, exercise_id)
    return log_exercise(store, view, item, item.sets_due, "done", hold_s=5, **extra)


def test_a_held_done_shows_at_once_waits_out_its_window_and_can_be_withdrawn(
    store, piriformis, wall
):
    view = today_view(store, START)
    kept, undone = _done(store, view), _done(store, view, "supine-piriformis-stretch")
    again = today_view(store, START)
    assert _item(again, "side-lying-clamshell").status == "done"
    assert _item(again, "supine-piriformis-stretch").status == "done"
    assert store.outbox() == [] and store.pending_count() == 2  # waiting, but not for a push
    wall.now += 4.9
    assert store.withdraw(undone)
    assert _item(today_view(store, START), "supine-piriformis-stretch").status == "todo"
    wall.now += 0.1
    assert [e["id"] for e in store.outbox()] == [kept]
    assert not store.withdraw(kept), "once its hold is over an event may be on its way"
    assert not store.withdraw(undone), "withdrawn once, gone"
    assert [e["id"] for e in store.outbox()] == [kept] and store.pending_count() == 1


def test_release_ends_a_hold_at_once(store, piriformis, wall):
    view = today_view(store, START)
    first, second = _done(store, view), _done(store, view, "supine-piriformis-stretch")
    store.release([first])
    assert [e["id"] for e in store.outbox()] == [first]
    assert not store.withdraw(first)
    store.release()  # every held event of the account: what a closed app left behind
    assert [e["id"] for e in store.outbox()] == [first, second]


def test_an_old_outbox_gets_the_hold_column_and_keeps_its_events(tmp_path):
    import sqlite3

    path = str(tmp_path / "old.sqlite3")
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
        " type TEXT NOT NULL, owner TEXT, patient_id INTEGER, data TEXT NOT NULL,"
        " queued_at TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 0)"
    )
    old.execute(
        "INSERT INTO outbox (id, type, owner, data, queued_at) VALUES"
        " ('e1', 'pain_log', NULL, '{\"local_date\": \"2026-11-02\"}', '2026-11-02')"
    )
    old.commit()
    old.close()
    device = Store(path)
    assert [e["id"] for e in device.outbox()] == ["e1"]
    device.close()


def _server_logs(live_server, patient):
    physio = ApiClient(live_server.url)
    physio.sign_in(DEMO_PHYSIO, DEMO_PASSWORD)
    return physio.get(f"/patients/{patient['patient_id']}/exercise-logs")


def test_an_undone_done_never_reaches_the_server_and_a_kept_one_does_after_a_restart(
    live_server, patient_store, wall
):
    store, patient = patient_store
    engine = SyncEngine(store)
    assert engine.sync_once().last_error is None  # the plan arrives
    view = today_view(store, datetime.now(UTC).date())
    undone = _done(store, view, "supine-piriformis-stretch")
    kept = _done(store, view)
    assert engine.sync_once().last_error is None  # a sync inside the window sends neither
    assert _server_logs(live_server, patient) == []
    assert store.withdraw(undone)
    # The app closes inside the window: nothing of the hold lives in memory.
    path = store.path
    store.close()
    reopened = Store(path)
    try:
        wall.now += 5
        assert reopened.pending_count() == 1
        assert SyncEngine(reopened).sync_once().pending == 0
    finally:
        reopened.close()
    assert [r["id"] for r in _server_logs(live_server, patient)] == [kept]


def test_a_skip_for_another_reason_keeps_the_patients_words(store, piriformis):
    view = today_view(store, START)
    stretch = _item(view, "supine-piriformis-stretch")
    log_exercise(store, view, stretch, 0, "skipped", "other", note="Travelling for work")
    [event] = store.outbox()
    assert (event["data"]["skip_reason"], event["data"]["note"]) == ("other", "Travelling for work")
    with pytest.raises(ValueError, match="note"):
        log_exercise(store, view, stretch, 0, "skipped", "other", note="x" * 2001)
    assert store.pending_count() == 1


# -- what the physio changed, told once; the coming days; what was seen


def _revised(
    load_plan, operations, effective, number=2, reason="You are ready for more.", until=None
):
    """Load the piriformis plan with one physio revision made by the domain's own rules."""
    from domain.adjustments import apply_operations
    from mobile.core.plan import protocol_from

    _, content = load_plan("piriformis-neural-gliding", START)
    protocol = protocol_from(content)
    adjustments, diff = apply_operations(
        protocol, {}, operations, effective, start_date=START, until=until
    )
    revision = {
        "number": number,
        "effective_from": effective.isoformat(),
        "reason": reason,
        "diff": diff,
        "adjustments": adjustments,
    }
    load_plan("piriformis-neural-gliding", START, revisions=[revision])
    return protocol


def test_a_new_revision_is_told_once_in_plain_words_with_the_physios_reason(store, load_plan):
    from mobile.core.formatting import date_text
    from mobile.core.revisions import new_revision_notes

    store.save_session("http://stride.test", "tok", USER)
    later = START + timedelta(days=2)
    operations = [
        {"op": "set_dose", "exercise_id": "side-lying-clamshell", "dose": {"sets": 3, "reps": 12}},
        {"op": "remove_exercise", "exercise_id": "supine-piriformis-stretch"},
        {"op": "move_phase", "phase_id": "tension-and-strength"},
    ]
    protocol = _revised(load_plan, operations, later)
    clamshell, stretch = (
        protocol.exercise(e) for e in ("side-lying-clamshell", "supine-piriformis-stretch")
    )
    [note] = new_revision_notes(store, START)
    reps = "holds" if clamshell.dose.hold_s else "reps"  # as Today's dose text says it
    assert note.changes == (
        f"{clamshell.name}: 3 sets (was {clamshell.dose.sets}),"
        f" 12 {reps} (was {clamshell.dose.reps})",
        f"{stretch.name} is no longer in your plan",
        f"Your phase is now {protocol.phase('tension-and-strength').title}"
        f" (was {protocol.phase('settle-and-slide').title})",
    )
    assert note.reason == "You are ready for more."
    assert note.starts == f"From {date_text(later)}"
    assert new_revision_notes(store, START) == [], "told once"
    store.save_session("http://stride.test", "tok", {**USER, "id": 2})  # another account
    _revised(load_plan, operations, later)  # its first pull brings the same plan
    assert [n.reason for n in new_revision_notes(store, later)] == ["You are ready for more."]
    assert new_revision_notes(store, later) == []


def test_the_assignment_and_old_revisions_are_not_news(store, load_plan):
    from mobile.core.revisions import RECENT_DAYS, new_revision_notes

    store.save_session("http://stride.test", "tok", USER)
    load_plan("piriformis-neural-gliding", START)
    assert new_revision_notes(store, START) == []  # revision 1 is the plan as assigned
    dose = {"op": "set_dose", "exercise_id": "side-lying-clamshell", "dose": {"sets": 3}}
    _revised(load_plan, [dose], START)
    assert new_revision_notes(store, START + timedelta(days=RECENT_DAYS + 1)) == []
    [note] = new_revision_notes(store, START + timedelta(days=RECENT_DAYS))
    assert note.starts == ""  # in force already


@pytest.mark.parametrize(
    "before, after, text",
    [
        ({"hold_s": 30}, {"hold_s": 20}, "holds of 20 s (was 30 s)"),
        ({"rest_s": 0}, {"rest_s": 90}, "1 min 30 s rest (was no rest)"),
        ({"times_per_day": 1}, {"times_per_day": 2}, "twice a day (was once a day)"),
        ({"days_per_week": None}, {"days_per_week": 3}, "3 days a week (was every day)"),
        (
            {"days_per_week": 3, "every_n_days": None},
            {"days_per_week": None, "every_n_days": 2},
            "every other day (was 3 days a week)",
        ),
        (
            {"times_of_day": None},
            {"times_of_day": ["morning", "evening"]},
            "in the morning and evening",
        ),
    ],
)
def test_dose_changes_read_as_words(before, after, text):
    from mobile.core.revisions import dose_change

    assert dose_change(before, after) == text


def test_the_coming_days_come_from_the_offline_schedule(store, load_plan):
    from mobile.core.formatting import date_text
    from mobile.core.week import coming_days, session_dose

    store.save_session("http://stride.test", "tok", USER)
    move = START + timedelta(days=3)
    protocol = _revised(load_plan, [{"op": "move_phase", "phase_id": "tension-and-strength"}], move)
    week = coming_days(store, START)
    assert [d.day for d in week] == [START + timedelta(days=n) for n in range(7)]
    assert [d.title for d in week[:3]] == [
        f"Today · {date_text(START)}",
        f"Tomorrow · {date_text(START + timedelta(days=1))}",
        date_text(START + timedelta(days=2)),
    ]
    assert [d.new_phase for d in week] == [False, False, False, True, False, False, False]
    assert week[3].phase_title == protocol.phase("tension-and-strength").title
    today = today_view(store, START)
    assert [title for title, _lines in week[0].slots] == [g.title for g in today.groups]
    assert [line for _title, lines in week[0].slots for line in lines] == [
        (i.name, session_dose(i.dose)) for i in today.items
    ]
    slider = _item(today, "seated-sciatic-slider").dose
    assert "twice a day" in dose_text(slider) and "a day" not in session_dose(slider)
    # Every day of the first phase is alike; a new phase is never "the same as the day before".
    assert [d.same_as_before for d in week[:4]] == [False, True, True, False]
    before_start = coming_days(store, START - timedelta(days=3))
    assert [d.day for d in before_start] == [START + timedelta(days=n) for n in range(4)]


def test_the_coming_days_stop_where_the_plan_ends_and_need_a_plan(store, load_plan):
    from mobile.core.week import coming_days

    store.save_session("http://stride.test", "tok", USER)
    assert coming_days(store, START) == []
    plan, _ = load_plan("piriformis-neural-gliding", START)
    end = START + timedelta(days=2)
    store.apply_changes({"plans": [{**plan, "end_date": end.isoformat()}]})
    assert [d.day for d in coming_days(store, START)][-1] == end


def test_first_sight_is_per_account_and_per_key(store):
    from mobile.core.seen import first_sight

    store.save_session("http://stride.test", "tok", USER)
    assert first_sight(store, "important", "1:settle")
    assert not first_sight(store, "important", "1:settle")
    assert first_sight(store, "important", "1:load")
    store.save_session("http://stride.test", "tok", {**USER, "id": 2})
    assert first_sight(store, "important", "1:settle")


def test_a_change_for_a_set_time_shows_on_today_and_is_told_with_its_last_day(store, load_plan):
    from mobile.core.formatting import date_text
    from mobile.core.revisions import new_revision_notes

    store.save_session("http://stride.test", "tok", USER)
    later, last = START + timedelta(days=2), START + timedelta(days=15)
    operations = [
        {"op": "set_dose", "exercise_id": "side-lying-clamshell", "dose": {"sets": 1}},
        {"op": "remove_exercise", "exercise_id": "supine-piriformis-stretch"},
    ]
    protocol = _revised(load_plan, operations, later, until=last)
    during, after = today_view(store, last), today_view(store, last + timedelta(days=1))
    ids = {i.exercise_id for g in during.groups for i in g.items}
    assert _item(during, "side-lying-clamshell").sets_due == 1
    assert _item(during, "side-lying-clamshell").dose.sets == 1, "the dose Today shows"
    assert "supine-piriformis-stretch" not in ids
    clamshell = protocol.exercise("side-lying-clamshell")
    assert _item(after, "side-lying-clamshell").sets_due == clamshell.dose.sets
    assert _item(after, "supine-piriformis-stretch")
    [note] = new_revision_notes(store, START)
    stretch = protocol.exercise("supine-piriformis-stretch").name
    assert note.changes[0].endswith(f" until {date_text(last)}, then back to what it was")
    assert note.changes[1] == f"{stretch} is paused until {date_text(last)}"
