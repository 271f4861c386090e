"""Bad protocol documents are refused with the exact field path and a readable reason."""

import copy

import pytest
import yaml

from server.protocols.loader import MAX_BYTES, Problem, parse_protocol_text

EXERCISE = {
    "id": "ex-one",
    "name": "Test stretch",
    "category": "stretch",
    "instructions": ["Do the thing slowly."],
    "dose": {"sets": 1, "reps": 3, "hold_s": 30},
    "stop_if": [{"id": "sharp-pain", "level": "stop", "text": "Sharp pain."}],
    "regression": "Hold for less time.",
    "progression": "Hold for longer.",
    "references": ["ref-one"],
}
BASE = {
    "id": "test-protocol",
    "version": 1,
    "title": "Test protocol",
    "condition": "Test condition",
    "summary": "A protocol used by the tests.",
    "care_type": "conservative",
    "conservative_trial_weeks": 12,
    "references": [{"id": "ref-one", "citation": "Someone. A paper. 2020."}],
    "phases": [{"id": "phase-one", "title": "Phase one", "start_week": 0, "exercises": [EXERCISE]}],
}
DELETE = object()
EX0 = ("phases", 0, "exercises", 0)


def base_text(doc: dict | None = None) -> str:
    return yaml.safe_dump(doc if doc is not None else BASE, sort_keys=False)


def edited(*changes) -> str:
    """BASE with each (path tuple, value) applied; value DELETE removes the key."""
    doc = copy.deepcopy(BASE)
    for path, value in changes:
        node = doc
        for key in path[:-1]:
            node = node[key]
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return base_text(doc)


def second_phase(exercise_id: str = "ex-two", start_week: int = 4, phase_id: str = "phase-two"):
    exercise = dict(copy.deepcopy(EXERCISE), id=exercise_id)
    phase = {
        "id": phase_id,
        "title": "Phase two",
        "start_week": start_week,
        "exercises": [exercise],
    }
    return ("phases",), [copy.deepcopy(BASE["phases"][0]), phase]


def test_minimal_document_loads_with_every_default_filled():
    doc, problems = parse_protocol_text(base_text(), "ok.yaml")
    assert problems == []
    phase = doc["phases"][0]
    exercise = phase["exercises"][0]
    assert phase["start_relative_to"] == "plan_start"
    assert phase["goals"] == phase["criteria"] == phase["restrictions"] == []
    assert exercise["cautions"] == []
    assert exercise["dose"] == {
        "sets": 1,
        "reps": 3,
        "hold_s": 30,
        "rest_s": 0,
        "times_per_day": 1,
        "days_per_week": 7,
    }
    assert doc["escalation"] == {} and doc["notes"] == []


def test_every_n_days_is_kept_without_a_default_days_per_week():
    text = edited((EX0 + ("dose",), {"sets": 1, "reps": 5, "every_n_days": 3}))
    doc, problems = parse_protocol_text(text, "ok.yaml")
    assert problems == []
    dose = doc["phases"][0]["exercises"][0]["dose"]
    assert dose["every_n_days"] == 3 and "days_per_week" not in dose


def test_exercise_references_default_to_empty_list():
    doc, problems = parse_protocol_text(edited((EX0 + ("references",), DELETE)), "ok.yaml")
    assert problems == []
    assert doc["phases"][0]["exercises"][0]["references"] == []


def test_meaningful_context_is_kept_for_conservative_care_only():
    doc, problems = parse_protocol_text(top("meaningful_context", "sitting"), "x.yaml")
    assert problems == [] and doc["meaningful_context"] == "sitting"
    text = edited((("meaningful_context",), "walking"), (("care_type",), "post_operative"))
    _doc, problems = parse_protocol_text(text, "x.yaml")
    assert ("meaningful_context", "only allowed when care_type is conservative") in [
        (p.path, p.reason) for p in problems
    ]


def test_valid_escalation_override_is_kept():
    doc, problems = parse_protocol_text(edited((("escalation",), {"mcid_points": 3})), "ok.yaml")
    assert problems == []
    assert doc["escalation"] == {"mcid_points": 3.0}


