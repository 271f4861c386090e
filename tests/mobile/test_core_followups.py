"""The question after a nerve glide and its follow-up a day later."""

from datetime import UTC, date, datetime, timedelta

import pytest

from mobile.core.today import (
    answer_nerve_followup,
    log_exercise,
    nerve_followups_due,
    today_view,
)

START = date(2026, 11, 2)
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
USER = {"id": 1, "patient_id": 1, "role": "patient"}
SLIDER = "seated-sciatic-slider"


@pytest.fixture()
def view(store, load_plan):
    store.save_session("http://stride.test", "tok", USER)
    load_plan("piriformis-neural-gliding", START)
    return today_view(store, START)


def _slider(view, slot=1):
    return next(i for i in view.items if i.exercise_id == SLIDER and i.slot_index == slot)


def _glide(store, view, answer, slot=1, now=T0):
    item = _slider(view, slot)
    return log_exercise(store, view, item, item.sets_due, "done", nerve_symptoms=answer, now=now)


def test_still_there_is_asked_again_a_day_later(store, view):
    first = _glide(store, view, "ongoing")
    _glide(store, view, "settled", slot=2)
    assert nerve_followups_due(store, now=T0 + timedelta(hours=23, minutes=59)) == []
    [due] = nerve_followups_due(store, now=T0 + timedelta(hours=24))
    assert (due["id"], due["exercise_id"], due["local_date"], due["slot"]) == (
        first,
        SLIDER,
        "2026-11-02",
        1,
    )
    assert due["name"] == _slider(view).name and due["nerve_symptoms"] == "ongoing"


@pytest.mark.parametrize("still_there, answer", [(True, "lasting"), (False, "settled")])
def test_the_follow_up_supersedes_the_first_log_and_its_answer_wins(
    store, view, still_there, answer
):
    first = _glide(store, view, "ongoing")
    [due] = nerve_followups_due(store, now=T0 + timedelta(days=1))
    later = T0 + timedelta(days=1, hours=2)
    follow_up = answer_nerve_followup(store, due, still_there, now=later)
    sent = {e["id"]: e["data"] for e in store.outbox()}
    item = _slider(view)
    assert sent[follow_up] == {
        "plan_id": view.plan_id,
        "exercise_id": SLIDER,
        "local_date": "2026-11-02",
        "slot": 1,
        "sets_done": item.sets_due,
        "sets_due": item.sets_due,
        "status": "done",
        "skip_reason": None,
        "stop_if_id": None,
        "pain_before": None,
        "pain_after": None,
        "note": None,
        "supersedes": first,
        "nerve_symptoms": answer,
        "recorded_at": later.isoformat(),
    }
    shown = _slider(today_view(store, START))
    assert (shown.log_id, shown.nerve_symptoms, shown.status) == (follow_up, answer, "done")
    assert today_view(store, START).sets_done == item.sets_due  # one session, counted once
    assert nerve_followups_due(store, now=T0 + timedelta(days=3)) == []


def test_a_follow_up_that_arrived_from_the_server_first_still_wins(store, view):
    first = _glide(store, view, "ongoing")
    item = _slider(view)
    row = {
        "id": "f0000000-0000-4000-8000-000000000001",
        "plan_id": view.plan_id,
        "exercise_id": SLIDER,
        "local_date": "2026-11-02",
        "slot": 1,
        "sets_done": item.sets_due,
        "sets_due": item.sets_due,
        "status": "done",
        "supersedes": first,
        "nerve_symptoms": "lasting",
        "received_at": "2026-11-03T09:00:00+00:00",
    }
    store.merge_history([row], [])  # received before the first log reached the server
    assert _slider(today_view(store, START)).nerve_symptoms == "lasting"
    assert nerve_followups_due(store, now=T0 + timedelta(days=2)) == []


def test_only_still_there_is_followed_up(store, view):
    for slot, answer in ((1, "none"), (2, "settled")):
        _glide(store, view, answer, slot=slot)
    assert nerve_followups_due(store, now=T0 + timedelta(days=2)) == []
    [log] = [row for row in store.exercise_logs() if row["nerve_symptoms"] == "none"]
    with pytest.raises(ValueError):
        answer_nerve_followup(store, log, True)
    assert store.pending_count() == 2


def test_logging_the_session_again_replaces_the_question(store, view):
    _glide(store, view, "ongoing")
    _glide(store, view, "settled", now=T0 + timedelta(hours=1))  # the patient corrected it
    assert nerve_followups_due(store, now=T0 + timedelta(days=2)) == []
