"""marshmallow schemas for one protocol document (protocols/*.yaml); see protocols/README.md."""

import re
from dataclasses import fields as dataclass_fields

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from domain.figure_checks import figure_problems
from domain.figures import CYCLE_S, ELEVATION, MOVE_S, TURN
from domain.history import MEANINGFUL_CONTEXTS
from domain.pathway import DECISION_ID_MAX, done_when_problems, pathway_problems
from domain.protocol import STOP_LEVELS
from domain.ruleset import OVERRIDE_RANGES, Thresholds, thresholds_for

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
REF_ID = r"^[a-z0-9][a-z0-9_-]*$"
ID_MAX = 64
NAME_MAX = 200
TEXT_MAX = 2000
CITATION_MAX = 1000
LIST_MAX = 50
MAX_WEEK = 104

CARE_TYPES = ("conservative", "post_operative")
EVENTS = ("plan_start", "surgery_date")
CATEGORIES = (
    "stretch",
    "neural_glide",
    "strength",
    "motor_control",
    "relaxation",
    "mobility",
    "cardio",
    "education",
)
TIMES_OF_DAY = ("morning", "midday", "afternoon", "evening")
# YAML reads unquoted yes/no, numbers and dates as non-strings; say how to fix it.
NOT_TEXT = {
    "invalid": "not a valid string (put text that looks like a number, date or yes/no in quotes)"
}


class Range(validate.Range):
    """An inclusive range whose message names the bound crossed: `must be >= 0`."""

    def __call__(self, value):
        if self.min is not None and value < self.min:
            raise ValidationError(f"must be >= {self.min}")
        if self.max is not None and value > self.max:
            raise ValidationError(f"must be <= {self.max}")
        return value


class StrictSchema(Schema):
    """Base schema: unknown keys are refused (marshmallow 4 default) with a helpful message."""

    error_messages = {
        "unknown": "unknown field (not part of the protocol format; check the spelling)",
        "type": "must be a mapping of field: value",
    }


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


def text(max_len: int = NAME_MAX, **kwargs) -> fields.String:
    """A required-by-default, non-blank string of at most `max_len` characters."""
    kwargs.setdefault("required", True)
    return fields.String(
        validate=[validate.Length(max=max_len), _not_blank], error_messages=NOT_TEXT, **kwargs
    )


def texts(item_max: int = TEXT_MAX, min_items: int = 0, **kwargs) -> fields.List:
    """A list of at most LIST_MAX non-blank strings; optional lists default to []."""
    if min_items:
        kwargs.setdefault("required", True)
    else:
        kwargs.setdefault("load_default", list)
    return fields.List(
        text(item_max), validate=validate.Length(min=min_items, max=LIST_MAX), **kwargs
    )


def integer(low: int, high: int, **kwargs) -> fields.Integer:
    """A strict integer (no floats, strings or booleans) within [low, high]."""
    return fields.Integer(strict=True, validate=Range(min=low, max=high), **kwargs)


def reference_ids() -> fields.List:
    """An optional list of ids of the protocol's references (checked against them later)."""
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=ID_MAX)),
        validate=validate.Length(max=LIST_MAX),
        load_default=list,
    )


def slug(pattern: str = SLUG) -> fields.String:
    """A required id matching `pattern`, at most ID_MAX characters."""
    message = f"must be a short lower-case id matching {pattern}"
    return fields.String(
        required=True,
        validate=[validate.Length(min=1, max=ID_MAX), validate.Regexp(pattern, error=message)],
    )


def _escalation_field(name: str, kind: type) -> fields.Field:
    low, high = OVERRIDE_RANGES[name]
    if kind is int:
        return integer(int(low), int(high))
    return fields.Float(allow_nan=False, validate=Range(min=low, max=high))


