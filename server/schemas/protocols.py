"""Protocol versions as the API shows them."""

from marshmallow import fields

from server.schemas.common import StrictSchema


class ProtocolSummarySchema(StrictSchema):
    id = fields.String(attribute="protocol_id")
    version = fields.Integer()
    title = fields.String()
    condition = fields.String()
    care_type = fields.String()
    summary = fields.Function(lambda pv: pv.content.get("summary"))
    loaded_at = fields.DateTime()


class ProtocolDetailSchema(ProtocolSummarySchema):
    versions = fields.List(fields.Integer(), metadata={"description": "all stored versions"})
    content = fields.Dict(metadata={"description": "the validated protocol document"})
