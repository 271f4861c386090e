"""Escalation alerts: the clinician's and physio's queue."""

from flask import Response, current_app, g, request

from server.api.auditing import LinkAudit
from server.api.base import StrideBlueprint
from server.database import reset, start_reading
from server.extensions import db
from server.models.types import utcnow
from server.reports import referral
from server.schemas.alerts import (
    AcknowledgeSchema,
    AlertArgs,
    AlertSchema,
    DecisionSchema,
    ReferralArgs,
)
from server.services import alerts, referrals
from server.services.errors import ServiceError

blp = StrideBlueprint("alerts", __name__, description="Escalation alerts")
PDF_BODY = {"type": "string", "format": "binary"}


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


@blp.route("/alerts/<int:alert_id>/referral.pdf", methods=["GET"])
@blp.arguments(ReferralArgs, location="query")
@blp.response(200, content_type="application/pdf", description="the referral packet (PDF)")
@blp.doc(
    security=[{"bearerAuth": []}, {"referralLink": []}],
    responses={
        "200": {
            "description": "the referral packet (PDF)",
            "content": {"application/pdf": {"schema": PDF_BODY}},
        }
    },
)
@blp.errors(401, 403, 404)
def referral_packet(args, alert_id):
    """Return the alert's referral packet: one or two pages for the surgeon (PDF).

    For the physios and clinicians of the patient's care team (bearer token), or, without a
    token, for the holder of a signed link to this alert (`link`, from a CDS Hooks card; it
    expires). A forged or expired link is 401, a link to another alert 403.
    ---
    Two doors, one packet. Staff of the patient's care team send their bearer token, as for
    GET /alerts/{id}, and go through StrideBlueprint.auth (role check, scoping, the audit
    Rule). An EHR user who follows a CDS Hooks card's link has no Stride account and no token:
    the link's `link` token, signed by this server for this alert, is the credential. That
    door cannot go through `auth`, which needs a user; it is taken only when a `link` is given
    and no Authorization header is, and it is audited by `auditing.LinkAudit` as an "ehr"
    read naming who the link was issued for. A bearer token always wins, so a signed-in
    clinician's link click is scoped and audited as theirs.
    """
    if "link" in args and "Authorization" not in request.headers:
        return _packet_by_link(alert_id, args["link"])
    return _packet_for_staff(alert_id=alert_id)


@blp.auth("physio", "clinician", errors=(404,))
def _packet_for_staff(alert_id):
    packet = referrals.packet_for(db.session, g.user, alert_id)
    return _pdf(packet)


def _packet_by_link(alert_id: int, token: str):
    mode = start_reading()
    trail = LinkAudit(alert_id)
    try:
        packet, issued_to = referrals.packet_by_link(
            db.session, current_app.config["SECRET_KEY"], alert_id, token
        )
        response = _pdf(packet)
        trail.read(issued_to)
        return response
    except ServiceError as error:
        trail.denied(error)
        raise
    finally:
        reset(mode)


def _pdf(packet) -> Response:
    body = referral.render(packet, utcnow())
    response = Response(body, mimetype="application/pdf")
    name = f"referral-alert-{packet.alert_id}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