# One optional field per overridable threshold, typed like the Thresholds dataclass.
EscalationSchema = StrictSchema.from_dict(
    {
        f.name: _escalation_field(f.name, int if f.type in (int, "int") else float)
        for f in dataclass_fields(Thresholds)
        if f.name in OVERRIDE_RANGES
    },
    name="EscalationSchema",
)


class DoseSchema(StrictSchema):
    """How much, how often: one exercise's prescription."""

    sets = integer(1, 20, required=True)
    reps = integer(1, 200, required=True)
    hold_s = integer(0, 600, load_default=0)
    rest_s = integer(0, 600, load_default=0)
    times_per_day = integer(1, 4, load_default=1)
    times_of_day = fields.List(
        fields.String(validate=validate.OneOf(TIMES_OF_DAY)), validate=validate.Length(min=1, max=4)
    )
    days_per_week = integer(1, 7)
    every_n_days = integer(2, 14)

    @validates_schema
    def _check_frequency(self, data, **kwargs):
        if "days_per_week" in data and "every_n_days" in data:
            raise ValidationError("give either days_per_week or every_n_days, not both")
        slots = data.get("times_of_day")
        if slots is None:
            return
        if len(slots) != data["times_per_day"]:
            raise ValidationError(
                f"times_of_day lists {len(slots)} time(s) but times_per_day is "
                f"{data['times_per_day']}; they must match",
                field_name="times_of_day",
            )
        if len(set(slots)) != len(slots):
            raise ValidationError("each time of day may appear once", field_name="times_of_day")

    @post_load
    def _default_frequency(self, data, **kwargs):
        if "every_n_days" not in data:
            data.setdefault("days_per_week", 7)
        return data


# Words that send the patient to someone: only an emergency or urgent sign may use them, because
# the app tells a review or stop sign's patient that nobody needs to be contacted today.
SENDS_FOR_CARE = re.compile(
    r"\b(contact|call|dial|ring|phone|seek|emergency|urgent|urgently|hospital|a&e|doctor|gp|"
    r"ambulance|999|111|112|911|surgeon|surgical team|tell your|tell the|see your|go to|"
    r"get (medical )?help|medical (help|advice|care))\b",
    re.IGNORECASE,
)
# Clinical-event details a protocol's enrolment may require or test (server/schemas/logs.py).
ENROLMENT_KINDS = ("imaging", "guided_injection", "exam_finding")
ENROLMENT_DETAILS = ("tendons_torn", "retraction_mm")


class StopSignSchema(StrictSchema):
    """A symptom that stops the exercise, with the level of care it needs."""

    id = slug()
    level = fields.String(required=True, validate=validate.OneOf(STOP_LEVELS))
    text = text(TEXT_MAX)

    @validates_schema
    def _level_matches_text(self, data, **kwargs):
        found = SENDS_FOR_CARE.search(data.get("text", ""))
        if data.get("level") in ("review", "stop") and found:
            raise ValidationError(
                f"the text tells the patient to get help ('{found.group(0)}') but the level is "
                f"{data['level']}: use level urgent or emergency, or describe only the sign",
                "level",
            )


class RequirementSchema(StrictSchema):
    """A clinical event that must be on record before the protocol is assigned."""

    kind = fields.String(required=True, validate=validate.OneOf(ENROLMENT_KINDS))
    details = fields.List(
        fields.String(validate=validate.OneOf(ENROLMENT_DETAILS)),
        load_default=list,
        validate=validate.Length(max=10),
    )
    text = text(TEXT_MAX)


class RefusalSchema(StrictSchema):
    """A recorded detail that rules the protocol out, with the reason shown to staff."""

    detail = fields.String(required=True, validate=validate.OneOf(ENROLMENT_DETAILS))
    at_least = fields.Float(required=True, allow_nan=False, validate=Range(min=0, max=1000))
    reason = text(TEXT_MAX)
    references = reference_ids()


