"""Red-flag triage (question set, levels, strict answers, offline-safe) and the R-RED rule."""

import ast
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain import nerves, postop, redflags, stops
from domain.history import PatientHistory, RedFlagEntry
from domain.redflags import QUESTIONS, all_no, triage
from domain.rules import red_flag_findings, rule_red

CHECK_DAY = date(2026, 1, 8)
ROOT = Path(__file__).resolve().parents[2]

# Every question and the level of a yes: (no history of cancer, history of cancer recorded).
LEVELS = {
    "bladder_bowel": ("emergency", "emergency"),
    "urine_starting": ("emergency", "emergency"),
    "fullness_feeling": ("emergency", "emergency"),
    "saddle_numbness": ("emergency", "emergency"),
    "sexual_dysfunction": ("emergency", "emergency"),
    "bilateral_leg_symptoms": ("emergency", "emergency"),
    "leg_weakness": ("emergency", "emergency"),
    "gait_disturbance": ("emergency", "emergency"),
    "cannot_walk": ("emergency", "emergency"),
    "fever_after_procedure": ("urgent", "urgent"),
    "fever": ("urgent", "urgent"),
    "hot_swollen_joint": ("urgent", "urgent"),
    "night_pain": ("review", "urgent"),
    "weight_loss": ("review", "urgent"),
    "trauma": ("urgent", "urgent"),
    "progressive_numbness": ("urgent", "urgent"),
}
KEYS = list(LEVELS)
SIGN_CASES = [
    pytest.param(key, cancer, LEVELS[key][cancer], id=f"{key}-{'cancer' if cancer else 'none'}")
    for key in KEYS
    for cancer in (False, True)
]


def yes(*keys, rest=False):
    """A complete check: a yes to `keys`, `rest` (False, or None for "not asked") elsewhere."""
    return {key: True if key in keys else rest for key in KEYS}


def test_question_set_is_exactly_the_reviewed_signs():
    assert [q.key for q in QUESTIONS] == KEYS
    for q in QUESTIONS:
        assert q.text.endswith("?"), q.key


def test_cauda_equina_questions_ask_about_what_is_new():
    # A pudendal neuralgia patient's usual perineal symptoms must not send them to A&E each week.
    cauda = [q for q in QUESTIONS if q.group == "cauda_equina"]
    assert {q.key for q in cauda} >= {
        "bladder_bowel",
        "urine_starting",
        "fullness_feeling",
        "saddle_numbness",
        "sexual_dysfunction",
    }
    for q in cauda:
        assert "new" in q.text.lower() or "started" in q.text.lower(), q.key


def test_cancer_history_is_not_asked_of_the_patient():
    assert not any("cancer" in q.text.lower() for q in QUESTIONS)


def test_none_of_these_answers_every_question_no():
    answers = all_no()
    assert answers == {key: False for key in KEYS}
    result = triage(answers)
    assert (result.level, result.positives, result.not_asked) == ("none", (), ())
    assert result.advice == redflags.NONE_ADVICE


@pytest.mark.parametrize(("key", "cancer", "level"), SIGN_CASES)
def test_each_sign_alone(key, cancer, level):
    result = triage(yes(key), cancer_history=cancer)
    assert (result.level, result.positives, result.not_asked) == (level, (key,), ())
    assert result.advice == redflags.ADVICE[level]


@pytest.mark.parametrize(("key", "cancer", "level"), SIGN_CASES)
def test_each_sign_with_the_rest_not_asked(key, cancer, level):
    # The app sends the patient for care at the first yes; the rest is stored as "not asked".
    result = triage(yes(key, rest=None), cancer_history=cancer)
    assert (result.level, result.positives) == (level, (key,))
    assert result.not_asked == tuple(k for k in KEYS if k != key)


@pytest.mark.parametrize("key", ["night_pain", "weight_loss"])
def test_cancer_history_raises_night_pain_and_weight_loss(key):
    assert triage(yes(key)).level == "review"
    assert triage(yes(key), cancer_history=False).level == "review"
    assert triage(yes(key), cancer_history=True).level == "urgent"


@pytest.mark.parametrize(
    ("keys", "level"),
    [
        (("fever", "saddle_numbness"), "emergency"),
        (("night_pain", "trauma"), "urgent"),
        (("night_pain", "weight_loss"), "review"),
        (("weight_loss", "cannot_walk"), "emergency"),
    ],
)
def test_highest_level_wins_and_positives_follow_question_order(keys, level):
    result = triage(yes(*keys))
    assert result.level == level
    assert result.positives == tuple(k for k in KEYS if k in keys)
    assert result.advice == redflags.ADVICE[level]


