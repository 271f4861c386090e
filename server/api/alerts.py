"""Escalation alerts: the clinician's and physio's queue."""

from flask import g

from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.alerts import AcknowledgeSchema, AlertArgs, AlertSchema, DecisionSchema
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


@blp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@blp.auth("physio", "clinician", errors=(404, 409))
@blp.arguments(AcknowledgeSchema, required=False)  # no body: no note
@blp.response(200, AlertSchema)
def acknowledge(data, alert_id):
    """Acknowledge an open alert (the staff it is routed to)."""
    alert = alerts.alert_for(db.session, g.user, alert_id, lock=True)
    return alerts.acknowledge(db.session, g.user, alert, data.get("note"))


@blp.route("/alerts/<int:alert_id>/decision", methods=["POST"])
@blp.auth("physio", "clinician", errors=(404, 409))
@blp.arguments(DecisionSchema)
@blp.response(200, AlertSchema)
def decide(data, alert_id):
    """Decide on an alert with a note (continue, refer, adjust the plan or discharge)."""
    alert = alerts.alert_for(db.session, g.user, alert_id, lock=True)
    return alerts.decide(
        db.session, g.user, alert, data["decision"], data["note"], data["review_on"]
    )
