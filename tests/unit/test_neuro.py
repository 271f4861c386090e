"""R-NEURO: nerve symptoms reported after neural-glide sessions, and the questions behind them."""

from datetime import date, timedelta

import pytest

from domain import nerves
from domain.history import ExerciseEntry, PainEntry, PatientHistory
from domain.rules import rule_neuro
from domain.ruleset import DEFAULT_THRESHOLDS, thresholds_for

P = date(2026, 1, 5)  # plan day n is P + n
TODAY = 30
SLIDER, TENSIONER = "seated-sciatic-slider", "seated-sciatic-tensioner"


def day(n):
    return P + timedelta(days=n)


def glide(n, answer, ex_id=SLIDER, slot=0, status="done"):
    """A glide session logged on plan day n with the post-glide answer."""
    return ExerciseEntry(day(n), ex_id, slot, 2, 2, status, nerve_symptoms=answer)


def history(entries, today=TODAY, **kw):
    kw = {"neural_exercise_ids": frozenset({SLIDER, TENSIONER}), "trial_weeks": 12} | kw
    return PatientHistory("p1", day(today), P, exercise_entries=entries, **kw)


NEURO_CASES = [
    ("nothing logged", [], False),
    ("answered no three times", [glide(28, "none"), glide(29, "none"), glide(30, "none")], False),
    ("one episode that settled", [glide(30, "settled")], False),
    ("one episode still there today", [glide(30, "ongoing")], False),
    ("two episodes", [glide(28, "settled"), glide(30, "ongoing")], True),
    ("two episodes in one day", [glide(30, "settled", slot=0), glide(30, "settled", slot=1)], True),
    ("two glides, one episode each", [glide(29, "settled"), glide(29, "settled", TENSIONER)], True),
    ("two episodes 6 days apart", [glide(24, "settled"), glide(30, "settled")], True),
    ("two episodes 7 days apart", [glide(23, "settled"), glide(30, "settled")], False),
    ("two episodes 8 days apart", [glide(22, "settled"), glide(30, "settled")], False),
    ("one lasting", [glide(29, "lasting")], True),
    ("one lasting, first day of the window", [glide(24, "lasting")], True),
    ("one lasting, before the window", [glide(23, "lasting")], False),
    ("an episode logged for tomorrow", [glide(30, "settled"), glide(31, "settled")], False),
    (
        "ongoing superseded by settled counts once",
        [glide(29, "ongoing"), glide(29, "settled")],
        False,
    ),
    (
        "ongoing superseded by settled, plus another episode",
        [glide(29, "ongoing"), glide(29, "settled"), glide(30, "settled")],
        True,
    ),
    ("ongoing superseded by lasting", [glide(29, "ongoing"), glide(29, "lasting")], True),
    ("a correction to no", [glide(29, "settled"), glide(30, "settled"), glide(30, "none")], False),
    (
        "symptoms after an exercise that is not a glide",
        [glide(29, "lasting", "glute-bridge"), glide(30, "settled", "glute-bridge")],
        False,
    ),
]


@pytest.mark.parametrize(
    ("entries", "fires"), [c[1:] for c in NEURO_CASES], ids=[c[0] for c in NEURO_CASES]
)
def test_rule_neuro(entries, fires):
    findings = rule_neuro(history(entries))
    assert bool(findings) is fires
    for finding in findings:
        assert (finding.rule_id, finding.severity, finding.route_to, finding.episode_key) == (
            "R-NEURO",
            "review",
            "physio",
            "R-NEURO",
        )
        assert "regress neural gliding" in finding.rationale


def test_evidence_lists_each_episode_once():
    entries = [glide(29, "ongoing"), glide(29, "settled"), glide(30, "settled", TENSIONER)]
    (finding,) = rule_neuro(history(entries))
    assert finding.evidence["episodes"] == [
        {"local_date": day(29).isoformat(), "exercise_id": SLIDER, "slot": 0, "answer": "settled"},
        {
            "local_date": day(30).isoformat(),
            "exercise_id": TENSIONER,
            "slot": 0,
            "answer": "settled",
        },
    ]
    assert finding.evidence["days"] == [day(29).isoformat(), day(30).isoformat()]
    assert finding.evidence["lasting"] == 0
    assert finding.evidence["window"] == {"from": day(24).isoformat(), "to": day(30).isoformat()}
    assert "2 episodes" in finding.rationale and "threshold 2" in finding.rationale


