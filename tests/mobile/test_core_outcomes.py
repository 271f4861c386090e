"""The LEFS and the PGIC on the phone: due offline, saved to the outbox, the card goes."""

from datetime import date, timedelta

import pytest

from mobile.core import outcomes

START = date(2026, 11, 2)
USER = {"id": 1, "patient_id": 1, "role": "patient"}


@pytest.fixture()
def plan(store, load_plan):
    store.save_session("http://stride.test", "tok", USER)
    load_plan("piriformis-neural-gliding", START)


def test_the_lefs_is_due_at_the_start_and_goes_once_saved(store, plan):
    assert outcomes.due(store, START) == (True, False)
    assert outcomes.submit(store, START, "lefs", [4] * 20) == 80
    assert outcomes.due(store, START) == (False, False)
    [event] = store.outbox()
    assert event["type"] == "outcome_measure"
    assert event["data"]["instrument"] == "lefs" and event["data"]["answers"] == [4] * 20
    assert "score" not in event["data"], "the server computes the score"
    assert outcomes.due(store, START + timedelta(days=14)) == (True, False)


def test_the_pgic_is_due_from_four_weeks(store, plan):
    outcomes.submit(store, START, "lefs", [2] * 20)
    assert outcomes.due(store, START + timedelta(days=28)) == (True, True)
    outcomes.submit(store, START + timedelta(days=28), "pgic", [3])
    assert outcomes.due(store, START + timedelta(days=29)) == (True, False), "the LEFS waits"


def test_an_incomplete_lefs_is_never_queued(store, plan):
    with pytest.raises(ValueError, match="must have 20 answers"):
        outcomes.submit(store, START, "lefs", [4] * 19)
    assert store.outbox() == [] and outcomes.due(store, START) == (True, False)


def test_answers_pulled_from_another_phone_count(store, plan):
    row = {
        "id": "9b1c3a52-0000-4000-8000-000000000001",
        "local_date": START.isoformat(),
        "instrument": "lefs",
        "answers": [1] * 20,
        "score": 20,
        "received_at": "2026-11-02T10:00:00+00:00",
    }
    store.apply_changes({"outcome_measures": [row]})
    assert outcomes.due(store, START) == (False, False)


def test_the_staff_words_for_function_and_global_change():
    rows = [
        {"local_date": "2026-11-02", "instrument": "lefs", "score": 40},
        {"local_date": "2026-11-30", "instrument": "lefs", "score": 52},
        {"local_date": "2026-11-30", "instrument": "pgic", "score": 2},
        {"local_date": "2026-11-30", "instrument": "lefs", "score": 80, "superseded_by": "x"},
    ]
    lines = outcomes.function_lines(outcomes.function_figures(rows, START))
    assert lines == [
        "Function (LEFS): 40/80 on Mon 2 Nov, now 52/80 on Mon 30 Nov: +12 points, reaches the "
        "9-point change that matters.",
        "Global impression of change on Mon 30 Nov: Much improved.",
    ]
    assert outcomes.function_lines(outcomes.function_figures([], START))[0] == (
        "Function (LEFS): not measured, no LEFS on record."
    )
