"""Storing a batch of device events at once: validate each, insert per table, then react.

Each event is checked on its own (a bad one is refused without touching the others), the valid
ones go in with one multi-row "INSERT … ON CONFLICT (client_uuid) DO NOTHING" per table, and the
alerts that must not wait for a sweep (R-RED, R-POSTOP) are raised in the same transaction.
"""

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from functools import cache

from marshmallow import ValidationError
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from server.database import begin_writing
from server.domain.history import PainEntry, RedFlagEntry
from server.domain.redflags import Triage, triage
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
from server.services.errors import Invalid
from server.services.escalation import raise_alerts, thresholds_of
from server.services.plans import local_today, protocol_of

# A device a day ahead of the server's idea of the patient's date is a clock or time-zone slip,
# not fraud; two days is not.
FUTURE_TOLERANCE = timedelta(days=1)

_PAIN_ENTRY_FIELDS = [f.name for f in fields(PainEntry)]

# Built once: a plan with its protocol version (the document itself stays deferred).
_PLAN_WITH_PROTOCOL = (
    select(Plan).where(Plan.id == bindparam("plan_id")).options(joinedload(Plan.protocol))
)

MODELS = {
    "exercise_log": ExerciseLog,
    "pain_log": PainLog,
    "red_flag_check": RedFlagCheck,
    "clinical_event": ClinicalEvent,
}


@dataclass
class Stored:
    """The outcome of one event: its stored row, whether it is new, and what it set off."""

    record: Mapping | None = None  # the stored row's columns, by name
    row: object = None  # the ORM object, loaded only for single events (the REST endpoints)
    created: bool = False
    error: Invalid | None = None
    triage: Triage | None = None
    alerts: list = field(default_factory=list)