class EnrolmentSchema(StrictSchema):
    """What must be on record before the protocol is assigned."""

    requires = fields.List(
        fields.Nested(RequirementSchema), load_default=list, validate=validate.Length(max=10)
    )
    refuse_when = fields.List(
        fields.Nested(RefusalSchema), load_default=list, validate=validate.Length(max=10)
    )

    @validates_schema
    def _refusals_are_recorded(self, data, **kwargs):
        required = {d for r in data.get("requires", ()) for d in r["details"]}
        for i, refusal in enumerate(data.get("refuse_when", ())):
            if refusal["detail"] not in required:
                raise ValidationError(
                    {"refuse_when": {i: {"detail": ["must be one of the required details"]}}}
                )


class DoneWhenSchema(StrictSchema):
    """Which clinical record completes a pathway step (the rules are domain.pathway's)."""

    class Meta:
        unknown = "include"  # checked, with the allowed fields named, by done_when_problems

    @validates_schema(pass_original=True)
    def _check(self, data, original, **kwargs):
        errors: dict = {}
        for key, reason in done_when_problems(original):
            errors.setdefault(key or "_schema", []).append(reason)
        if errors:
            raise ValidationError(errors)


class PathwayStepSchema(StrictSchema):
    """One step after a failed trial, in order."""

    id = slug(REF_ID)
    title = text(NAME_MAX)
    done_when = fields.Nested(DoneWhenSchema, required=True)
    next_step = text(TEXT_MAX, required=False)
    references = reference_ids()


class PathwayDecisionSchema(StrictSchema):
    """A decision a clinician can take on a failed trial of this protocol."""

    id = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=DECISION_ID_MAX),
            validate.Regexp(r"^[a-z][a-z0-9_]*$", error="must be a lower_case_id"),
        ],
    )
    label = text(NAME_MAX)
    review = fields.Boolean(
        load_default=False,
        truthy={True},
        falsy={False},
        error_messages={"invalid": "not true/false"},
    )


class PathwaySchema(StrictSchema):
    """What follows a failed trial: the steps in order and the decisions allowed."""

    steps = fields.List(
        fields.Nested(PathwayStepSchema), required=True, validate=validate.Length(min=1, max=12)
    )
    decisions = fields.List(
        fields.Nested(PathwayDecisionSchema),
        required=True,
        validate=validate.Length(min=2, max=12),
    )

    @validates_schema
    def _check(self, data, **kwargs):
        errors = _Errors()
        for path, reason in pathway_problems(data):
            errors.add(path, reason)
        for i, step in enumerate(data.get("steps", ())[1:], start=1):
            if "lumbar_spine" in step["done_when"]:
                # clinical-review section 5: rule out the lumbar spine first.
                errors.add(("steps", i, "done_when"), "the lumbar spine step must come first")
        errors.raise_if_any()


class FigureSchema(StrictSchema):
    """An exercise's demonstration figure; the poses and phases are checked by domain.figures."""

    view = fields.String(required=True)
    props = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=10))
    poses = fields.List(fields.Dict(), required=True, validate=validate.Length(min=2, max=8))
    phases = fields.Dict(keys=fields.String(), required=True)
    move_s = fields.Float(allow_nan=False, validate=Range(min=MOVE_S[0], max=MOVE_S[1]))
    cycle_s = fields.Float(allow_nan=False, validate=Range(min=CYCLE_S[0], max=CYCLE_S[1]))
    anchor = fields.String()
    anchor_in = fields.String()
    elevation = fields.Float(allow_nan=False, validate=Range(min=ELEVATION[0], max=ELEVATION[1]))
    turn = fields.Float(allow_nan=False, validate=Range(min=TURN[0], max=TURN[1]))


