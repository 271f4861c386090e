"""Stop signs: what each level tells the patient, who is told (R-STOP), and the protocol's signs."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain import stops
from domain.history import ExerciseEntry
from domain.protocol import STOP_LEVELS, Protocol, StopSign
from domain.rules import stop_findings
from domain.stops import stop_outcome
from server.protocols.loader import load_protocol_file

PROTOCOLS_DIR = Path(__file__).resolve().parents[2] / "protocols"
DAY = date(2026, 2, 3)

# (level, post-operative plan) -> (advice, who is told, alert severity, urgent screen shown)
OUTCOMES = {
    ("emergency", True): (stops.STOP_EMERGENCY_POSTOP, "surgical_team", "urgent", True),
    ("emergency", False): (stops.STOP_EMERGENCY, "clinician", "urgent", True),
    ("urgent", True): (stops.STOP_URGENT_POSTOP, "surgical_team", "urgent", True),
    ("urgent", False): (stops.STOP_URGENT, "clinician", "urgent", True),
    ("review", True): (stops.STOP_REVIEW, "physio", "review", False),
    ("review", False): (stops.STOP_REVIEW, "physio", "review", False),
    ("stop", True): (stops.STOP_ONLY, None, None, False),
    ("stop", False): (stops.STOP_ONLY, None, None, False),
}
CASES = [
    pytest.param(level, post_op, *OUTCOMES[level, post_op], id=f"{level}-{care}")
    for level in STOP_LEVELS
    for post_op, care in ((True, "post-op"), (False, "conservative"))
]


@pytest.fixture(scope="module")
def protocols() -> dict[str, Protocol]:
    loaded = {}
    for path in sorted(PROTOCOLS_DIR.glob("*.yaml")):
        doc, problems = load_protocol_file(path)
        assert problems == []
        loaded[doc["id"]] = Protocol.from_dict(doc)
    return loaded


def test_every_level_has_an_outcome():
    assert set(STOP_LEVELS) == {"emergency", "urgent", "review", "stop"}
    assert {level for level, _ in OUTCOMES} == set(STOP_LEVELS)


@pytest.mark.parametrize(("level", "post_op", "advice", "route", "severity", "today"), CASES)
def test_stop_outcome(level, post_op, advice, route, severity, today):
    outcome = stop_outcome(level, post_op)
    assert (outcome.level, outcome.advice, outcome.route_to, outcome.severity) == (
        level,
        advice,
        route,
        severity,
    )
    assert outcome.needs_someone_today is today
    assert StopSign("x", level, "A sign.").needs_someone_today is today


@pytest.mark.parametrize(
    ("advice", "words"),
    [
        (stops.STOP_EMERGENCY, "Go to the emergency department"),
        (stops.STOP_URGENT_POSTOP, "contact your surgical team today"),
        (stops.STOP_URGENT, "contact your doctor or care team today"),
        (stops.STOP_REVIEW, "Your physiotherapist is told"),
        (stops.STOP_ONLY, "Stop this exercise for today"),
    ],
)
def test_advice_wording(advice, words):
    assert words in advice


@pytest.mark.parametrize(
    "advice",
    [
        stops.STOP_EMERGENCY,
        stops.STOP_EMERGENCY_POSTOP,
        stops.STOP_URGENT_POSTOP,
        stops.STOP_URGENT,
    ],
)
def test_a_sign_that_needs_someone_today_is_never_left_to_the_physio(advice):
    assert "physiotherapist" not in advice.lower()
    assert "today" in advice.lower() or "now" in advice.lower()


def test_a_post_operative_emergency_stop_says_call_the_emergency_number():
    # After hamstring repair the only emergency stop sign is breathlessness or chest pain (a
    # possible clot in the lung): call the emergency number, as the daily check says, rather
    # than travel to the emergency department.
    advice = stop_outcome("emergency", post_operative=True).advice
    assert "call the emergency number" in advice.lower()


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError, match="unknown stop level 'severe'"):
        stop_outcome("severe", False)
    with pytest.raises(ValueError, match="unknown stop level 'severe'"):
        StopSign.from_dict({"id": "x", "level": "severe", "text": "A sign."})


# ---------------------------------------------------------------- R-STOP


def stopped(level, exercise_id="ankle-pumps", slot=1):
    moment = datetime(2026, 2, 3, 18, 5, tzinfo=UTC)
    return ExerciseEntry(
        DAY, exercise_id, slot, 0, 2, "skipped", "stop_if", stop_level=level, recorded_at=moment
    )


@pytest.mark.parametrize(("level", "post_op", "advice", "route", "severity", "today"), CASES)
def test_stop_findings(level, post_op, advice, route, severity, today):
    text = "Sudden breathlessness or chest pain."
    findings = stop_findings(stopped(level), "breathless-chest-pain", text, post_op)
    if route is None:
        assert findings == []
        return
    (finding,) = findings
    assert (finding.rule_id, finding.severity, finding.route_to) == ("R-STOP", severity, route)
    assert finding.episode_key == "2026-02-03:ankle-pumps:breathless-chest-pain"
    assert finding.evidence == {
        "local_date": "2026-02-03",
        "exercise_id": "ankle-pumps",
        "slot": 1,
        "stop_if_id": "breathless-chest-pain",
        "level": level,
        "text": text,
        "advice": advice,
        "recorded_at": "2026-02-03T18:05:00+00:00",
    }
    assert text in finding.rationale


def test_an_exercise_not_stopped_for_a_sign_raises_nothing():
    entry = ExerciseEntry(DAY, "ankle-pumps", 0, 0, 2, "skipped", "no_time")
    assert stop_findings(entry, "", "", True) == []


def test_the_same_sign_in_two_sessions_of_a_day_is_one_episode():
    morning = stop_findings(stopped("urgent", slot=0), "calf-pain-swelling", "Calf.", True)
    evening = stop_findings(stopped("urgent", slot=3), "calf-pain-swelling", "Calf.", True)
    assert morning[0].episode_key == evening[0].episode_key


# ---------------------------------------------------------------- the shipped protocols' signs


@pytest.mark.parametrize(
    ("protocol_id", "exercise_id", "sign_id", "level", "route"),
    [
        ("hamstring-repair", "ankle-pumps", "breathless-chest-pain", "emergency", "surgical_team"),
        ("hamstring-repair", "ankle-pumps", "calf-pain-swelling", "urgent", "surgical_team"),
        ("hamstring-repair", "quad-sets", "repair-pain", "stop", None),
        (
            "pelvic-floor-downtraining",
            "belly-breathing-lying",
            "cauda-equina-signs",
            "emergency",
            "clinician",
        ),
        (
            "hamstring-nonoperative",
            "hamstring-curl-band",
            "pop-or-strength-loss",
            "urgent",
            "clinician",
        ),
        (
            "piriformis-neural-gliding",
            "seated-sciatic-slider",
            "tingling-during-glide",
            "review",
            "physio",
        ),
    ],
)
def test_a_protocol_sign_decides_who_is_told(
    protocols, protocol_id, exercise_id, sign_id, level, route
):
    protocol = protocols[protocol_id]
    sign = protocol.exercise(exercise_id).stop_sign(sign_id)
    assert sign is not None and sign.level == level
    post_op = protocol.care_type == "post_operative"
    assert stop_outcome(sign.level, post_op).route_to == route


def test_an_unknown_sign_id_is_none(protocols):
    ankle_pumps = protocols["hamstring-repair"].exercise("ankle-pumps")
    assert ankle_pumps.stop_sign("sharp-pain") is None
    # An id of another exercise of the same protocol is not a sign of this one.
    assert protocols["hamstring-repair"].exercise("single-leg-balance").stop_sign("risk-of-falling")
    assert ankle_pumps.stop_sign("risk-of-falling") is None


def test_neural_glides_are_marked(protocols):
    piriformis = protocols["piriformis-neural-gliding"]
    assert piriformis.exercise("seated-sciatic-slider").is_neural_glide
    assert piriformis.exercise("seated-sciatic-tensioner").is_neural_glide
    assert not piriformis.exercise("glute-bridge").is_neural_glide


def test_stop_signs_round_trip_through_the_document_form(protocols):
    exercise = protocols["hamstring-repair"].exercise("ankle-pumps")
    signs = exercise.to_dict()["stop_if"]
    assert signs[1] == {
        "id": "breathless-chest-pain",
        "level": "emergency",
        "text": "Sudden breathlessness or chest pain.",
    }
    assert tuple(StopSign.from_dict(s) for s in signs) == exercise.stop_if
