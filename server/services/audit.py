"""The audit trail: who read or changed which record, when, and from where."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Alert, AuditEvent, AuditEventPatient, Plan, User


@dataclass(frozen=True)
class Subject:
    """What a call was about: one object (if any) and the patients whose record it touches."""

    object_type: str | None = None
    object_id: int | None = None
    patient_ids: tuple[int, ...] = ()


# URL arguments that name an object, most specific first, and the model that holds it.
_URL_OBJECTS = (("alert_id", "alert", Alert), ("plan_id", "plan", Plan), ("user_id", "user", User))


def subject_of(session: Session, view_args: dict) -> Subject:
    """Name the object a URL points at and the patient it belongs to, whoever may see it.

    A denied call is recorded against the real owner, so "who tried to reach patient 7's
    plan" is answerable even when the caller only saw a 404.
    """
    for key, object_type, model in _URL_OBJECTS:
        if key in view_args:
            found = session.get(model, view_args[key])
            return Subject(object_type, view_args[key], _owner(found))
    if "patient_id" in view_args:
        return Subject("patient", view_args["patient_id"], (view_args["patient_id"],))
    return Subject()


def _owner(found) -> tuple[int, ...]:
    if found is None:
        return ()
    if isinstance(found, User):
        return (found.patient.id,) if found.patient else ()
    return (found.patient_id,)


def record(
    session: Session,
    actor: User | None,
    action: str,
    subject: Subject,
    address: str | None,
    outcome: str = "ok",
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit writes it."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else None,
        action=action,
        outcome=outcome,
        object_type=subject.object_type,
        object_id=subject.object_id,
        address=address[:64] if address else None,
        reason=reason[:200] if reason else None,
    )
    unique = dict.fromkeys(subject.patient_ids)
    event.patients = [AuditEventPatient(patient_id=pid) for pid in unique]
    session.add(event)
    return event


def list_events(
    session: Session,
    *,
    actor_id: int | None = None,
    patient_id: int | None = None,
    action: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Return audit events matching every filter given, newest first."""
    query = select(AuditEvent)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if patient_id is not None:
        touched = select(AuditEventPatient.event_id).where(
            AuditEventPatient.patient_id == patient_id
        )
        query = query.where(AuditEvent.id.in_(touched))
    if action:
        query = query.where(AuditEvent.action == action)
    if date_from is not None:
        query = query.where(AuditEvent.at >= date_from)
    if date_to is not None:
        query = query.where(AuditEvent.at <= date_to)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return list(session.scalars(query))