class ExerciseSchema(StrictSchema):
    """One exercise with its steps, dose and safety rules."""

    id = slug()
    name = text(NAME_MAX)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    instructions = texts(TEXT_MAX, min_items=1)
    dose = fields.Nested(DoseSchema, required=True)
    cautions = texts(TEXT_MAX)
    stop_if = fields.List(
        fields.Nested(StopSignSchema), required=True, validate=validate.Length(min=1, max=LIST_MAX)
    )
    regression = text(TEXT_MAX)
    progression = text(TEXT_MAX)
    references = reference_ids()
    figure = fields.Nested(FigureSchema)

    @validates_schema
    def _figure_follows_the_dose(self, data, **kwargs):
        if "figure" not in data:
            return
        errors = _Errors()
        for path, reason in figure_problems(data["figure"], data["dose"]):
            errors.add(("figure", *path), reason)
        errors.raise_if_any()


class PhaseSchema(StrictSchema):
    """A stage of the protocol, entered at a week counted from an event."""

    id = slug()
    title = text(NAME_MAX)
    start_week = integer(0, MAX_WEEK, required=True)
    start_relative_to = fields.String(validate=validate.OneOf(EVENTS), load_default="plan_start")
    goals = texts(TEXT_MAX)
    criteria = texts(TEXT_MAX)
    restrictions = texts(TEXT_MAX)
    exercises = fields.List(
        fields.Nested(ExerciseSchema), required=True, validate=validate.Length(min=1, max=LIST_MAX)
    )


class ReferenceSchema(StrictSchema):
    """A citation that exercises may point to by id."""

    id = slug(REF_ID)
    citation = text(CITATION_MAX)


class ProtocolSchema(StrictSchema):
    """One protocol document (one YAML file)."""

    id = slug()
    version = integer(1, 100_000, required=True)
    title = text(NAME_MAX)
    condition = text(NAME_MAX)
    summary = text(TEXT_MAX)
    care_type = fields.String(required=True, validate=validate.OneOf(CARE_TYPES))
    conservative_trial_weeks = integer(1, MAX_WEEK)
    meaningful_context = fields.String(validate=validate.OneOf(MEANINGFUL_CONTEXTS))
    escalation = fields.Nested(EscalationSchema, load_default=dict)
    enrolment = fields.Nested(EnrolmentSchema)
    pathway = fields.Nested(PathwaySchema)
    notes = texts(TEXT_MAX)
    references = fields.List(
        fields.Nested(ReferenceSchema), required=True, validate=validate.Length(min=1, max=LIST_MAX)
    )
    phases = fields.List(
        fields.Nested(PhaseSchema), required=True, validate=validate.Length(min=1, max=LIST_MAX)
    )

    @validates_schema
    def _check_cross_field_rules(self, data, **kwargs):
        errors = _Errors()
        _check_care_type(data, errors)
        _check_escalation(data, errors)
        _check_references(data, errors)
        _check_phases(data, errors)
        _check_exercise_ids(data, errors)
        _check_stop_ids(data, errors)
        errors.raise_if_any()


class _Errors:
    """Collect errors at nested paths into the dict shape marshmallow itself produces."""

    def __init__(self) -> None:
        self.tree: dict = {}

    def add(self, path: tuple, message: str) -> None:
        node = self.tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node.setdefault(path[-1], []).append(message)

    def raise_if_any(self) -> None:
        if self.tree:
            raise ValidationError(self.tree)


def _check_care_type(data: dict, errors: _Errors) -> None:
    has_trial = "conservative_trial_weeks" in data
    conservative = data["care_type"] == "conservative"
    if conservative and not has_trial:
        reason = "required when care_type is conservative (weeks before failed care is judged)"
        errors.add(("conservative_trial_weeks",), reason)
    if not conservative and has_trial:
        errors.add(("conservative_trial_weeks",), "only allowed when care_type is conservative")
    if not conservative and "meaningful_context" in data:
        errors.add(("meaningful_context",), "only allowed when care_type is conservative")
    if not conservative and "pathway" in data:
        errors.add(("pathway",), "only allowed when care_type is conservative (no failed trial)")
    for i, phase in enumerate(data["phases"]):
        if conservative and phase["start_relative_to"] == "surgery_date":
            reason = "a conservative protocol has no surgery date; use plan_start"
            errors.add(("phases", i, "start_relative_to"), reason)


