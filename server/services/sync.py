"""Sync: store a batch of device events (each at most once) and return what changed."""

from marshmallow import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.domain.redflags import POSTOP_ADVICE
from server.models import Alert, Change, Plan, ProtocolVersion, User
from server.models.types import utcnow
from server.schemas.alerts import AlertSchema, PatientAlertSchema
from server.schemas.logs import (
    ClinicalEventSchema,
    ExerciseLogSchema,
    PainLogSchema,
    RedFlagCheckSchema,
)
from server.services import logs
from server.services.access import patient_for, visible_patient_ids
from server.services.errors import ServiceError

_HANDLERS = {
    "exercise_log": (ExerciseLogSchema, logs.record_exercise_log, ("patient",)),
    "pain_log": (PainLogSchema, logs.record_pain_log, ("patient",)),
    "red_flag_check": (RedFlagCheckSchema, logs.record_red_flag_check, ("patient",)),
    "clinical_event": (ClinicalEventSchema, logs.record_clinical_event, ("physio", "clinician")),
}


def sync(session: Session, user: User, request: dict, page_size: int) -> dict:
    """Push the events, then pull the changes after the cursor, in one transaction."""
    results = [_push(session, user, event) for event in request["events"]]
    changes, cursor, has_more = _pull(session, user, request["cursor"], page_size)
    session.commit()
    return {
        "results": results,
        "changes": changes,
        "cursor": cursor,
        "has_more": has_more,
        "server_time": utcnow(),
    }


def _push(session: Session, user: User, event: dict) -> dict:
    result = {"id": event["id"], "type": event["type"]}
    schema, record, roles = _HANDLERS[event["type"]]
    try:
        if user.role not in roles:
            raise ServiceError(f"A {user.role} cannot push {event['type']} events.")
        patient_id = event.get("patient_id")
        if patient_id is None:
            if user.patient is None:
                raise ServiceError("patient_id is required for staff events.")
            patient_id = user.patient.id
        patient = patient_for(session, user, patient_id)
        data = schema().load({**event["data"], "id": str(event["id"])})
        with session.begin_nested():
            outcome = record(session, user, patient, data)
    except ValidationError as error:
        return {
            **result,
            "status": "rejected",
            "message": "invalid event",
            "errors": error.messages,
        }
    except ServiceError as error:
        return {**result, "status": "rejected", "message": error.message, "errors": error.errors}
    created = outcome[1]
    if event["type"] == "red_flag_check":
        result.update(level=outcome[2].level, advice=outcome[2].advice)
    elif event["type"] == "pain_log" and outcome[2]:
        result.update(level="urgent", advice=POSTOP_ADVICE)
    return {**result, "status": "created" if created else "duplicate"}


def _pull(session: Session, user: User, cursor: int, page_size: int):
    rows = list(
        session.scalars(
            select(Change)
            .where(
                Change.id > cursor,
                or_(Change.patient_id.is_(None), Change.patient_id.in_(visible_patient_ids(user))),
            )
            .order_by(Change.id)
            .limit(page_size + 1)
        )
    )
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    new_cursor = rows[-1].id if rows else cursor
    wanted: dict[str, list[int]] = {"protocol_version": [], "plan": [], "alert": []}
    for row in rows:
        if row.ref_id not in wanted[row.kind]:
            wanted[row.kind].append(row.ref_id)
    plans = _fetch(session, Plan, wanted["plan"])
    version_ids = list(
        dict.fromkeys(wanted["protocol_version"] + [p.protocol_version_id for p in plans])
    )
    versions = _fetch(session, ProtocolVersion, version_ids)
    for version in versions:
        version.versions = []
    alert_schema = PatientAlertSchema() if user.role == "patient" else AlertSchema()
    alerts = [alert_schema.dump(a) for a in _fetch(session, Alert, wanted["alert"])]
    changes = {"protocol_versions": versions, "plans": plans, "alerts": alerts}
    return changes, new_cursor, has_more


def _fetch(session: Session, model, ids: list[int]) -> list:
    if not ids:
        return []
    return list(session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)))
