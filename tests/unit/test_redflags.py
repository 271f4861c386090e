"""Red-flag triage (question set, levels, strict answers, offline-safe) and the R-RED rule."""

import ast
import sys
from datetime import date
from pathlib import Path

import pytest

from server.domain import redflags
from server.domain.history import PatientHistory, RedFlagEntry
from server.domain.redflags import QUESTIONS, triage
from server.domain.rules import red_flag_findings, rule_red

CHECK_DAY = date(2026, 1, 8)

EMERGENCY_KEYS = [
    "bladder_bowel",
    "saddle_numbness",
    "bilateral_leg_symptoms",
    "leg_weakness",
    "gait_disturbance",
]
URGENT_KEYS = [
    "fever",
    "weight_loss",
    "night_pain_cancer_history",
    "trauma",
    "progressive_numbness",
]


def test_question_set():
    keys = [q.key for q in QUESTIONS]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(EMERGENCY_KEYS + URGENT_KEYS)
    for q in QUESTIONS:
        assert q.group in {"cauda_equina", "infection", "cancer", "fracture", "neurological"}
        assert q.level == ("emergency" if q.key in EMERGENCY_KEYS else "urgent")
        assert q.text.endswith("?")
    assert {q.group for q in QUESTIONS if q.level == "emergency"} == {"cauda_equina"}


@pytest.mark.parametrize(
    ("answers", "level", "positives"),
    [
        ({}, "none", ()),
        ({key: False for key in EMERGENCY_KEYS + URGENT_KEYS}, "none", ()),
        *[({key: True}, "emergency", (key,)) for key in EMERGENCY_KEYS],
        *[({key: True}, "urgent", (key,)) for key in URGENT_KEYS],
        ({"fever": True, "saddle_numbness": True}, "emergency", ("saddle_numbness", "fever")),
        (
            {"trauma": True, "weight_loss": True, "fever": False},
            "urgent",
            ("weight_loss", "trauma"),
        ),
    ],
)
def test_triage_levels(answers, level, positives):
    result = triage(answers)
    assert (result.level, result.positives) == (level, positives)
    assert result.advice == redflags.ADVICE[level]


def test_advice_wording():
    assert "emergency department now" in triage({"bladder_bowel": True}).advice
    assert "doctor today" in triage({"fever": True}).advice


def test_unknown_key_is_named():
    with pytest.raises(ValueError, match="'dizziness'"):
        triage({"fever": False, "dizziness": True})


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_non_boolean_answer_is_refused(value):
    with pytest.raises(ValueError, match="fever"):
        triage({"fever": value})


def test_docstring_cites_sources():
    for source in ("BASS 2018", "Henschke", "2013", "Verhagen", "2016"):
        assert source in redflags.__doc__


def test_module_imports_only_the_standard_library():
    # The mobile app triages offline with this module, so it must not drag in the server.
    tree = ast.parse(Path(redflags.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= sys.stdlib_module_names


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"saddle_numbness": True}, "emergency"),
        ({"fever": True}, "urgent"),
        ({"fever": False}, None),
    ],
)
def test_red_flag_findings_at_submission(answers, level):
    findings = red_flag_findings(RedFlagEntry(CHECK_DAY, answers))
    if level is None:
        assert findings == []
        return
    (finding,) = findings
    assert (finding.rule_id, finding.severity, finding.route_to, finding.episode_key) == (
        "R-RED",
        "urgent",
        "clinician",
        "2026-01-08",
    )
    assert finding.evidence["level"] == level
    assert finding.evidence["advice"] in finding.rationale


def test_red_checks_on_one_day_are_one_episode():
    entries = [
        RedFlagEntry(CHECK_DAY, {"fever": True}),
        RedFlagEntry(CHECK_DAY, {"leg_weakness": True}),
        RedFlagEntry(date(2026, 1, 9), {"fever": False}),
    ]
    hist = PatientHistory("p1", date(2026, 1, 10), date(2026, 1, 5), red_flag_entries=entries)
    (finding,) = rule_red(hist)
    assert finding.evidence["positives"] == ["leg_weakness", "fever"]
    assert finding.evidence["level"] == "emergency"
    assert finding.evidence["groups"] == ["cauda_equina", "infection"]