def test_advice_wording():
    assert "emergency department now" in redflags.ADVICE["emergency"]
    assert "today" in redflags.ADVICE["urgent"]
    assert "Pause your exercises" in redflags.ADVICE["urgent"]
    assert "review this and contact you" in redflags.ADVICE["review"]
    assert "Carry on" in redflags.ADVICE["none"]


@pytest.mark.parametrize("key", KEYS)
def test_a_missing_answer_is_never_a_no(key):
    answers = all_no()
    del answers[key]
    with pytest.raises(ValueError, match=f"missing: .*{key}"):
        triage(answers)


def test_an_empty_check_is_refused():
    with pytest.raises(ValueError, match="every question needs an answer"):
        triage({})


@pytest.mark.parametrize("key", ["bladder_bowel", "night_pain", "progressive_numbness"])
def test_not_asked_is_refused_without_a_yes(key):
    answers = all_no() | {key: None}
    with pytest.raises(ValueError, match=f"without a yes .*{key}"):
        triage(answers)


def test_all_not_asked_is_refused():
    with pytest.raises(ValueError, match="without a yes"):
        triage(dict.fromkeys(KEYS))


@pytest.mark.parametrize("value", ["yes", "no", "true", 1, 0])
def test_non_boolean_answer_is_refused(value):
    with pytest.raises(ValueError, match="'fever' must be true, false or null"):
        triage(all_no() | {"fever": value})


def test_unknown_key_is_named():
    with pytest.raises(ValueError, match="unknown red-flag question: 'dizziness'"):
        triage(all_no() | {"dizziness": True})


def test_docstring_cites_sources():
    for source in ("BASS 2018", "Henschke", "2013", "Verhagen", "2016"):
        assert source in redflags.__doc__


# ---------------------------------------------------------------- offline import

OFFLINE_MODULES = [redflags, postop, stops, nerves]