def test_problem_prints_file_path_and_reason():
    problem = Problem("hamstring-repair.yaml", "phases[2].exercises[0].dose.hold_s", "must be >= 0")
    assert str(problem) == "hamstring-repair.yaml: phases[2].exercises[0].dose.hold_s: must be >= 0"


def test_problem_uses_the_file_basename():
    _, problems = parse_protocol_text(edited((EX0 + ("dose", "hold_s"), -1)), "/x/y/bad.yaml")
    assert [str(p) for p in problems] == [
        "bad.yaml: phases[0].exercises[0].dose.hold_s: must be >= 0"
    ]


DOSE = "phases[0].exercises[0].dose"
EXP = "phases[0].exercises[0]"
STOP_PATH = f"{EXP}.stop_if"
STOP = f"{STOP_PATH}[0]"
SIGN = EXERCISE["stop_if"][0]
ENROLMENT = {
    "requires": [
        {"kind": "imaging", "details": ["tendons_torn", "retraction_mm"], "text": "MRI first."}
    ],
    "refuse_when": [
        {"detail": "tendons_torn", "at_least": 2, "reason": "Complete.", "references": ["ref-one"]}
    ],
}
DEEP = "notes" + "[0]" * 19
LONG_NUMBER = "9" * 5000
SUMMARY = "summary: A protocol used by the tests."


def top(key, value):
    return edited(((key,), value))


def ex(key, value):
    return edited((EX0 + (key,), value))


def dose(**values):
    return edited(*((EX0 + ("dose", key), value) for key, value in values.items()))


def stop(**values):
    """BASE with the first stop sign's fields changed (DELETE removes one)."""
    return edited(*((EX0 + ("stop_if", 0, key), value) for key, value in values.items()))


def enrolment(details=None, kind=None, **refusal):
    """ENROLMENT with the requirement's details or kind, or the refusal's fields, changed."""
    doc = copy.deepcopy(ENROLMENT)
    if details is not None:
        doc["requires"][0]["details"] = details
    if kind is not None:
        doc["requires"][0]["kind"] = kind
    doc["refuse_when"][0].update(refusal)
    return doc


def case(text, path, reason, name):
    return pytest.param(text, path, reason, id=name)


