"""Outcome measures: the LEFS (function) and the PGIC (global impression of change)."""

from marshmallow import fields, validate

from domain import outcomes
from server.schemas.common import Day, WholeNumber
from server.schemas.logs import NOT_AHEAD, _EventSchema

_ANSWERS = (
    f"LEFS: {len(outcomes.LEFS_ITEMS)} answers in item order, each 0 (extreme difficulty or "
    "unable) to 4 (no difficulty), every one needed; PGIC: one answer, 1 (very much improved) "
    "to 7 (very much worse), the order of Guy 1976"
)


class OutcomeMeasureSchema(_EventSchema):
    local_date = Day(
        required=True,
        metadata={"description": f"{NOT_AHEAD}, not before the patient's care began"},
    )
    instrument = fields.String(
        required=True,
        validate=validate.OneOf(outcomes.INSTRUMENTS),
        metadata={"description": "lefs (Lower Extremity Functional Scale) or pgic"},
    )
    answers = fields.List(
        WholeNumber(strict=True),
        required=True,
        validate=validate.Length(1, len(outcomes.LEFS_ITEMS)),
        metadata={"description": _ANSWERS},
    )
    score = fields.Integer(
        dump_only=True,
        metadata={"description": "computed by the server: LEFS 0-80 (higher is better), PGIC 1-7"},
    )