def _imports(path: Path) -> list[str]:
    """Return the modules a source file imports (from-imports also as module.name)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, f"relative import in {path.name}"
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _non_stdlib_imports(path: Path, seen: set[Path]) -> list[str]:
    """Return imports of `path` and the domain modules it uses outside the stdlib."""
    seen.add(path)
    bad = []
    for name in _imports(path):
        top = name.split(".")[0]
        if top in sys.stdlib_module_names:
            continue
        target = ROOT / (name.replace(".", "/") + ".py")
        if name.startswith("domain.") and target.exists():
            if target not in seen:
                bad += _non_stdlib_imports(target, seen)
        elif name.startswith("domain.") or name == "domain":
            continue  # an imported name (a class, a constant), not a module
        else:
            bad.append(f"{path.name}: {name}")
    return bad


@pytest.mark.parametrize("module", OFFLINE_MODULES, ids=lambda m: m.__name__)
def test_offline_module_imports_only_the_standard_library(module):
    # The mobile app triages offline with these modules, so they must not drag in the server.
    assert _non_stdlib_imports(Path(module.__file__), set()) == []


OFFLINE_IMPORT = """
import sys
sys.path.insert(0, {root!r})
import {names}
extra = sorted(
    m for m in sys.modules
    if m.split(".")[0] not in sys.stdlib_module_names
    and m not in ("__main__", "server") and not m.startswith("domain")
)
sys.exit(", ".join(extra) or None)
"""


def test_offline_modules_import_without_site_packages():
    names = ", ".join(m.__name__ for m in OFFLINE_MODULES)
    code = OFFLINE_IMPORT.format(root=str(ROOT), names=names)
    # -I -S: no site-packages at all, so any third-party import fails here as it would offline.
    run = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


# ---------------------------------------------------------------- R-RED


@pytest.mark.parametrize(("key", "cancer", "level"), SIGN_CASES)
def test_red_flag_findings_at_submission(key, cancer, level):
    moment = datetime(2026, 1, 8, 9, 30, tzinfo=UTC)
    entry = RedFlagEntry(CHECK_DAY, yes(key), moment)
    (finding,) = red_flag_findings(entry, cancer_history=cancer)
    severity = "review" if level == "review" else "urgent"
    assert (finding.rule_id, finding.severity, finding.route_to, finding.episode_key) == (
        "R-RED",
        severity,
        "clinician",
        "2026-01-08",
    )
    assert finding.evidence["level"] == level
    assert finding.evidence["positives"] == [key]
    assert finding.evidence["cancer_history"] is cancer
    assert finding.evidence["recorded_at"] == "2026-01-08T09:30:00+00:00"
    assert finding.evidence["advice"] == redflags.ADVICE[level]
    assert finding.evidence["advice"] in finding.rationale


def test_no_finding_for_an_all_no_check():
    assert red_flag_findings(RedFlagEntry(CHECK_DAY, all_no())) == []


def test_red_flag_findings_refuse_an_incomplete_check():
    with pytest.raises(ValueError, match="missing"):
        red_flag_findings(RedFlagEntry(CHECK_DAY, {"fever": True}))


def red_history(entries, cancer_history=None):
    return PatientHistory(
        "p1",
        date(2026, 1, 10),
        date(2026, 1, 5),
        red_flag_entries=entries,
        cancer_history=cancer_history,
    )


def test_red_checks_on_one_day_are_one_episode():
    entries = [
        RedFlagEntry(CHECK_DAY, yes("fever", rest=None)),
        RedFlagEntry(CHECK_DAY, yes("leg_weakness", rest=None)),
        RedFlagEntry(date(2026, 1, 9), all_no()),
    ]
    (finding,) = rule_red(red_history(entries))
    assert finding.episode_key == "2026-01-08"
    assert finding.evidence["positives"] == ["leg_weakness", "fever"]
    assert finding.evidence["level"] == "emergency"
    assert finding.evidence["groups"] == ["cauda_equina", "infection"]
    both_unasked = [k for k in KEYS if k not in ("fever", "leg_weakness")]
    assert finding.evidence["not_asked"] == both_unasked


@pytest.mark.parametrize("order", [1, -1], ids=["not-asked-first", "no-first"])
def test_a_not_asked_next_to_a_no_stays_no(order):
    entries = [RedFlagEntry(CHECK_DAY, yes("trauma", rest=None)), RedFlagEntry(CHECK_DAY, all_no())]
    (finding,) = rule_red(red_history(entries[::order]))
    assert finding.evidence["positives"] == ["trauma"]
    assert finding.evidence["not_asked"] == []


def test_a_later_no_does_not_erase_an_earlier_yes():
    entries = [RedFlagEntry(CHECK_DAY, yes("saddle_numbness")), RedFlagEntry(CHECK_DAY, all_no())]
    (finding,) = rule_red(red_history(entries))
    assert (finding.severity, finding.evidence["level"]) == ("urgent", "emergency")


def test_each_day_is_its_own_episode():
    entries = [
        RedFlagEntry(date(2026, 1, 6), yes("fever")),
        RedFlagEntry(date(2026, 1, 7), all_no()),
        RedFlagEntry(date(2026, 1, 9), yes("night_pain")),
    ]
    findings = rule_red(red_history(entries))
    assert [(f.episode_key, f.severity) for f in findings] == [
        ("2026-01-06", "urgent"),
        ("2026-01-09", "review"),
    ]


@pytest.mark.parametrize(
    ("cancer_history", "severity", "level"),
    [(None, "review", "review"), (False, "review", "review"), (True, "urgent", "urgent")],
)
def test_rule_red_reads_the_recorded_cancer_history(cancer_history, severity, level):
    entries = [RedFlagEntry(CHECK_DAY, yes("weight_loss"))]
    (finding,) = rule_red(red_history(entries, cancer_history))
    assert (finding.severity, finding.evidence["level"]) == (severity, level)
    assert finding.evidence["cancer_history"] is bool(cancer_history)
    assert finding.evidence["advice"] == redflags.ADVICE[level]


def test_an_r_red_rationale_quotes_the_questions_and_the_day_in_words():
    entry = RedFlagEntry(date(2026, 11, 18), {**all_no(), "saddle_numbness": True})
    [finding] = red_flag_findings(entry)
    question = redflags.QUESTIONS_BY_KEY["saddle_numbness"].text
    assert finding.rationale.startswith(f'Red-flag check on Wed 18 Nov: yes to "{question}"')
    assert "saddle_numbness" not in finding.rationale and "2026-11-18" not in finding.rationale
    assert finding.evidence["positives"] == ["saddle_numbness"], "the evidence keeps the keys"