class EventBatch:
    """Events of one request by one author, checked one by one and stored together."""

    def __init__(self, session: Session, author: User):
        self.session, self.author = session, author
        self._pending: dict[str, list[tuple[Patient, dict]]] = defaultdict(list)
        self._plans: dict[int, Plan | None] = {}
        self._post_op: dict[int, list[Plan]] = {}
        self._today: dict[int, date] = {}

    def add(self, kind: str, patient: Patient, data: dict) -> uuid.UUID:
        """Check one event and queue it; raise Invalid naming the field that is wrong."""
        check = getattr(self, f"_check_{kind}")
        values = {
            **check(patient, data),
            "client_uuid": data.get("client_uuid") or uuid.uuid4(),
            "patient_id": patient.id,
            "recorded_by_id": self.author.id,
            "received_at": utcnow(),
        }
        self._pending[kind].append((patient, values))
        return values["client_uuid"]

    def store(self) -> dict[uuid.UUID, Stored]:
        """Insert every queued event (once per UUID) and raise the alerts they call for."""
        outcomes: dict[uuid.UUID, Stored] = {}
        if not self._pending:
            return outcomes  # a pull-only sync never waits for the write lock
        begin_writing(self.session)
        for kind, queued in self._pending.items():
            outcomes.update(self._insert(MODELS[kind], queued))
        for kind, queued in self._pending.items():
            react = getattr(self, f"_react_{kind}", None)
            for patient, values in queued:
                outcome = outcomes[values["client_uuid"]]
                if react and outcome.error is None:
                    react(patient, outcome)
        self._pending.clear()
        return outcomes

    def _insert(self, model, queued) -> dict[uuid.UUID, Stored]:
        table, connection = model.__table__, self.session.connection()
        defaults = _DEFAULTS[table.name]
        rows = [{c: values.get(c, d) for c, d in defaults.items()} for _, values in queued]
        # One statement per table and dialect, compiled once; executemany sends the rows as
        # multi-row INSERTs ("insertmanyvalues") and returns the ids of the rows that were new.
        new_ids = {
            key: row_id
            for row_id, key in connection.execute(_insert_of(table, connection.dialect.name), rows)
        }
        stored: dict[uuid.UUID, Mapping] = {}
        for row in rows:  # a UUID twice in one batch: its first row is the one stored
            key = row["client_uuid"]
            if key in new_ids and key not in stored:
                stored[key] = {**row, "id": new_ids[key]}
        others = {values["client_uuid"] for _, values in queued} - new_ids.keys()
        if others:
            found = connection.execute(select(table).where(table.c.client_uuid.in_(others)))
            stored.update((row.client_uuid, row._mapping) for row in found)
        outcomes: dict[uuid.UUID, Stored] = {}
        for _, values in queued:
            key = values["client_uuid"]
            record = stored[key]
            outcome = Stored(record=record, created=key in new_ids and key not in outcomes)
            if record["patient_id"] != values["patient_id"]:
                outcome = Stored(error=Invalid("id", "this UUID is already used by another record"))
            outcomes.setdefault(key, outcome)
        return outcomes

    def _check_date(self, patient: Patient, name: str, value: date) -> None:
        today = self._today.get(patient.id)
        if today is None:
            today = self._today[patient.id] = local_today(patient)
        if value > today + FUTURE_TOLERANCE:
            raise Invalid(name, "is in the future for the patient's time zone")

    def _plan(self, plan_id: int) -> Plan | None:
        if plan_id not in self._plans:
            self._plans[plan_id] = self.session.scalar(_PLAN_WITH_PROTOCOL, {"plan_id": plan_id})
        return self._plans[plan_id]

    def _check_exercise_log(self, patient: Patient, data: dict) -> dict:
        plan = self._plan(data["plan_id"])
        if plan is None or plan.patient_id != patient.id:
            raise Invalid("plan_id", "no such plan for this patient")
        if not _plan_has_exercise(plan, data["exercise_id"]):
            raise Invalid("exercise_id", "not an exercise of this plan")
        self._check_date(patient, "local_date", data["local_date"])
        if data["local_date"] < plan.start_date:
            raise Invalid("local_date", "is before the plan started")
        return data

    def _check_pain_log(self, patient: Patient, data: dict) -> dict:
        self._check_date(patient, "local_date", data["local_date"])
        return data

    def _check_red_flag_check(self, patient: Patient, data: dict) -> dict:
        self._check_date(patient, "local_date", data["local_date"])
        result = triage(data["answers"])
        return {**data, "level": result.level, "positives": list(result.positives)}

    def _check_clinical_event(self, patient: Patient, data: dict) -> dict:
        try:
            details = DETAIL_SCHEMAS[data["kind"]]().load(data["details"])
        except ValidationError as error:
            path, reason = flatten_errors(error.messages)[0]
            raise Invalid(f"details.{path}", reason) from None
        self._check_date(patient, "event_date", data["event_date"])
        return {**data, "details": details}

    def _react_red_flag_check(self, patient: Patient, outcome: Stored) -> None:
        row = outcome.record
        outcome.triage = triage(row["answers"])
        if outcome.triage.level != "none":
            findings = red_flag_findings(RedFlagEntry(row["local_date"], row["answers"]))
            outcome.alerts = [a for a, _ in raise_alerts(self.session, patient.id, None, findings)]

    def _react_pain_log(self, patient: Patient, outcome: Stored) -> None:
        row = outcome.record
        if not (row["felt_pop"] or row["new_bruising"] or row["cannot_bear_weight"]):
            return  # no post-operative warning sign can be present: skip the plan lookup
        entry = PainEntry(**{name: row[name] for name in _PAIN_ENTRY_FIELDS})
        for plan in self._post_operative_plans(patient, row["local_date"]):
            findings = postop_findings(entry, thresholds_of(protocol_of(plan.protocol)))
            outcome.alerts += [
                a for a, _ in raise_alerts(self.session, patient.id, plan.id, findings)
            ]

    def _post_operative_plans(self, patient: Patient, day: date) -> list[Plan]:
        if patient.id not in self._post_op:
            self._post_op[patient.id] = list(
                self.session.scalars(
                    select(Plan)
                    .join(ProtocolVersion, Plan.protocol_version_id == ProtocolVersion.id)
                    .where(
                        Plan.patient_id == patient.id,
                        Plan.status == "active",
                        ProtocolVersion.care_type == "post_operative",
                    )
                )
            )
        return [p for p in self._post_op[patient.id] if p.surgery_date and p.surgery_date <= day]


def _plan_has_exercise(plan: Plan, exercise_id: str) -> bool:
    if protocol_of(plan.protocol).has_exercise(exercise_id):
        return True
    added = plan.revisions[-1].adjustments.get("added_exercises") or []
    return any(item["exercise"]["id"] == exercise_id for item in added)


def _column_defaults(model) -> dict[str, object]:
    """Return each insertable column with its plain default (False for flags, 1 for slot)."""
    return {
        column.key: column.default.arg
        if column.default is not None and column.default.is_scalar
        else None
        for column in model.__table__.columns
        if column.key != "id"
    }


_DEFAULTS = {model.__tablename__: _column_defaults(model) for model in MODELS.values()}


@cache
def _insert_of(table, dialect: str):
    """Return "INSERT … ON CONFLICT (client_uuid) DO NOTHING RETURNING id, client_uuid"."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["client_uuid"])
        .returning(table.c.id, table.c.client_uuid)
    )


def store_one(session: Session, author: User, kind: str, patient: Patient, data: dict) -> Stored:
    """Store a single event (the REST endpoints); raise Invalid when it is refused."""
    batch = EventBatch(session, author)
    key = batch.add(kind, patient, data)
    outcome = batch.store()[key]
    if outcome.error is not None:
        raise outcome.error
    outcome.row = session.get(MODELS[kind], outcome.record["id"])
    return outcome
