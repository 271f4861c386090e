"""The audit log, as admins read it."""

from datetime import UTC, datetime

from marshmallow import fields, validate

from server.models.audit import OUTCOMES
from server.schemas.common import QuerySchema, StrictSchema, WholeNumber, id_field

# Beyond these, converting a time to UTC can overflow (a 500); no event is that old or new.
_SANE = validate.Range(datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))


class AuditArgs(QuerySchema):
    actor_id = id_field()
    patient_id = id_field(metadata={"description": "events that touched this patient"})
    action = fields.String(validate=validate.Length(max=40))
    date_from = fields.AwareDateTime(data_key="from", default_timezone=UTC, validate=_SANE)
    date_to = fields.AwareDateTime(data_key="to", default_timezone=UTC, validate=_SANE)
    before_id = id_field(metadata={"description": "only events older than this one (paging)"})
    limit = WholeNumber(load_default=100, validate=validate.Range(1, 1000))


class AuditEventSchema(StrictSchema):
    id = fields.Integer()
    at = fields.DateTime(metadata={"description": "server time, UTC"})
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String(allow_none=True)
    action = fields.String(metadata={"description": "e.g. patient.read, plan.adjust"})
    outcome = fields.String(metadata={"enum": list(OUTCOMES)})
    object_type = fields.String(allow_none=True)
    object_id = fields.Integer(allow_none=True)
    patient_ids = fields.List(fields.Integer())
    address = fields.String(allow_none=True, metadata={"description": "the client's address"})
    reason = fields.String(
        allow_none=True, metadata={"description": "why a refused call was refused, in words"}
    )
