"""The sync exchange: a batch of device events in, per-event results and changes out."""

from marshmallow import fields, validate

from server.models.logs import EVENT_KINDS
from server.schemas.common import MAX_ID, StrictSchema, WholeNumber, id_field
from server.schemas.logs import (
    ClinicalEventSchema,
    ExerciseLogSchema,
    PainLogSchema,
    PostopCheckResultSchema,
    RedFlagResultSchema,
)
from server.schemas.outcomes import OutcomeMeasureSchema
from server.schemas.planned import PlannedDump, PlannedLoad
from server.schemas.plans import PlanSchema
from server.schemas.protocols import ProtocolDetailSchema
from server.schemas.text import ANY_INDEX

EVENT_TYPES = EVENT_KINDS


class SyncEventSchema(PlannedLoad):
    id = fields.UUID(required=True, metadata={"description": "made on the device"})
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    patient_id = id_field(
        metadata={"description": "defaults to the caller's own record (patients)"}
    )
    data = fields.Dict(required=True, metadata={"description": "the event's fields, without id"})


class SyncRequestSchema(PlannedLoad):
    """Loaded by a plan made from these fields (see server/schemas/planned.py)."""

    # Text that cannot be stored in an event's data refuses that event alone (its result says
    # so), not the batch: a device would otherwise resend the same batch forever.
    text_checked_per_item = ("events", ANY_INDEX, "data")

    cursor = WholeNumber(load_default=0, validate=validate.Range(0, MAX_ID))
    events = fields.List(
        fields.Nested(SyncEventSchema), load_default=list, validate=validate.Length(max=500)
    )


class SyncResultSchema(StrictSchema):
    id = fields.UUID()
    type = fields.String()
    status = fields.String(metadata={"enum": ["created", "duplicate", "rejected"]})
    message = fields.String()
    errors = fields.Dict(allow_none=True, metadata={"description": "field: reasons, if any"})
    level = fields.String(
        metadata={
            "enum": ["none", "stop", "review", "urgent", "emergency"],
            "description": "what the patient is told: a check's triage, or a stop sign's level",
        }
    )
    advice = fields.String(allow_none=True)
    alert_ids = fields.List(
        fields.Integer(),
        metadata={
            "description": "alerts this event raised or added to; the app says the care team "
            "has been told only when this is not empty"
        },
    )


def _logs(schema, what: str) -> fields.List:
    """A list of logs as their GET lists return them, new on the feed since the cursor."""
    description = f"{what} stored since the cursor (by any device or person), oldest first"
    return fields.List(fields.Nested(schema), metadata={"description": description})


class ChangesSchema(StrictSchema):
    protocol_versions = fields.List(fields.Nested(ProtocolDetailSchema))
    plans = fields.List(fields.Nested(PlanSchema))
    alerts = fields.List(fields.Dict())
    exercise_logs = _logs(ExerciseLogSchema, "exercise logs")
    pain_logs = _logs(PainLogSchema, "pain logs")
    red_flag_checks = _logs(RedFlagResultSchema, "red-flag checks")
    postop_checks = _logs(PostopCheckResultSchema, "post-operative checks")
    clinical_events = _logs(ClinicalEventSchema, "clinical events")
    outcome_measures = _logs(OutcomeMeasureSchema, "outcome measures (LEFS and PGIC)")


class SyncResponseSchema(PlannedDump):
    """The answer, dumped by a plan made from these fields (see server/schemas/planned.py)."""

    results = fields.List(fields.Nested(SyncResultSchema))
    changes = fields.Nested(ChangesSchema)
    cursor = fields.Integer()
    has_more = fields.Boolean()
    server_time = fields.DateTime()