def _check_escalation(data: dict, errors: _Errors) -> None:
    effective = thresholds_for(data["escalation"])
    if effective.neuro_episodes > effective.neuro_window_days:
        reason = (
            f"neuro_episodes ({effective.neuro_episodes}) cannot exceed neuro_window_days "
            f"({effective.neuro_window_days})"
        )
        errors.add(("escalation", "neuro_episodes"), reason)


def _check_references(data: dict, errors: _Errors) -> None:
    known: set[str] = set()
    for i, ref in enumerate(data["references"]):
        if ref["id"] in known:
            errors.add(("references", i, "id"), f"duplicate reference id '{ref['id']}'")
        known.add(ref["id"])
    for p, phase in enumerate(data["phases"]):
        for e, exercise in enumerate(phase["exercises"]):
            for r, ref_id in enumerate(exercise["references"]):
                if ref_id not in known:
                    reason = f"unknown reference id '{ref_id}' (not in the protocol's references)"
                    errors.add(("phases", p, "exercises", e, "references", r), reason)
    for s, step in enumerate((data.get("pathway") or {}).get("steps", ())):
        for i, ref_id in enumerate(step["references"]):
            if ref_id not in known:
                reason = f"unknown reference id '{ref_id}' (not in the protocol's references)"
                errors.add(("pathway", "steps", s, "references", i), reason)
    for r, refusal in enumerate((data.get("enrolment") or {}).get("refuse_when", ())):
        for i, ref_id in enumerate(refusal["references"]):
            if ref_id not in known:
                reason = f"unknown reference id '{ref_id}' (not in the protocol's references)"
                errors.add(("enrolment", "refuse_when", r, "references", i), reason)


def _check_phases(data: dict, errors: _Errors) -> None:
    seen_ids: set[str] = set()
    last_week: dict[str, int] = {}
    for i, phase in enumerate(data["phases"]):
        if phase["id"] in seen_ids:
            errors.add(("phases", i, "id"), f"duplicate phase id '{phase['id']}'")
        seen_ids.add(phase["id"])
        event, week = phase["start_relative_to"], phase["start_week"]
        if event == "plan_start" and event not in last_week and week != 0:
            # Otherwise the plan would have no exercises in its first weeks.
            reason = "the first phase counted from plan_start must start at week 0"
            errors.add(("phases", i, "start_week"), reason)
        if week < last_week.get(event, 0):
            reason = (
                f"phases must be in order: starts at week {week}, before the previous phase "
                f"counted from {event} (week {last_week[event]})"
            )
            errors.add(("phases", i, "start_week"), reason)
        last_week[event] = max(week, last_week.get(event, 0))


def _check_exercise_ids(data: dict, errors: _Errors) -> None:
    first_seen: dict[str, str] = {}
    for p, phase in enumerate(data["phases"]):
        for e, exercise in enumerate(phase["exercises"]):
            ex_id = exercise["id"]
            if ex_id in first_seen:
                reason = (
                    f"duplicate exercise id '{ex_id}' (first used at {first_seen[ex_id]}); "
                    "ids must be unique across the protocol"
                )
                errors.add(("phases", p, "exercises", e, "id"), reason)
            else:
                first_seen[ex_id] = f"phases[{p}].exercises[{e}]"


def _check_stop_ids(data: dict, errors: _Errors) -> None:
    for p, phase in enumerate(data["phases"]):
        for e, exercise in enumerate(phase["exercises"]):
            seen: set[str] = set()
            for s, sign in enumerate(exercise["stop_if"]):
                if sign["id"] in seen:
                    reason = f"duplicate stop_if id '{sign['id']}' in this exercise"
                    errors.add(("phases", p, "exercises", e, "stop_if", s, "id"), reason)
                seen.add(sign["id"])
