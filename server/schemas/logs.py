"""Patient-reported events and clinical events."""

from typing import get_args

from marshmallow import ValidationError, fields, validate, validates_schema

from domain.history import ClinicalKind, PainContext, SkipReason, Status
from domain.nerves import NERVE_ANSWERS
from domain.postop import QUESTIONS as POSTOP_QUESTIONS
from domain.protocol import STOP_LEVELS
from domain.redflags import QUESTIONS
from server.protocols.loader import flatten_errors
from server.schemas.clinical import (  # noqa: F401 (re-exported)
    DETAIL_SCHEMAS,
    INJECTION_GUIDANCE,
    ImagingDetails,
)
from server.schemas.common import (
    SANE_MOMENT,
    Day,
    Nprs,
    QuerySchema,
    StrictSchema,
    WholeNumber,
    id_field,
    yes_no,
)

# Enforced by the service (server/services/events.py) and stated here for the OpenAPI document.
NOT_AHEAD = "not after tomorrow in the patient's time zone"
_uuid = fields.UUID(
    required=True, metadata={"description": "made on the device; a repeat is a no-op"}
)


class _EventSchema(StrictSchema):
    id = fields.UUID(attribute="client_uuid", required=True, metadata=_uuid.metadata)
    recorded_at = fields.AwareDateTime(
        allow_none=True,
        validate=SANE_MOMENT,
        metadata={"description": "device time (not trusted for ordering)"},
    )
    received_at = fields.DateTime(dump_only=True)
    supersedes = fields.UUID(
        allow_none=True,
        metadata={"description": "the event of the same patient and kind this one corrects"},
    )
    superseded_by = fields.UUID(
        dump_only=True,
        allow_none=True,
        metadata={"description": "in lists: the later event that corrects this one"},
    )
    patient_id = fields.Integer(dump_only=True)


class ExerciseLogSchema(_EventSchema):
    plan_id = id_field(required=True)
    exercise_id = fields.String(required=True, validate=validate.Length(1, 64))
    local_date = Day(
        required=True,
        metadata={
            "description": f"the patient's date of the session: {NOT_AHEAD}, within the plan "
            "(from its start to its end) and a day on which the exercise and slot are prescribed"
        },
    )
    slot = WholeNumber(load_default=1, validate=validate.Range(1, 4))
    sets_done = WholeNumber(required=True, validate=validate.Range(0, 100))
    sets_due = WholeNumber(required=True, validate=validate.Range(1, 100))
    status = fields.String(required=True, validate=validate.OneOf(get_args(Status)))
    skip_reason = fields.String(allow_none=True, validate=validate.OneOf(get_args(SkipReason)))
    stop_if_id = fields.String(
        allow_none=True,
        validate=validate.Length(1, 64),
        metadata={"description": "the stop_if entry that stopped the session (its id)"},
    )
    stop_symptom = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "the stop sign's text, from the protocol"},
    )
    stop_level = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"enum": list(STOP_LEVELS), "description": "decided from the protocol version"},
    )
    nerve_symptoms = fields.String(
        allow_none=True,
        validate=validate.OneOf(NERVE_ANSWERS),
        metadata={"description": "after a neural glide: tingling or numbness that came on"},
    )
    pain_before = WholeNumber(allow_none=True, validate=Nprs.validate)
    pain_after = WholeNumber(allow_none=True, validate=Nprs.validate)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _consistent(self, data, **_):
        done, due, status = data.get("sets_done"), data.get("sets_due"), data.get("status")
        if done is None or due is None or status is None:
            return
        if done > due:
            raise ValidationError("must not exceed sets_due", "sets_done")
        if status == "done" and done != due:
            raise ValidationError("status 'done' needs sets_done == sets_due", "status")
        if status == "partial" and not 0 < done < due:
            raise ValidationError("status 'partial' needs 0 < sets_done < sets_due", "status")
        if status == "skipped":
            if done != 0:
                raise ValidationError("status 'skipped' needs sets_done == 0", "sets_done")
        if status in ("skipped", "partial") and data.get("skip_reason") == "stop_if":
            if not data.get("stop_if_id"):
                raise ValidationError("name the stop_if entry that happened", "stop_if_id")
        if data.get("stop_if_id") and data.get("skip_reason") != "stop_if":
            raise ValidationError("only with skip_reason 'stop_if'", "stop_if_id")
        if status == "skipped" and not data.get("skip_reason"):
            raise ValidationError("a skipped exercise needs a reason", "skip_reason")


class PainLogSchema(_EventSchema):
    local_date = Day(
        required=True,
        metadata={"description": f"{NOT_AHEAD}, not before the patient's care began"},
    )
    nprs = WholeNumber(required=True, validate=Nprs.validate)
    context = fields.String(required=True, validate=validate.OneOf(get_args(PainContext)))
    tingling = fields.Boolean(load_default=False)
    numbness = fields.Boolean(load_default=False)
    felt_pop = fields.Boolean(load_default=False)
    new_bruising = fields.Boolean(load_default=False)
    cannot_bear_weight = fields.Boolean(load_default=False)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


