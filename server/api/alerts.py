"""Escalation alerts: the clinician's and physio's queue."""

from flask import g

from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.alerts import AlertArgs, AlertSchema
from server.services import alerts

blp = StrideBlueprint("alerts", __name__, description="Escalation alerts")


@blp.route("/alerts", methods=["GET"])
@blp.auth("physio", "clinician", errors=(422,))
@blp.arguments(AlertArgs, location="query")
@blp.response(200, AlertSchema(many=True))
def index(args):
    """List alerts about the caller's patients, urgent first, newest first."""
    return alerts.list_alerts(db.session, g.user, args)


@blp.route("/alerts/<int:alert_id>", methods=["GET"])
@blp.auth("physio", "clinician", errors=(404,))
@blp.response(200, AlertSchema)
def show(alert_id):
    """Return one alert with its evidence and audit trail."""
    return alerts.alert_for(db.session, g.user, alert_id)