BAD_DOCUMENTS = [
    case(dose(hold_s=-1), f"{DOSE}.hold_s", "must be >= 0", "negative-hold"),
    case(ex("colour", "red"), f"{EXP}.colour", "unknown field", "unknown-key"),
    case(top("surprise", 1), "surprise", "unknown field", "unknown-top-key"),
    case(dose(sets="three"), f"{DOSE}.sets", "not a valid integer", "wrong-type-string"),
    case(dose(sets=2.5), f"{DOSE}.sets", "not a valid integer", "wrong-type-float"),
    case(dose(sets=True), f"{DOSE}.sets", "not a valid integer", "wrong-type-bool"),
    case(top("title", ["a", "list"]), "title", "not a valid string", "wrong-type-list"),
    case(dose(days_per_week=5, every_n_days=2), DOSE, "not both", "both-frequencies"),
    case(ex("stop_if", DELETE), f"{EXP}.stop_if", "missing data for required", "missing-stop-if"),
    case(ex("stop_if", []), f"{EXP}.stop_if", "length", "empty-stop-if"),
    case(stop(level=DELETE), f"{STOP}.level", "missing data for required", "stop-without-level"),
    case(stop(level="severe"), f"{STOP}.level", "must be one of", "stop-unknown-level"),
    case(stop(level=None), f"{STOP}.level", "may not be null", "stop-null-level"),
    case(stop(id=DELETE), f"{STOP}.id", "missing data for required", "stop-without-id"),
    case(stop(id="Sharp Pain"), f"{STOP}.id", "lower-case id", "stop-bad-id"),
    case(stop(text=DELETE), f"{STOP}.text", "missing data for required", "stop-without-text"),
    case(stop(colour="red"), f"{STOP}.colour", "unknown field", "stop-unknown-key"),
    case(ex("stop_if", ["Sharp pain."]), f"{STOP}", "must be a mapping", "stop-as-plain-text"),
    case(
        stop(level="review", text="Numbness in the leg: contact your physio."),
        f"{STOP}.level",
        "tells the patient to get help ('contact') but the level is review",
        "review-text-sends-for-care",
    ),
    case(
        stop(level="stop", text="Chest pain: call 999."),
        f"{STOP}.level",
        "tells the patient to get help ('call') but the level is stop",
        "stop-text-sends-for-care",
    ),
    case(
        stop(level="urgent", text="Numbness in the leg: contact your physio."),
        None,
        None,
        "urgent-text-may-send-for-care",
    ),
    case(
        stop(level="emergency", text="Chest pain: call 999."),
        None,
        None,
        "emergency-text-may-send-for-care",
    ),
    case(
        ex("stop_if", [SIGN, dict(SIGN, level="review", text="Tingling.")]),
        f"{STOP_PATH}[1].id",
        "duplicate stop_if id 'sharp-pain' in this exercise",
        "duplicate-stop-id",
    ),
    case(
        edited(second_phase()),
        None,
        None,
        "same-stop-id-in-two-exercises",
    ),
    case(top("enrolment", ENROLMENT), None, None, "enrolment-valid"),
    case(
        top("enrolment", enrolment(details=["retraction_mm"])),
        "enrolment.refuse_when[0].detail",
        "must be one of the required details",
        "enrolment-refusal-not-required",
    ),
    case(
        top("enrolment", enrolment(references=["ref-one", "nope"])),
        "enrolment.refuse_when[0].references[1]",
        "unknown reference id 'nope'",
        "enrolment-unknown-reference",
    ),
    case(
        top("enrolment", enrolment(detail="age")),
        "enrolment.refuse_when[0].detail",
        "must be one of",
        "enrolment-unknown-detail",
    ),
    case(
        top("enrolment", enrolment(kind="x_ray")),
        "enrolment.requires[0].kind",
        "must be one of",
        "enrolment-unknown-kind",
    ),
    case(
        top("enrolment", enrolment(at_least=-1)),
        "enrolment.refuse_when[0].at_least",
        "must be >= 0",
        "enrolment-negative-limit",
    ),
    case(
        edited(second_phase(exercise_id="ex-one")),
        "phases[1].exercises[0].id",
        "duplicate exercise id 'ex-one'",
        "duplicate-exercise-id",
    ),
    case(
        edited(second_phase(phase_id="phase-one")),
        "phases[1].id",
        "duplicate phase id",
        "duplicate-phase-id",
    ),
    case(
        top("escalation", {"mcid_pointz": 2}),
        "escalation.mcid_pointz",
        "unknown field",
        "unknown-escalation-key",
    ),
    case(
        top("escalation", {"mcid_points": 9}),
        "escalation.mcid_points",
        "must be <= 5",
        "escalation-out-of-range",
    ),
    case(
        top("escalation", {"neuro_window_days": 2.5}),
        "escalation.neuro_window_days",
        "not a valid integer",
        "escalation-fractional-days",
    ),
    case(
        top("escalation", {"neuro_episodes": 6, "neuro_window_days": 4}),
        "escalation.neuro_episodes",
        "cannot exceed neuro_window_days",
        "escalation-inconsistent",
    ),
    case(
        top("escalation", {"neuro_days": 3}),
        "escalation.neuro_days",
        "unknown field",
        "escalation-old-neuro-days",
    ),
    case(
        top("escalation", {"postop_pain_min": 7}),
        "escalation.postop_pain_min",
        "unknown field",
        "escalation-old-postop-pain-min",
    ),
    case(
        top("escalation", {"neuro_lasting_hours": 48}),
        "escalation.neuro_lasting_hours",
        "unknown field",
        "escalation-lasting-is-not-an-override",
    ),
    case(
        top("conservative_trial_weeks", DELETE),
        "conservative_trial_weeks",
        "required when care_type is conservative",
        "conservative-without-trial",
    ),
    case(
        top("care_type", "post_operative"),
        "conservative_trial_weeks",
        "only allowed when care_type is conservative",
        "post-op-with-trial",
    ),
    case(
        edited((("phases", 0, "start_relative_to"), "surgery_date")),
        "phases[0].start_relative_to",
        "no surgery date",
        "conservative-surgery-phase",
    ),
    case(top("care_type", "surgery"), "care_type", "must be one of", "bad-care-type"),
    case(
        top("meaningful_context", "cycling"),
        "meaningful_context",
        "must be one of: rest, sitting, walking, night, after_exercise",
        "unknown-meaningful-context",
    ),
    case(
        top("meaningful_context", "other"),
        "meaningful_context",
        "must be one of",
        "other-is-not-a-meaningful-context",
    ),
    case(dose(reps=10**30), f"{DOSE}.reps", "must be <= 200", "huge-integer"),
    case(
        base_text().replace("reps: 3", f"reps: {LONG_NUMBER}"),
        f"{DOSE}.reps",
        "far too large",
        "thousands-of-digits",
    ),
    case(top("version", 0), "version", "must be >= 1", "version-zero"),
    case(dose(hold_s=float("inf")), f"{DOSE}.hold_s", "not a valid integer", "infinite"),
    case(
        base_text() + "notes: " + "[" * 30 + "]" * 30 + "\n",
        DEEP,
        "nested deeper than 20 levels",
        "deep-nesting",
    ),
    case("- just\n- a list\n", "<document>", "must be a mapping", "list-document"),
    case("just a string\n", "<document>", "must be a mapping", "scalar-document"),
    case("", "<document>", "it is empty", "empty-document"),
    case("id: [unclosed\ntitle: x\n", "<document>", "invalid YAML", "invalid-syntax"),
    case(base_text() + "---\nid: x\n", "<document>", "only one YAML document", "two-docs"),
    case(base_text() + "title: again\n", "title", "duplicate key", "duplicate-key"),
    case(
        base_text().replace(SUMMARY, "summary: &s A protocol\nnotes: [*s]"),
        "notes[0]",
        "aliases",
        "yaml-alias",
    ),
    case(
        ex("references", ["ref-one", "nope"]),
        f"{EXP}.references[1]",
        "unknown reference id 'nope'",
        "unknown-reference",
    ),
    case(
        top("references", [dict(BASE["references"][0]) for _ in "ab"]),
        "references[1].id",
        "duplicate reference id",
        "duplicate-reference",
    ),
    case(top("id", "Not A Slug"), "id", "lower-case id", "bad-slug"),
    case(top("title", "x" * 201), "title", "longer than maximum length 200", "title-too-long"),
    case(top("title", "   "), "title", "must not be blank", "blank-title"),
    case(ex("instructions", ["step"] * 51), f"{EXP}.instructions", "length", "too-many-steps"),
    case(ex("category", "yoga"), f"{EXP}.category", "must be one of", "bad-category"),
    case(
        dose(times_of_day=["morning", "evening"]),
        f"{DOSE}.times_of_day",
        "must match",
        "times-of-day-mismatch",
    ),
    case(
        dose(times_of_day=["noon"]), f"{DOSE}.times_of_day[0]", "must be one of", "bad-time-of-day"
    ),
    case(dose(every_n_days=1), f"{DOSE}.every_n_days", "must be >= 2", "daily-as-interval"),
    case(
        edited((("phases", 0, "start_week"), 2)),
        "phases[0].start_week",
        "must start at week 0",
        "first-phase-late",
    ),
    case(edited(second_phase(start_week=0)), None, None, "same-start-week-allowed"),
    case(top("phases", []), "phases", "length", "no-phases"),
    case("? !!python/name:os.system\n: 1\n", "<document>", "is not allowed", "tag-on-a-key"),
    case("title: !!binary aGk=\n", "title", "!!binary is not allowed", "non-core-tag"),
    case(base_text().replace("title: Test protocol", "title: !!str 2024"), None, None, "core-tag"),
    case(ex("dose", None), DOSE, "may not be null", "null-dose"),
]