def _answers_schema(questions, name: str, required: bool) -> type[StrictSchema]:
    """One yes/no/null answer per question, built from the question set so they never drift."""
    answer = {
        q.key: yes_no(
            required=required,
            allow_none=True,
            metadata={"description": f"{q.text} (null: not asked, allowed only beside a yes)"},
        )
        for q in questions
    }
    schema = StrictSchema.from_dict(answer, name=name)

    class Answers(schema):
        @validates_schema
        def _null_only_beside_a_yes(self, data, **_):
            if not any(data.values()):
                for key, value in data.items():
                    if value is None:
                        raise ValidationError("answer yes or no (null only beside a yes)", key)

    Answers.__name__ = name
    return Answers


RedFlagAnswersSchema = _answers_schema(QUESTIONS, "RedFlagAnswers", required=True)
# Which post-operative questions are asked depends on the day, so the service checks that every
# asked question has an answer.
PostopAnswersSchema = _answers_schema(POSTOP_QUESTIONS, "PostopAnswers", required=False)


class PainLogResultSchema(PainLogSchema):
    show_urgent_advice = fields.Boolean(dump_only=True)
    advice = fields.String(dump_only=True, allow_none=True)
    alert_ids = fields.List(fields.Integer(), dump_only=True)


class RedFlagCheckSchema(_EventSchema):
    local_date = Day(required=True, metadata={"description": NOT_AHEAD})
    answers = fields.Nested(RedFlagAnswersSchema, required=True)


class _TriageResult(StrictSchema):
    """What a check's answer tells the device: the level, the advice, the alerts raised."""

    level = fields.String(
        dump_only=True, metadata={"enum": ["none", "review", "urgent", "emergency"]}
    )
    positives = fields.List(fields.String(), dump_only=True)
    advice = fields.String(dump_only=True)
    show_urgent_advice = fields.Boolean(dump_only=True)
    alert_ids = fields.List(fields.Integer(), dump_only=True)


class RedFlagResultSchema(RedFlagCheckSchema, _TriageResult):
    pass


class PostopCheckSchema(_EventSchema):
    local_date = Day(
        required=True,
        metadata={
            "description": f"{NOT_AHEAD}, on or after the surgery date of a post-operative plan"
        },
    )
    answers = fields.Nested(PostopAnswersSchema, required=True)


class PostopCheckResultSchema(PostopCheckSchema, _TriageResult):
    pass


class ExerciseLogResultSchema(ExerciseLogSchema):
    advice = fields.String(dump_only=True, allow_none=True)
    show_urgent_advice = fields.Boolean(dump_only=True)
    alert_ids = fields.List(fields.Integer(), dump_only=True)


class ClinicalEventSchema(_EventSchema):
    id = fields.UUID(
        attribute="client_uuid",
        load_default=None,
        metadata={
            "description": "made by the client; send one so that a retry is answered with the "
            "stored event (200) instead of storing it twice; the same id with other content "
            "is refused (409); without one, every request stores a new event"
        },
    )
    kind = fields.String(required=True, validate=validate.OneOf(get_args(ClinicalKind)))
    event_date = Day(required=True, metadata={"description": NOT_AHEAD})
    details = fields.Dict(
        required=True,
        metadata={
            "description": "by kind: imaging ImagingDetails, guided_injection "
            "InjectionDetails, exam_finding ExamFindingDetails, intake IntakeDetails, "
            "medication_review MedicationReviewDetails (rows stored before these were "
            "structured list as written)",
            "oneOf": [
                {"$ref": f"#/components/schemas/{s.__name__}"} for s in DETAIL_SCHEMAS.values()
            ],
        },
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))
    recorded_by_id = fields.Integer(dump_only=True)


def load_details(data: dict) -> tuple[dict, tuple[str, str] | None]:
    """Load a loaded clinical event's details with the schema of its kind.

    Return the event with its details loaded and None, or the event as it came and the first
    (field, reason) wrong in its details ("details.side", ...): the events service reports that
    in its turn, after the checks that come before it (the event a correction names).
    """
    try:
        details = DETAIL_SCHEMAS[data["kind"]]().load(data["details"])
    except ValidationError as error:
        path, reason = flatten_errors(error.messages)[0]
        return data, (f"details.{path}", reason)
    return {**data, "details": details}, None


class LogRangeArgs(QuerySchema):
    date_from = Day(data_key="from")
    date_to = Day(data_key="to")
    limit = WholeNumber(load_default=500, validate=validate.Range(1, 1000))
