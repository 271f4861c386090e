"""The daily post-operative check (questions, advice, strict answers) and the R-POSTOP rule."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import postop
from domain.history import ExerciseEntry, PainEntry, PatientHistory, PostopCheckEntry
from domain.postop import all_no, is_due, questions_for, triage
from domain.rules import (
    glide_numbness_findings,
    postop_check_findings,
    postop_findings,
    rule_postop,
)

SURGERY = date(2026, 3, 2)
DAY_AFTER_WEEK_2 = 20

# Every sign: its level and words of the advice the patient is given.
SIGNS = {
    "breathless_chest_pain": ("emergency", "Call the emergency number now"),
    "pop_or_strength_loss": ("urgent", "stop your exercises and contact your surgical team today"),
    "calf_pain_swelling": ("urgent", "blood clot in the leg (DVT): contact your surgical team"),
    "wound_problem": ("urgent", "wound may be infected: contact your surgical team today"),
    "fever": ("urgent", "fever after an operation needs checking"),
    "nerve_symptoms": ("urgent", "sciatic nerve may be irritated"),
    "weight_bearing_lost": ("urgent", "contact your surgical team today"),
    "spreading_bruising": ("urgent", "contact your surgical team today"),
}
KEYS = list(SIGNS)


def on(n):
    return SURGERY + timedelta(days=n)


def yes(*keys, days=DAY_AFTER_WEEK_2, rest=False):
    return {q.key: True if q.key in keys else rest for q in questions_for(days)}


def test_question_set():
    assert [q.key for q in postop.QUESTIONS] == KEYS
    for q in postop.QUESTIONS:
        assert q.text.endswith("?"), q.key


def test_weight_bearing_is_asked_against_what_the_patient_could_do():
    # Many patients bear no weight in weeks 0-6: "unable to put weight on it" is a false alarm.
    text = postop.QUESTIONS_BY_KEY["weight_bearing_lost"].text
    assert "no longer take the weight" in text and "before" in text


def test_a_pop_is_asked_whatever_the_pain():
    assert "whatever the pain" in postop.QUESTIONS_BY_KEY["pop_or_strength_loss"].text


@pytest.mark.parametrize(
    ("days", "bruising_asked"), [(0, False), (1, False), (14, False), (15, True), (83, True)]
)
def test_bruising_is_asked_only_after_week_2(days, bruising_asked):
    keys = [q.key for q in questions_for(days)]
    assert ("spreading_bruising" in keys) is bruising_asked
    assert [k for k in KEYS if k != "spreading_bruising"] == [
        k for k in keys if k != "spreading_bruising"
    ]


@pytest.mark.parametrize(
    ("days", "due"), [(-1, False), (0, True), (1, True), (83, True), (84, False), (200, False)]
)
def test_the_check_is_due_daily_for_the_first_12_weeks(days, due):
    assert is_due(days) is due


def test_days_since_surgery():
    assert postop.days_since(SURGERY, SURGERY) == 0
    assert postop.days_since(SURGERY, on(15)) == 15


@pytest.mark.parametrize("days", [0, 14, 15, 83])
def test_none_of_these(days):
    result = triage(all_no(days), days)
    assert (result.level, result.positives, result.not_asked) == ("none", (), ())
    assert result.advice == postop.ALL_CLEAR


@pytest.mark.parametrize("key", KEYS)
def test_each_sign_gets_its_level_and_its_own_advice(key):
    level, words = SIGNS[key]
    result = triage(yes(key), DAY_AFTER_WEEK_2)
    assert (result.level, result.positives, result.not_asked) == (level, (key,), ())
    assert result.advice == postop.QUESTIONS_BY_KEY[key].advice
    assert words in result.advice


@pytest.mark.parametrize("key", KEYS)
def test_each_sign_with_the_rest_not_asked(key):
    result = triage(yes(key, rest=None), DAY_AFTER_WEEK_2)
    assert (result.level, result.positives) == (SIGNS[key][0], (key,))
    assert result.not_asked == tuple(k for k in KEYS if k != key)


def test_emergency_advice_comes_first_and_every_sign_is_advised():
    result = triage(yes("wound_problem", "breathless_chest_pain", "calf_pain_swelling"), 20)
    assert result.level == "emergency"
    assert result.positives == ("breathless_chest_pain", "calf_pain_swelling", "wound_problem")
    assert result.advice.startswith(postop.EMERGENCY_CALL)
    for key in result.positives:
        assert postop.QUESTIONS_BY_KEY[key].advice in result.advice


@pytest.mark.parametrize(
    ("days", "answers", "message"),
    [
        (14, all_no(14) | {"spreading_bruising": False}, "unknown .*'spreading_bruising'"),
        (15, all_no(14), "missing: spreading_bruising"),
        (20, {k: v for k, v in all_no(20).items() if k != "fever"}, "missing: fever"),
        (20, {}, "every question needs an answer"),
        (20, all_no(20) | {"fever": None}, "without a yes"),
        (20, all_no(20) | {"fever": "yes"}, "'fever' must be true, false or null"),
        (20, all_no(20) | {"fever": 1}, "'fever' must be true, false or null"),
        (20, all_no(20) | {"red_flag": True}, "unknown post-operative question"),
    ],
    ids=[
        "bruising-on-day-14",
        "no-bruising-answer-on-day-15",
        "missing-answer",
        "empty",
        "not-asked-without-a-yes",
        "string-yes",
        "integer",
        "unknown-key",
    ],
)
def test_strict_answers(days, answers, message):
    with pytest.raises(ValueError, match=message):
        triage(answers, days)


# ---------------------------------------------------------------- R-POSTOP


def check(n, *keys, rest=False, recorded_at=None):
    return PostopCheckEntry(on(n), yes(*keys, days=n, rest=rest), recorded_at)


@pytest.mark.parametrize("key", KEYS)
def test_each_sign_of_the_daily_check_reaches_the_surgical_team(key):
    moment = datetime(2026, 3, 22, 8, 0, tzinfo=UTC)
    (finding,) = postop_check_findings(check(20, key, recorded_at=moment), SURGERY)
    assert (finding.rule_id, finding.severity, finding.route_to, finding.episode_key) == (
        "R-POSTOP",
        "urgent",
        "surgical_team",
        on(20).isoformat(),
    )
    ev = finding.evidence
    assert (ev["level"], ev["signs"], ev["source"]) == (SIGNS[key][0], [key], "postop_check")
    assert ev["advice"] == [postop.QUESTIONS_BY_KEY[key].advice]
    assert ev["days_after_surgery"] == 20
    assert ev["recorded_at"] == moment.isoformat()
    assert postop.QUESTIONS_BY_KEY[key].text in finding.rationale


def test_an_all_no_check_raises_nothing():
    assert postop_check_findings(check(3), SURGERY) == []


def test_a_check_with_the_rest_not_asked_records_it():
    (finding,) = postop_check_findings(check(3, "fever", rest=None), SURGERY)
    assert finding.evidence["not_asked"] == [
        k for k in KEYS if k not in ("fever", "spreading_bruising")
    ]


PAIN_CASES = [
    ("pop at 0/10", PainEntry(on(10), 0, felt_pop=True), ["pop_or_strength_loss"]),
    ("pop at 6/10", PainEntry(on(10), 6, felt_pop=True), ["pop_or_strength_loss"]),
    ("pop at 7/10", PainEntry(on(10), 7, felt_pop=True), ["pop_or_strength_loss"]),
    ("pop at 10/10", PainEntry(on(10), 10, felt_pop=True), ["pop_or_strength_loss"]),
    ("high pain alone", PainEntry(on(10), 9), []),
    ("weight", PainEntry(on(3), 4, cannot_bear_weight=True), ["weight_bearing_lost"]),
    ("bruising on day 14", PainEntry(on(14), 2, new_bruising=True), []),
    ("bruising on day 15", PainEntry(on(15), 2, new_bruising=True), ["spreading_bruising"]),
    (
        "several signs",
        PainEntry(on(30), 5, felt_pop=True, new_bruising=True, cannot_bear_weight=True),
        ["pop_or_strength_loss", "spreading_bruising", "weight_bearing_lost"],
    ),
]


@pytest.mark.parametrize(
    ("entry", "signs"), [c[1:] for c in PAIN_CASES], ids=[c[0] for c in PAIN_CASES]
)
def test_pain_log_signs(entry, signs):
    findings = postop_findings(entry, SURGERY)
    assert [f.evidence["signs"] for f in findings] == ([signs] if signs else [])
    for finding in findings:
        assert (finding.severity, finding.route_to) == ("urgent", "surgical_team")
        assert finding.evidence["nprs"] == entry.nprs
        assert finding.evidence["source"] == "pain_log"


@pytest.mark.parametrize(
    ("answer", "fires"), [("none", False), (None, False), ("settled", True), ("lasting", True)]
)
def test_nerve_symptoms_after_an_exercise_are_r_postop(answer, fires):
    entry = ExerciseEntry(on(9), "quad-sets", 0, 1, 1, "done", nerve_symptoms=answer)
    findings = glide_numbness_findings(entry, SURGERY)
    assert bool(findings) is fires
    for finding in findings:
        assert (finding.rule_id, finding.route_to) == ("R-POSTOP", "surgical_team")
        assert finding.evidence["signs"] == ["nerve_symptoms"]
        assert finding.evidence["exercise_id"] == "quad-sets"


def test_nerve_symptoms_before_surgery_are_not_r_postop():
    entry = ExerciseEntry(on(-1), "quad-sets", 0, 1, 1, "done", nerve_symptoms="settled")
    assert glide_numbness_findings(entry, SURGERY) == []


def postop_history(today=40, **kw):
    return PatientHistory(
        "p1", on(today), SURGERY, care_type="post_operative", surgery_date=SURGERY, **kw
    )


def test_one_finding_per_day_from_every_source():
    hist = postop_history(
        postop_checks=[check(20, "pop_or_strength_loss", "calf_pain_swelling"), check(21)],
        pain_entries=[PainEntry(on(20), 6, felt_pop=True), PainEntry(on(25), 3, new_bruising=True)],
        exercise_entries=[
            ExerciseEntry(on(25), "ankle-pumps", 0, 1, 1, "done", nerve_symptoms="ongoing")
        ],
    )
    findings = rule_postop(hist)
    assert [(f.episode_key, f.evidence["signs"], f.evidence["source"]) for f in findings] == [
        (
            on(20).isoformat(),
            ["pop_or_strength_loss", "calf_pain_swelling"],
            "pain_log,postop_check",
        ),
        (on(25).isoformat(), ["spreading_bruising", "nerve_symptoms"], "exercise_log,pain_log"),
    ]
    assert {(f.severity, f.route_to) for f in findings} == {("urgent", "surgical_team")}


def test_the_day_s_level_is_the_highest_sign():
    hist = postop_history(
        postop_checks=[check(5, "breathless_chest_pain")],
        pain_entries=[PainEntry(on(5), 2, cannot_bear_weight=True)],
    )
    (finding,) = rule_postop(hist)
    assert finding.evidence["level"] == "emergency"
    assert finding.evidence["advice"][0] == postop.EMERGENCY_CALL


def test_a_later_correction_of_a_nerve_answer_counts():
    logs = [
        ExerciseEntry(on(8), "ankle-pumps", 0, 1, 1, "done", nerve_symptoms="settled"),
        ExerciseEntry(on(8), "ankle-pumps", 0, 1, 1, "done", nerve_symptoms="none"),
    ]
    assert rule_postop(postop_history(exercise_entries=logs)) == []


def test_nothing_before_surgery_nor_for_conservative_care():
    before = [PainEntry(on(-1), 8, felt_pop=True)]
    assert rule_postop(postop_history(pain_entries=before)) == []
    after = [PainEntry(on(3), 8, felt_pop=True)]
    conservative = PatientHistory("p1", on(10), SURGERY, trial_weeks=12, pain_entries=after)
    assert rule_postop(conservative) == []
    no_date = PatientHistory("p1", on(10), SURGERY, care_type="post_operative", pain_entries=after)
    assert rule_postop(no_date) == []