def test_lasting_episode_is_named_in_the_rationale():
    (finding,) = rule_neuro(history([glide(29, "ongoing"), glide(29, "lasting")]))
    assert finding.evidence["lasting"] == 1
    assert f"on {day(29)} was still there after 24 hours" in finding.rationale


@pytest.mark.parametrize(
    "entries",
    [
        [glide(29, "lasting")],
        [glide(27, "settled"), glide(28, "ongoing"), glide(29, "settled")],
    ],
    ids=["lasting", "three episodes"],
)
def test_never_for_a_post_operative_plan(entries):
    # New numbness after surgery is R-POSTOP (the sciatic nerve), raised when it is reported.
    post_op = history(entries, care_type="post_operative", trial_weeks=None, surgery_date=P)
    assert rule_neuro(post_op) == []


def test_pain_logs_no_longer_drive_the_rule():
    # The old rule read tingling in `after_exercise` pain logs, which the app never offers.
    entries = [glide(n, None) for n in (28, 29, 30)]
    pains = [PainEntry(day(n), 3, "after_exercise", tingling=True) for n in (28, 29, 30)]
    assert rule_neuro(history(entries, pain_entries=pains)) == []


@pytest.mark.parametrize(
    ("overrides", "entries", "fires"),
    [
        ({"neuro_episodes": 3}, [glide(29, "settled"), glide(30, "settled")], False),
        (
            {"neuro_episodes": 3},
            [glide(28, "settled"), glide(29, "settled"), glide(30, "settled")],
            True,
        ),
        ({"neuro_episodes": 3}, [glide(30, "lasting")], True),
        ({"neuro_window_days": 14}, [glide(22, "settled"), glide(30, "settled")], True),
        ({"neuro_window_days": 14}, [glide(16, "settled"), glide(30, "settled")], False),
    ],
)
def test_protocol_overrides_move_the_thresholds(overrides, entries, fires):
    assert bool(rule_neuro(history(entries, thresholds=thresholds_for(overrides)))) is fires


def test_the_lasting_time_is_the_time_the_patient_was_asked_again():
    # The follow-up is asked FOLLOW_UP_AFTER_HOURS after the session, so that is what a finding
    # tells the physio; a protocol cannot override it.
    (finding,) = rule_neuro(history([glide(29, "ongoing"), glide(29, "lasting")]))
    assert f"after {nerves.FOLLOW_UP_AFTER_HOURS} hours" in finding.rationale
    assert finding.evidence["neuro_lasting_hours"] == nerves.FOLLOW_UP_AFTER_HOURS
    with pytest.raises(TypeError):
        thresholds_for({"neuro_lasting_hours": 48})


def test_default_thresholds():
    thr = DEFAULT_THRESHOLDS
    assert (thr.neuro_episodes, thr.neuro_window_days, nerves.FOLLOW_UP_AFTER_HOURS) == (2, 7, 24)
    assert not hasattr(thr, "neuro_days") and not hasattr(thr, "postop_pain_min")


# ---------------------------------------------------------------- the post-glide questions


def test_answers_and_their_meaning():
    assert nerves.NERVE_ANSWERS == ("none", "settled", "ongoing", "lasting")
    assert nerves.EPISODE_ANSWERS == {"settled", "ongoing", "lasting"}
    assert [value for value, _ in nerves.CHOICES] == ["none", "settled", "ongoing"]
    # "lasting" is only ever the answer a day later, when the symptom is still there.
    assert [value for value, _ in nerves.FOLLOW_UP_CHOICES] == ["settled", "lasting"]
    assert set(nerves.ADVICE) == set(nerves.NERVE_ANSWERS)


def test_follow_up_is_asked_when_lasting_is_judged():
    assert nerves.FOLLOW_UP_AFTER_HOURS == 24
    assert "{name}" in nerves.FOLLOW_UP


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("settled", "go gently"),
        ("ongoing", "Do no more glides today"),
        ("lasting", "Do not do the glides again until your physiotherapist has reviewed"),
    ],
)
def test_advice_after_each_answer(answer, words):
    assert words in nerves.ADVICE[answer]


def test_an_unknown_nerve_answer_is_refused():
    with pytest.raises(ValueError, match="nerve_symptoms must be one of"):
        glide(30, "tingly")
