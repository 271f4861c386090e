"""GET /health: a liveness probe with no token and no database work (the benchmark ceiling)."""

from marshmallow import fields

from server.api.base import StrideBlueprint
from server.schemas.common import StrictSchema

blp = StrideBlueprint("health", __name__, description="Liveness probe")


class HealthSchema(StrictSchema):
    status = fields.String(metadata={"enum": ["ok"]})


@blp.route("/health", methods=["GET"])
@blp.response(200, HealthSchema)
def health():
    """Tell that this worker is up; touches nothing else."""
    return {"status": "ok"}
