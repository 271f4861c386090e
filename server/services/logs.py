"""Recording patient-reported and clinical events: idempotent by the device's UUID."""

import uuid
from datetime import date, timedelta

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.domain.history import PainEntry, RedFlagEntry
from server.domain.redflags import triage
from server.domain.rules import postop_findings, red_flag_findings
from server.models import (
    ClinicalEvent,
    ExerciseLog,
    PainLog,
    Patient,
    Plan,
    ProtocolVersion,
    RedFlagCheck,
    User,
)
from server.models.types import utcnow
from server.protocols.loader import flatten_errors
from server.schemas.logs import DETAIL_SCHEMAS
from server.services.errors import Conflict, Invalid
from server.services.escalation import raise_alerts, thresholds_of
from server.services.plans import local_today, protocol_of

# A device a day ahead of the server's idea of the patient's date is a clock or time-zone slip,
# not fraud; two days is not.
FUTURE_TOLERANCE = timedelta(days=1)


def insert_event(session: Session, model, values: dict):
    """Insert an event unless its UUID is stored; return (row, created)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["client_uuid"])
        .returning(model.id)
    )
    new_id = session.execute(statement).scalar()
    row_id = new_id or session.scalar(
        select(model.id).where(model.client_uuid == values["client_uuid"])
    )
    if row_id is None:
        # Stored under another table's UUID space is impossible; a racing delete is not.
        raise Conflict("The event could not be stored; retry.")
    row = session.get(model, row_id)
    if new_id is None and row.patient_id != values["patient_id"]:
        raise Invalid("id", "this UUID is already used by another record")
    return row, new_id is not None


def _check_local_date(patient: Patient, field: str, value: date) -> None:
    if value > local_today(patient) + FUTURE_TOLERANCE:
        raise Invalid(field, "is in the future for the patient's time zone")


def _event_values(patient: Patient, author: User, data: dict) -> dict:
    return {
        **data,
        "client_uuid": data.get("client_uuid") or uuid.uuid4(),
        "patient_id": patient.id,
        "recorded_by_id": author.id,
        "received_at": utcnow(),
    }


def record_exercise_log(session: Session, author: User, patient: Patient, data: dict):
    """Store what was done of one prescribed exercise slot on a local date."""
    plan = session.get(Plan, data["plan_id"])
    if plan is None or plan.patient_id != patient.id:
        raise Invalid("plan_id", "no such plan for this patient")
    if not _plan_has_exercise(plan, data["exercise_id"]):
        raise Invalid("exercise_id", "not an exercise of this plan")
    _check_local_date(patient, "local_date", data["local_date"])
    if data["local_date"] < plan.start_date:
        raise Invalid("local_date", "is before the plan started")
    return insert_event(session, ExerciseLog, _event_values(patient, author, data))


def _plan_has_exercise(plan: Plan, exercise_id: str) -> bool:
    if protocol_of(plan.protocol).has_exercise(exercise_id):
        return True
    added = plan.revisions[-1].adjustments.get("added_exercises") or []
    return any(item["exercise"]["id"] == exercise_id for item in added)


def record_pain_log(session: Session, author: User, patient: Patient, data: dict):
    """Store an NPRS score; post-operative warning signs raise an urgent alert at once.

    Returns (row, created, alerts): the R-POSTOP alerts of this log's episode, if any.
    """
    _check_local_date(patient, "local_date", data["local_date"])
    row, created = insert_event(session, PainLog, _event_values(patient, author, data))
    alerts = []
    for plan in _post_operative_plans(session, patient, row.local_date):
        entry = PainEntry(
            row.local_date,
            row.nprs,
            row.context,
            row.tingling,
            row.numbness,
            row.felt_pop,
            row.new_bruising,
            row.cannot_bear_weight,
        )
        findings = postop_findings(entry, thresholds_of(protocol_of(plan.protocol)))
        alerts += [alert for alert, _ in raise_alerts(session, patient.id, plan.id, findings)]
    return row, created, alerts


def _post_operative_plans(session: Session, patient: Patient, day: date) -> list[Plan]:
    """Return the patient's active post-operative plans whose surgery was on or before a day."""
    return list(
        session.scalars(
            select(Plan)
            .join(ProtocolVersion, Plan.protocol_version_id == ProtocolVersion.id)
            .where(
                Plan.patient_id == patient.id,
                Plan.status == "active",
                ProtocolVersion.care_type == "post_operative",
                Plan.surgery_date <= day,
            )
        )
    )


def record_red_flag_check(session: Session, author: User, patient: Patient, data: dict):
    """Store a red-flag check; any "yes" raises an urgent alert in the same transaction.

    Returns (row, created, triage, alerts).
    """
    _check_local_date(patient, "local_date", data["local_date"])
    result = triage(data["answers"])
    values = _event_values(patient, author, data)
    values.update(level=result.level, positives=list(result.positives))
    row, created = insert_event(session, RedFlagCheck, values)
    findings = red_flag_findings(RedFlagEntry(row.local_date, row.answers))
    alerts = [alert for alert, _ in raise_alerts(session, patient.id, None, findings)]
    return row, created, triage(row.answers), alerts


def record_clinical_event(session: Session, author: User, patient: Patient, data: dict):
    """Store imaging, a guided injection result or an exam finding entered by staff."""
    try:
        details = DETAIL_SCHEMAS[data["kind"]]().load(data["details"])
    except ValidationError as error:
        path, reason = flatten_errors(error.messages)[0]
        raise Invalid(f"details.{path}", reason) from None
    _check_local_date(patient, "event_date", data["event_date"])
    return insert_event(
        session, ClinicalEvent, _event_values(patient, author, {**data, "details": details})
    )


def list_events(session: Session, model, patient: Patient, args: dict):
    """Return a patient's events of one kind in a date range, oldest first."""
    day = model.event_date if model is ClinicalEvent else model.local_date
    query = select(model).where(model.patient_id == patient.id)
    if args.get("date_from"):
        query = query.where(day >= args["date_from"])
    if args.get("date_to"):
        query = query.where(day <= args["date_to"])
    return list(session.scalars(query.order_by(day, model.id).limit(args.get("limit", 500))))
