"""Recording patient-reported and clinical events one at a time, and listing them."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import ClinicalEvent, Patient, User
from server.services.events import store_one


def record_patient_event(session: Session, author: User, kind: str, patient: Patient, data):
    """Store one patient-reported event; return its outcome (row, advice, alerts raised)."""
    return store_one(session, author, kind, patient, data)


def record_clinical_event(
    session: Session,
    author: User,
    patient: Patient,
    data: dict,
    problem: tuple[str, str] | None = None,
):
    """Store imaging, a guided injection result or an exam finding; return (row, created).

    `data` comes with its details loaded by the schema of its kind, or with the (field, reason)
    they were refused for as `problem` (server.schemas.logs.load_details gives both).
    """
    outcome = store_one(session, author, "clinical_event", patient, data, problem)
    return outcome.row, outcome.created


def list_events(session: Session, model, patient: Patient, args: dict):
    """Return a patient's events of one kind in a date range, oldest first."""
    day = model.event_date if model is ClinicalEvent else model.local_date
    query = select(model).where(model.patient_id == patient.id)
    if args.get("date_from"):
        query = query.where(day >= args["date_from"])
    if args.get("date_to"):
        query = query.where(day <= args["date_to"])
    rows = list(session.scalars(query.order_by(day, model.id).limit(args.get("limit", 500))))
    _mark_corrected(session, model, patient, rows)
    return rows


def _mark_corrected(session: Session, model, patient: Patient, rows: list) -> None:
    """Set `superseded_by` on each row a later row corrects (None on current rows).

    Lists show every row, as stored; `superseded_by` tells a reader which ones a correction
    replaced, so nothing that sums or charts them counts a mistaken entry.
    """
    keys = [row.client_uuid for row in rows]
    corrections = {}
    if keys:
        query = select(model.supersedes, model.client_uuid).where(
            model.patient_id == patient.id, model.supersedes.in_(keys)
        )
        corrections = dict(session.execute(query).all())
    for row in rows:
        row.superseded_by = corrections.get(row.client_uuid)
