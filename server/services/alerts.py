"""Reading alerts within the caller's care teams."""

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from server.models import Alert, User
from server.services.access import require_role, visible_patient_ids
from server.services.errors import NotFound

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