@pytest.mark.parametrize(("text", "path", "reason"), BAD_DOCUMENTS)
def test_bad_document_is_refused_with_path_and_reason(text, path, reason):
    doc, problems = parse_protocol_text(text, "bad.yaml")
    if path is None:  # a boundary case that must be accepted
        assert problems == []
        return
    assert doc is None
    assert [p.path for p in problems] == [path], problems
    assert reason.lower() in problems[0].reason.lower()
    assert problems[0].file == "bad.yaml"


def test_phases_out_of_order_are_refused():
    doc = copy.deepcopy(BASE)
    _, doc["phases"] = second_phase(start_week=4)
    doc["phases"].append(dict(copy.deepcopy(doc["phases"][1]), id="phase-three", start_week=2))
    doc["phases"][2]["exercises"][0]["id"] = "ex-three"
    _, problems = parse_protocol_text(base_text(doc), "bad.yaml")
    assert [(p.path, "must be in order" in p.reason) for p in problems] == [
        ("phases[2].start_week", True)
    ]


def test_python_object_tag_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "executed"
    text = base_text().replace(
        SUMMARY, f"summary: !!python/object/apply:os.system ['touch {marker}']"
    )
    assert "!!python/object/apply:os.system" in text
    doc, problems = parse_protocol_text(text, "evil.yaml")
    assert doc is None
    assert [p.path for p in problems] == ["summary"]
    assert "!!python/object/apply:os.system is not allowed" in problems[0].reason
    assert not marker.exists()


