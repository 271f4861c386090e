"""GET /audit: who read or changed which record, when and from where (admins only)."""

from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.audit import AuditArgs, AuditEventSchema
from server.services import audit

blp = StrideBlueprint("audit", __name__, description="The audit log (admin)")


@blp.route("/audit", methods=["GET"])
@blp.auth("admin", errors=(422,))
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditEventSchema(many=True))
def index(args):
    """List audit events matching every filter given, newest first."""
    return audit.list_events(db.session, **args)
