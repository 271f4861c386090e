"""POST /sync: the app's one round trip."""

from flask import current_app, g, request

from server.api.auditing import PushAudit
from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.sync import SyncRequestSchema, SyncResponseSchema
from server.services.sync import sync

blp = StrideBlueprint("sync", __name__, description="Offline sync")


@blp.route("/sync", methods=["POST"])
@blp.auth(errors=(422,), reads_first=True)  # checks events before it takes the write lock
@blp.arguments(SyncRequestSchema, required=False)  # no body: a pull from cursor 0
@blp.response(200, SyncResponseSchema)
def push_and_pull(data):
    """Store a batch of device events (each at most once) and return changes after `cursor`."""
    trail = PushAudit(g.user, request.remote_addr)
    return sync(db.session, g.user, data, current_app.config["SYNC_PAGE_SIZE"], trail)