def test_oversized_document_is_refused_before_parsing():
    text = base_text() + "#" + "x" * MAX_BYTES + "\n"
    doc, problems = parse_protocol_text(text, "big.yaml")
    assert doc is None
    assert [(p.path, "larger than 256 KiB" in p.reason) for p in problems] == [("<document>", True)]


def test_every_problem_of_a_document_is_reported():
    text = edited((EX0 + ("dose", "hold_s"), -1), (("title",), 5), (("extra",), 1))
    _, problems = parse_protocol_text(text, "bad.yaml")
    assert sorted(p.path for p in problems) == sorted([f"{DOSE}.hold_s", "title", "extra"])


def test_enrolment_block_is_loaded_with_its_defaults():
    doc, problems = parse_protocol_text(top("enrolment", ENROLMENT), "ok.yaml")
    assert problems == []
    assert doc["enrolment"]["refuse_when"][0]["at_least"] == 2.0
    minimal = {"requires": [{"kind": "imaging", "text": "Any scan."}]}
    doc, problems = parse_protocol_text(top("enrolment", minimal), "ok.yaml")
    assert problems == []
    assert doc["enrolment"] == {
        "requires": [{"kind": "imaging", "details": [], "text": "Any scan."}],
        "refuse_when": [],
    }


# Ways a text tells the patient to get help; only an emergency or urgent sign may say them,
# because the app tells a review or stop patient that nobody needs contacting today.
SENDS_FOR_CARE = [
    "Numbness in the leg: contact your physiotherapist.",
    "Chest pain: call 999.",
    "Chest pain: phone for an ambulance.",
    "New numbness: seek medical advice.",
    "Go to A&E if it does not settle.",
    "Numbness: see your GP.",
    "Tell your surgeon the same day.",
    "Chest pain: dial 999.",
    "Calf swelling: get medical help today.",
]


@pytest.mark.parametrize("level", ["review", "stop"])
@pytest.mark.parametrize("text", SENDS_FOR_CARE)
def test_a_text_that_sends_for_care_needs_an_urgent_level(text, level):
    _, problems = parse_protocol_text(stop(level=level, text=text), "bad.yaml")
    assert [p.path for p in problems] == [f"{STOP}.level"], text
    _, problems = parse_protocol_text(stop(level="urgent", text=text), "ok.yaml")
    assert problems == []


@pytest.mark.parametrize(
    "text",
    [
        "Tingling or numbness down the leg.",
        "Pain at the sit bone reaching 4 out of 10 or more during the hold.",
        "Feeling very anxious or distressed during the session.",
    ],
)
def test_a_text_that_only_describes_the_sign_may_be_review(text):
    _, problems = parse_protocol_text(stop(level="review", text=text), "ok.yaml")
    assert problems == []
