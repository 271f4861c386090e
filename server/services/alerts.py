"""Reading alerts within the caller's care teams."""

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from server.models import Alert, AlertEvent, User
from server.models.types import utcnow
from server.services.access import require_role, visible_patient_ids
from server.services.changes import record_change
from server.services.errors import Conflict, Forbidden, NotFound
from server.services.escalation import SUBMISSION_RULES

_URGENCY = case({"urgent": 0, "review": 1, "info": 2}, value=Alert.severity, else_=3)


def list_alerts(session: Session, user: User, args: dict) -> list[Alert]:
    """Return the alerts about the caller's patients: urgent first, then newest first."""
    require_role(user, "physio", "clinician")
    query = select(Alert).where(Alert.patient_id.in_(visible_patient_ids(user)))
    if args.get("status"):
        query = query.where(Alert.status == args["status"])
    if args.get("severity"):
        query = query.where(Alert.severity == args["severity"])
    if args.get("rule"):
        query = query.where(Alert.rule_id == args["rule"])
    if args.get("patient_id") is not None:
        query = query.where(Alert.patient_id == args["patient_id"])
    query = query.order_by(_URGENCY, Alert.created_at.desc(), Alert.id.desc())
    return list(session.scalars(query.limit(args.get("limit", 200))))


def alert_for(session: Session, user: User, alert_id: int) -> Alert:
    """Return one alert about a patient in the caller's care, or raise NotFound."""
    require_role(user, "physio", "clinician")
    alert = session.scalar(
        select(Alert).where(Alert.id == alert_id, Alert.patient_id.in_(visible_patient_ids(user)))
    )
    if alert is None:
        raise NotFound(f"Alert {alert_id} not found.")
    return alert


DECISIONS = (
    "continue_conservative",
    "refer_guided_injection",
    "refer_surgical_review",
    "adjust_plan",
    "discharge",
)
# Which staff role acts on an alert, by where the rule routes it.
ROUTE_ROLES = {"physio": "physio", "clinician": "clinician", "surgical_team": "clinician"}


def _check_routed_to(user: User, alert: Alert) -> None:
    role = ROUTE_ROLES.get(alert.route_to)
    if user.role != role:
        raise Forbidden(f"This alert is routed to the {alert.route_to}; a {role} acts on it.")


def acknowledge(session: Session, user: User, alert: Alert, note: str | None) -> Alert:
    """Mark an open alert as seen by the staff member it is routed to."""
    _check_routed_to(user, alert)
    if alert.status != "open":
        raise Conflict(f"The alert is already {alert.status}.")
    _transition(session, user, alert, "acknowledged", "acknowledged", note)
    session.commit()
    return alert


def decide(session: Session, user: User, alert: Alert, decision: str, note: str) -> Alert:
    """Record the decision on an alert: who, when, what and why."""
    _check_routed_to(user, alert)
    if alert.status == "decided":
        raise Conflict(f"The alert was already decided ({alert.decision}).")
    alert.decision = decision
    if alert.rule_id in SUBMISSION_RULES:
        # A report after the decision is a new episode: it must raise a new alert.
        alert.open_key = None
    _transition(session, user, alert, "decided", f"decision:{decision}", note)
    session.commit()
    return alert


def _transition(session: Session, user: User, alert: Alert, to: str, action: str, note):
    session.add(
        AlertEvent(
            alert_id=alert.id,
            actor_id=user.id,
            action=action,
            from_status=alert.status,
            to_status=to,
            note=note,
        )
    )
    alert.status = to
    alert.updated_at = utcnow()
    record_change(session, "alert", alert.id, alert.patient_id)
