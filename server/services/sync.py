"""Sync: store a batch of device events (each at most once) and return what changed.

Plain data in and out: the API edge (server/api/sync.py) reads the request into `PushedEvent`s
and turns the answer into JSON; nothing here knows the schemas.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session, undefer

from server.database import reset, start_reading
from server.models import Alert, Change, Plan, ProtocolVersion, User
from server.models.types import utcnow
from server.services.access import patient_for, visible_to
from server.services.errors import Forbidden, ServiceError
from server.services.events import MODELS, EventBatch

# Feed kind -> key of the pull's `changes` (the plural of the log lists' paths).
_LOG_KEYS = {kind: f"{kind}s" for kind in MODELS}
# Who may push each kind of event (a patient their own logs; staff the clinical record).
PUSH_ROLES = {
    "exercise_log": ("patient",),
    "pain_log": ("patient",),
    "red_flag_check": ("patient",),
    "postop_check": ("patient",),
    "clinical_event": ("physio", "clinician"),
    "outcome_measure": ("patient",),
}


@dataclass(frozen=True)
class PushedEvent:
    """One event of a push, as the API edge read it; a batch is a list of them, in its order.

    `data`: its fields as the schema of its kind loaded them (the event's UUID as
    `client_uuid`), or None when they could not be; then `errors` (field: reasons, nested as
    marshmallow nests them) says why, and the event is refused as an "invalid event" once the
    checks before it pass (who may push this kind, about which patient). `problem`: a
    (field, reason) found in loaded data (a clinical event's details), reported in its turn
    by the events service (`EventBatch.add`).
    """

    id: uuid.UUID
    type: str
    patient_id: int | None = None
    data: dict | None = None
    errors: dict | list | None = None
    problem: tuple[str, str] | None = None


class PushTrail(Protocol):
    """Where a push's events are audited (server.api.auditing.PushAudit)."""

    def accepted(self, session: Session, kind: str, patient_id: int) -> None: ...

    def refused(self, kind: str, patient_id: int | None, error: ServiceError) -> None: ...

    def record_refusals(self, session: Session) -> None: ...


def sync(
    session: Session,
    user: User,
    events: list[PushedEvent],
    cursor: int,
    page_size: int,
    trail: PushTrail | None = None,
) -> dict:
    """Push the events and commit them, then pull the changes after the cursor.

    The push is committed before the pull, so the write lock (SQLite) and the change feed's
    lock (PostgreSQL), which writers wait for one at a time, are held only while the events are
    written, not while the page of changes is read. The pull then sees the push's events and
    anything else committed since: a feed read in commit order, as every pull is. A failure
    after the commit loses nothing: a retry of the batch is answered "duplicate".
    The pull runs in read mode (server/database.py); the caller ends its transaction, once it
    has read what it needs of the rows returned (a commit expires them):
    `changes["alerts"]` are Alert rows, for the caller to show as the user's role sees them;
    the other changes are rows or mappings, the results plain dicts.
    """
    viewer_id, role = user.id, user.role  # read now: the push's commit expires the user
    results, fresh = _push(session, user, events, trail)
    if trail is not None:
        trail.record_refusals(session)
    if events:
        session.commit()
        mode = start_reading()  # the mode of the pull's transaction, chosen as it begins
        try:
            session.connection()
        finally:
            reset(mode)
    changes, cursor, has_more = _pull(session, viewer_id, role, cursor, page_size, fresh)
    return {
        "results": results,
        "changes": changes,
        "cursor": cursor,
        "has_more": has_more,
        "server_time": utcnow(),
    }


def _push(session: Session, user: User, events: list[PushedEvent], trail: PushTrail | None):
    """Check every event, store the valid ones together, and report on each.

    Returns the results, in the batch's order, and the rows the push created as the database
    returned them, by kind and id (log rows never change once stored: the pull shows these).
    """
    batch = EventBatch(session, user)
    patients: dict[int, object] = {}
    results, keys = [], []
    fresh: dict[str, dict[int, Mapping]] = {kind: {} for kind in MODELS}
    for event in events:
        result = {"id": event.id, "type": event.type}
        results.append(result)
        keys.append(None)
        try:
            patient = _patient(session, user, event, patients)
            if event.data is None:
                result.update(status="rejected", message="invalid event", errors=event.errors)
                continue
            keys[-1] = batch.add(event.type, patient, event.data, event.problem)
        except ServiceError as error:
            result.update(status="rejected", message=error.message, errors=error.errors)
            if trail is not None:
                trail.refused(event.type, _patient_id(user, event), error)
    outcomes = batch.store()
    for result, key in zip(results, keys, strict=True):
        if key is None:
            continue
        outcome = outcomes[key]
        if outcome.error is not None:
            error = outcome.error
            result.update(status="rejected", message=error.message, errors=error.errors)
            continue
        result["status"] = "created" if outcome.created else "duplicate"
        if outcome.returned is not None:
            fresh[result["type"]][outcome.returned["id"]] = outcome.returned
        if trail is not None:
            trail.accepted(session, result["type"], outcome.record["patient_id"])
        # The same UUID twice in one batch: only its first appearance created the row.
        outcome.created = False
        if outcome.level is not None:
            # The device says "your care team has been told" only when alert_ids come back.
            result.update(level=outcome.level, advice=outcome.advice, alert_ids=outcome.alert_ids)
    return results, fresh


def _patient_id(user: User, event: PushedEvent) -> int | None:
    """Return the id of the patient an event is about: the one it names, or the caller."""
    patient_id = event.patient_id
    if patient_id is None and user.patient is not None:
        return user.patient.id
    return patient_id


def _patient(session: Session, user: User, event: PushedEvent, cache: dict):
    """Return the patient an event is about, if the caller may write it."""
    if user.role not in PUSH_ROLES[event.type]:
        raise Forbidden(f"A {user.role} cannot push {event.type} events.")
    patient_id = _patient_id(user, event)
    if patient_id is None:
        raise ServiceError("patient_id is required for staff events.")
    if patient_id not in cache:
        cache[patient_id] = patient_for(session, user, patient_id)
    return cache[patient_id]


def _pull(session: Session, viewer_id: int, role: str, cursor: int, page_size: int, fresh: dict):
    bound = {"cursor": cursor, "viewer_id": viewer_id, "rows": page_size + 1}
    rows = list(session.execute(_changes_after(role), bound))
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    new_cursor = rows[-1].id if rows else cursor
    kinds = ("protocol_version", "plan", "alert", *MODELS)
    wanted: dict[str, dict[int, None]] = {kind: {} for kind in kinds}  # ids in feed order, once
    for row in rows:
        wanted[row.kind].setdefault(row.ref_id)
    plans = _fetch(session, Plan, wanted["plan"])
    version_ids = list(
        dict.fromkeys([*wanted["protocol_version"], *(p.protocol_version_id for p in plans)])
    )
    versions = _fetch(session, ProtocolVersion, version_ids, _WITH_CONTENT)
    for version in versions:
        version.versions = []
    alerts = _fetch(session, Alert, wanted["alert"])
    changes = {"protocol_versions": versions, "plans": plans, "alerts": alerts}
    # Logs of every device of the patient (and the staff's clinical events), oldest first.
    changes.update(
        (_LOG_KEYS[kind], _rows(session, model, wanted[kind], fresh.get(kind, {})))
        for kind, model in MODELS.items()
    )
    return changes, new_cursor, has_more


@cache
def _changes_after(role: str):
    """Build once per role: the next feed rows after :cursor that a viewer may see."""
    visible = or_(Change.patient_id.is_(None), Change.patient_id.in_(visible_to(role)))
    return (
        select(Change.id, Change.kind, Change.ref_id)
        .where(Change.id > bindparam("cursor"), visible)
        .order_by(Change.id)
        .limit(bindparam("rows"))
    )


_WITH_CONTENT = undefer(ProtocolVersion.content)


def _fetch(session: Session, model, ids, *options) -> list:
    if not ids:
        return []
    query = select(model).where(model.id.in_(list(ids))).options(*options).order_by(model.id)
    return list(session.scalars(query))


def _rows(session: Session, model, ids, known: Mapping[int, Mapping]) -> list:
    """Return table rows as mappings, by id: unlike ORM objects, the commit does not expire them.

    Expired, each of a page of 500 logs would be read again, one SELECT each, to be dumped.
    `known`: rows this request stored and was handed back (by id); only the others are read.
    """
    found = {row_id: known[row_id] for row_id in ids if row_id in known}
    others = [row_id for row_id in ids if row_id not in found]
    if others:
        table = model.__table__
        query = select(table).where(table.c.id.in_(others))
        # As plain dicts, which the answer's planned dump reads with one `get` a field.
        found.update((row["id"], dict(row)) for row in session.execute(query).mappings())
    return [found[row_id] for row_id in sorted(found)]
