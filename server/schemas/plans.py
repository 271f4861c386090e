"""Plans, revisions and the dated schedule."""

from collections.abc import Callable, Sequence
from datetime import date

from marshmallow import ValidationError, fields, validate

from domain.schedule import DayPlan
from server.protocols.loader import flatten_errors
from server.protocols.schema import ExerciseSchema
from server.schemas.common import (
    MAX_SCHEDULE_DAYS,
    Day,
    QuerySchema,
    StrictSchema,
    WholeNumber,
    text_field,
)

OPS = ("set_dose", "remove_exercise", "restore_exercise", "add_exercise", "move_phase")


class NewPlanSchema(StrictSchema):
    protocol_id = fields.String(required=True, validate=validate.Length(1, 64))
    protocol_version = WholeNumber(validate=validate.Range(1, 100_000))
    start_date = Day(required=True)
    surgery_date = Day(
        allow_none=True,
        metadata={"description": "on or before start_date; required by post-operative protocols"},
    )
    end_date = Day(allow_none=True, metadata={"description": "on or after start_date"})


class OperationSchema(StrictSchema):
    op = fields.String(required=True, validate=validate.OneOf(OPS))
    exercise_id = fields.String(validate=validate.Length(1, 64))
    phase_id = fields.String(validate=validate.Length(1, 64))
    dose = fields.Dict(metadata={"description": "set_dose: the dose fields to change"})
    exercise = fields.Dict(metadata={"description": "add_exercise: a full exercise document"})


class PlanAdjustmentSchema(StrictSchema):
    reason = text_field(2000, required=True)
    effective_from = Day(
        metadata={
            "description": "first day of the new prescription; default: patient's today; not "
            "a past day, nor before the latest revision's effective_from"
        }
    )
    operations = fields.List(
        fields.Nested(OperationSchema), load_default=list, validate=validate.Length(max=50)
    )
    end_date = Day(allow_none=True, metadata={"description": "on or after the plan's start_date"})
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


class RevisionSchema(StrictSchema):
    number = fields.Integer()
    effective_from = fields.Date()
    author_id = fields.Integer()
    created_at = fields.DateTime()
    reason = fields.String()
    operations = fields.List(fields.Dict())
    diff = fields.List(fields.Dict())
    adjustments = fields.Dict()


class PlanSchema(StrictSchema):
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


class ScheduleArgs(QuerySchema):
    date_from = Day(data_key="from", metadata={"description": "default: the plan's start"})
    date_to = Day(
        data_key="to",
        metadata={
            "description": f"on or after `from`, at most {MAX_SCHEDULE_DAYS} days in all "
            "(default: 7 days)"
        },
    )


class DoseSchema(StrictSchema):
    sets = fields.Integer()
    reps = fields.Integer()
    hold_s = fields.Integer()
    rest_s = fields.Integer()
    times_per_day = fields.Integer()
    days_per_week = fields.Integer(allow_none=True)
    every_n_days = fields.Integer(allow_none=True)


class SessionSchema(StrictSchema):
    exercise_id = fields.String()
    name = fields.String(attribute="exercise_name")
    category = fields.String()
    slot = fields.Integer(attribute="slot_index")
    time_of_day = fields.String()
    dose = fields.Nested(DoseSchema)


class DaySchema(StrictSchema):
    date = fields.Date()
    phase_id = fields.String()
    phase_title = fields.String()
    restrictions = fields.List(fields.String())
    revision = fields.Integer()
    rest_day = fields.Boolean(attribute="is_rest_day")
    sessions = fields.List(fields.Nested(SessionSchema))


class ScheduleSchema(StrictSchema):
    plan_id = fields.Integer()
    days = fields.List(fields.Nested(DaySchema))


# A date no plan has: where a day's own date goes in the text kept of the day.
_NO_DATE = date(1, 1, 1)
_NO_DATE_DAY = DayPlan(_NO_DATE, "", "", (), 0, (), True)
_SESSIONS_AT = DayPlan._fields.index("sessions")


class ScheduleWriter:
    """A schedule's JSON body: the text of ScheduleSchema's dump as `dumps` writes it.

    Built from the text of each day without its date, kept per distinct day: everything of a
    day but its date (domain.schedule.DayPlan) recurs on every day of a phase with the same
    weekday pattern, so a week of a schedule dumps a few days, not seven. The schemas still
    define the answer: a day not kept is dumped by DaySchema, the frame around the days by
    ScheduleSchema, and `dumps` (the app's JSON provider) writes both. Safe to share between
    a worker's threads: two writes of the same new day both dump it, and either text is right.
    """

    HELD = 2048

    def __init__(self, dumps: Callable[[object], str]):
        self.dumps = dumps
        self._day, self._schedule = DaySchema(), ScheduleSchema()
        self._days: dict[tuple, tuple[str, str] | None] = {}
        self._frames: dict[int, tuple[str, str]] = {}
        self._between = dumps([0, 0])[1:-1].strip("0")  # how the provider parts list items

    def body(self, plan_id: int, days: Sequence[DayPlan]) -> bytes:
        """Return the body of the schedule answer of these days of a plan, newline ended."""
        frame = self._frames.get(plan_id)
        if frame is None:
            frame = self._frame(plan_id)
        head, tail = frame
        return f"{head}{self._between.join(map(self._text_of, days))}{tail}\n".encode()

    def _frame(self, plan_id: int) -> tuple[str, str]:
        """Return the text of a plan's answer before and after its days."""
        answer = self.dumps(self._schedule.dump({"plan_id": plan_id, "days": [_NO_DATE_DAY]}))
        head, tail = answer.split(self._text_of(_NO_DATE_DAY))
        if len(self._frames) >= self.HELD:
            self._frames.clear()
        self._frames[plan_id] = head, tail
        return head, tail

    def _text_of(self, day: DayPlan) -> str:
        # All but the date: the day's, and its sessions' (the first field, not in the answer).
        at = _SESSIONS_AT
        key = (day[1:at], day[at + 1 :], tuple(session[1:] for session in day.sessions))
        kept = self._days.get(key, False)
        if kept is False:
            text = self.dumps(self._day.dump(day._replace(date=_NO_DATE)))
            parts = text.split(_NO_DATE.isoformat())
            # A day whose own text holds the marker date too is dumped each time.
            kept = (parts[0], parts[1]) if len(parts) == 2 else None
            if len(self._days) >= self.HELD:
                self._days.clear()
            self._days[key] = kept
        if kept is None:
            return self.dumps(self._day.dump(day))
        return f"{kept[0]}{day.date.isoformat()}{kept[1]}"


def load_operations(data: dict) -> tuple[dict, tuple[str, str] | None]:
    """Load the full exercise of each add_exercise operation with the protocol files' schema.

    Return the adjustment with those exercises loaded and None, or the adjustment as it came
    and the first (field, reason) wrong in one ("operations.0.exercise.id", ...): the plans
    service reports that in its turn, after the checks that come before it (a stale
    base_revision, a past effective_from, an ended plan).
    """
    if "operations" not in data:
        return data, None
    operations = []
    for index, op in enumerate(data["operations"]):
        if op.get("op") == "add_exercise" and isinstance(op.get("exercise"), dict):
            try:
                op = {**op, "exercise": ExerciseSchema().load(op["exercise"])}
            except ValidationError as error:
                path, reason = flatten_errors(error.messages)[0]
                return data, (f"operations.{index}.exercise.{path}", reason)
        operations.append(op)
    return {**data, "operations": operations}, None
