"""Plans, revisions and the dated schedule."""

from marshmallow import Schema, fields, validate

from server.schemas.common import Day, WholeNumber, nonblank

OPS = ("set_dose", "remove_exercise", "restore_exercise", "add_exercise", "move_phase")


class NewPlanSchema(Schema):
    protocol_id = fields.String(required=True, validate=validate.Length(1, 64))
    protocol_version = WholeNumber(validate=validate.Range(1, 100_000))
    start_date = Day(required=True)
    surgery_date = Day(allow_none=True)
    end_date = Day(allow_none=True)


class OperationSchema(Schema):
    op = fields.String(required=True, validate=validate.OneOf(OPS))
    exercise_id = fields.String(validate=validate.Length(1, 64))
    phase_id = fields.String(validate=validate.Length(1, 64))
    dose = fields.Dict(metadata={"description": "set_dose: the dose fields to change"})
    exercise = fields.Dict(metadata={"description": "add_exercise: a full exercise document"})


class PlanAdjustmentSchema(Schema):
    reason = fields.String(required=True, validate=nonblank(2000))
    effective_from = Day(
        metadata={"description": "first day of the new prescription; default: patient's today"}
    )
    operations = fields.List(
        fields.Nested(OperationSchema), load_default=list, validate=validate.Length(max=50)
    )
    end_date = Day(allow_none=True)
    base_revision = WholeNumber(
        validate=validate.Range(1, 100_000),
        metadata={
            "description": "the plan's current_revision this adjustment was made on; if the "
            "plan has been revised since, the adjustment is refused with 409 (reload, retry)"
        },
    )
    until = Day(
        metadata={
            "description": "a dose change or removal for a set time: its last day; the plan "
            "goes back to the lasting prescription the day after"
        }
    )


class RevisionSchema(Schema):
    number = fields.Integer()
    effective_from = fields.Date()
    author_id = fields.Integer()
    created_at = fields.DateTime()
    reason = fields.String()
    operations = fields.List(fields.Dict())
    diff = fields.List(fields.Dict())
    adjustments = fields.Dict()


class PlanSchema(Schema):
    id = fields.Integer()
    patient_id = fields.Integer()
    protocol_id = fields.String(attribute="protocol.protocol_id")
    protocol_version = fields.Integer(attribute="protocol.version")
    protocol_title = fields.String(attribute="protocol.title")
    start_date = fields.Date()
    surgery_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    status = fields.String()
    current_revision = fields.Integer()
    created_by_id = fields.Integer()
    created_at = fields.DateTime()
    revisions = fields.List(fields.Nested(RevisionSchema))


class ScheduleArgs(Schema):
    date_from = Day(data_key="from")
    date_to = Day(data_key="to")


class DoseSchema(Schema):
    sets = fields.Integer()
    reps = fields.Integer()
    hold_s = fields.Integer()
    rest_s = fields.Integer()
    times_per_day = fields.Integer()
    days_per_week = fields.Integer(allow_none=True)
    every_n_days = fields.Integer(allow_none=True)


class SessionSchema(Schema):
    exercise_id = fields.String()
    name = fields.String(attribute="exercise_name")
    category = fields.String()
    slot = fields.Integer(attribute="slot_index")
    time_of_day = fields.String()
    dose = fields.Nested(DoseSchema)


class DaySchema(Schema):
    date = fields.Date()
    phase_id = fields.String()
    phase_title = fields.String()
    restrictions = fields.List(fields.String())
    revision = fields.Integer()
    rest_day = fields.Boolean(attribute="is_rest_day")
    sessions = fields.List(fields.Nested(SessionSchema))


class ScheduleSchema(Schema):
    plan_id = fields.Integer()
    days = fields.List(fields.Nested(DaySchema))
