"""The safety checks offline: complete red-flag answers and the daily post-operative check."""

from datetime import date, timedelta

import pytest

from domain import postop, redflags
from mobile.core.today import postop_check_days, submit_postop_check, submit_red_flag_check
from mobile.core.urgent import active_episode, urgent_waiting

START = date(2026, 11, 2)
SURGERY = START - timedelta(days=3)
USER = {"id": 1, "patient_id": 1, "role": "patient"}


@pytest.fixture()
def piriformis(store, load_plan):
    store.save_session("http://stride.test", "tok", USER)
    return load_plan("piriformis-neural-gliding", START)


@pytest.fixture()
def repair(store, load_plan):
    store.save_session("http://stride.test", "tok", USER)
    return load_plan("hamstring-repair", START, surgery=SURGERY)


def _answers(**yes):
    return {**redflags.all_no(), **yes}


def test_none_of_these_is_a_complete_check_that_goes_first_without_urgency(store, piriformis):
    store.enqueue("pain_log", {"local_date": START, "nprs": 3, "context": "rest"})
    result = submit_red_flag_check(store, START, redflags.all_no())
    assert result.level == "none" and result.advice == redflags.NONE_ADVICE
    assert [e["type"] for e in store.outbox()] == ["red_flag_check", "pain_log"]
    [row] = store.red_flag_checks()
    assert row["level"] == "none" and set(row["answers"]) == set(redflags.QUESTIONS_BY_KEY)
    assert active_episode(store) is None and not urgent_waiting(store)


def test_a_yes_may_leave_the_rest_unasked(store, piriformis):
    answers = {q.key: None for q in redflags.QUESTIONS} | {"saddle_numbness": True}
    result = submit_red_flag_check(store, START, answers)
    assert result.level == "emergency" and result.advice == redflags.EMERGENCY_ADVICE
    assert len(result.not_asked) == len(redflags.QUESTIONS) - 1
    [event] = store.outbox()
    assert event["data"]["answers"] == answers  # "not asked" is sent as null, never as "no"
    episode = active_episode(store)
    assert (episode["level"], episode["source"], episode["event_id"]) == (
        "emergency",
        "red_flag_check",
        event["id"],
    )
    assert episode["advice"] == redflags.EMERGENCY_ADVICE and not episode["sent"]
    assert urgent_waiting(store)


@pytest.mark.parametrize(
    "answers, message",
    [
        ({**redflags.all_no(), "fever": None}, "without a yes"),
        ({k: v for k, v in redflags.all_no().items() if k != "cannot_walk"}, "missing"),
        ({"fever": True}, "missing"),
        (_answers(fever="no"), "true, false or null"),
        (_answers(night_pain_cancer_history=False), "unknown"),
    ],
)
def test_an_incomplete_or_malformed_check_is_refused_and_nothing_is_queued(
    store, piriformis, answers, message
):
    with pytest.raises(ValueError, match=message):
        submit_red_flag_check(store, START, answers)
    assert store.pending_count() == 0 and store.red_flag_checks() == []


def test_a_recorded_cancer_history_raises_night_pain_to_urgent(store, piriformis):
    assert submit_red_flag_check(store, START, _answers(night_pain=True)).level == "review"
    assert active_episode(store) is None and not urgent_waiting(store)
    store.save_session("http://stride.test", "tok", {**USER, "cancer_history": True})
    result = submit_red_flag_check(store, START, _answers(night_pain=True))
    assert result.level == "urgent" and active_episode(store)["level"] == "urgent"
    assert [row["level"] for row in store.red_flag_checks()] == ["review", "urgent"]
    assert [e["data"]["answers"]["night_pain"] for e in store.outbox()] == [True, True]
    assert store.outbox()[0]["id"] == active_episode(store)["event_id"]  # urgent goes first


def test_postop_check_is_due_daily_for_twelve_weeks_after_surgery(store, repair):
    assert postop_check_days(store, SURGERY - timedelta(days=1)) is None
    assert postop_check_days(store, SURGERY) == 0
    assert postop_check_days(store, START) == 3
    last = SURGERY + timedelta(weeks=postop.CHECK_WEEKS, days=-1)
    assert postop_check_days(store, last) == postop.CHECK_WEEKS * 7 - 1
    assert postop_check_days(store, last + timedelta(days=1)) is None


def test_postop_check_is_not_asked_twice_a_day(store, repair):
    submit_postop_check(store, START, postop.all_no(3))
    assert postop_check_days(store, START) is None
    assert postop_check_days(store, START + timedelta(days=1)) == 4
    [row] = store.postop_checks(START, START)
    assert row["level"] == "none" and row["pending"]


def test_no_postop_check_for_a_conservative_plan(store, piriformis):
    assert postop_check_days(store, START) is None
    with pytest.raises(ValueError):
        submit_postop_check(store, START, postop.all_no(3))
    assert store.pending_count() == 0


def test_postop_check_asks_the_questions_of_its_day(store, repair):
    day_three = postop.all_no(3)
    assert "spreading_bruising" not in day_three
    with pytest.raises(ValueError, match="unknown"):
        submit_postop_check(store, START, {**day_three, "spreading_bruising": False})
    with pytest.raises(ValueError, match="missing"):
        submit_postop_check(store, START + timedelta(days=14), day_three)
    assert store.pending_count() == 0


def test_a_pop_after_repair_opens_the_urgent_episode_whatever_the_pain(store, repair):
    store.enqueue("pain_log", {"local_date": START, "nprs": 6, "context": "rest"})
    result = submit_postop_check(store, START, {**postop.all_no(3), "pop_or_strength_loss": True})
    pop = postop.QUESTIONS_BY_KEY["pop_or_strength_loss"]
    assert (result.level, result.advice) == ("urgent", pop.advice)
    [check, pain] = store.outbox()
    assert (check["type"], pain["type"]) == ("postop_check", "pain_log")
    assert set(check["data"]) == {"local_date", "answers", "recorded_at"}
    episode = active_episode(store)
    assert (episode["event_id"], episode["source"]) == (check["id"], "postop_check")
    assert urgent_waiting(store) and store.postop_checks()[0]["level"] == "urgent"


def test_breathlessness_after_surgery_is_an_emergency(store, repair):
    answers = {q.key: None for q in postop.questions_for(3)} | {"breathless_chest_pain": True}
    result = submit_postop_check(store, START, answers)
    assert (result.level, result.advice) == ("emergency", postop.EMERGENCY_CALL)
    assert active_episode(store)["level"] == "emergency"
