"""Load what the FHIR export maps, for one patient or a batch of them: plain rows, no answer.

A batch is read with one query per table (`patient_id IN (...)`), so the bulk export holds one
batch of patients in memory at a time. Corrected events are left out: a correction replaces
what it corrects everywhere (SPEC 4), so only the last link of a chain is exported.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from domain.protocol import Protocol
from server.models import (
    Alert,
    CareTeamMember,
    ClinicalEvent,
    ExerciseLog,
    OutcomeMeasure,
    PainLog,
    Patient,
    Plan,
    ProtocolVersion,
    User,
)

_PROTOCOLS: dict[str, Protocol] = {}


@dataclass
class PatientRecord:
    """Everything one patient's Bundle is made of, as loaded rows and parsed protocols."""

    patient: Patient
    today: date  # the patient's local today: which phase and revision are in force
    care_team: list[User] = field(default_factory=list)
    staff: dict[int, User] = field(default_factory=dict)  # every staff member named
    plans: list[tuple[Plan, Protocol]] = field(default_factory=list)
    pain_logs: list[PainLog] = field(default_factory=list)
    # Exercise logs with a pain score before or after the exercise (the others are not read).
    exercise_pain: list[ExerciseLog] = field(default_factory=list)
    outcomes: list[OutcomeMeasure] = field(default_factory=list)
    clinical_events: list[ClinicalEvent] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


def local_today(timezone: str, now: datetime | None = None) -> date:
    """Return today's date in a time zone."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()


def protocol_of(version: ProtocolVersion) -> Protocol:
    """Return the parsed protocol of a stored version (once per process and content)."""
    found = _PROTOCOLS.get(version.content_hash)
    if found is None:
        if len(_PROTOCOLS) >= 256:
            _PROTOCOLS.clear()
        found = _PROTOCOLS[version.content_hash] = Protocol.from_dict(version.content)
    return found


def load_records(
    session: Session, patient_ids: list[int], now: datetime | None = None
) -> list[PatientRecord]:
    """Return the records of these patients, in the order of `patient_ids` (missing: skipped)."""
    if not patient_ids:
        return []
    people = session.scalars(
        select(Patient).where(Patient.id.in_(patient_ids)).options(selectinload(Patient.user))
    )
    records = {p.id: PatientRecord(p, local_today(p.timezone, now)) for p in people}
    ids = list(records)
    team = session.execute(
        select(CareTeamMember.patient_id, CareTeamMember.staff_id).where(
            CareTeamMember.patient_id.in_(ids)
        )
    ).all()
    plans = session.scalars(
        select(Plan)
        .where(Plan.patient_id.in_(ids))
        .order_by(Plan.id)
        .options(
            selectinload(Plan.revisions),
            selectinload(Plan.protocol).options(undefer(ProtocolVersion.content)),
        )
    )
    for plan in plans:
        records[plan.patient_id].plans.append((plan, protocol_of(plan.protocol)))
    for model, name in (
        (PainLog, "pain_logs"),
        (OutcomeMeasure, "outcomes"),
        (ClinicalEvent, "clinical_events"),
    ):
        for row in _current(session, model, ids):
            getattr(records[row.patient_id], name).append(row)
    for row in _exercise_pain(session, ids):
        records[row.patient_id].exercise_pain.append(row)
    alerts = session.scalars(
        select(Alert)
        .where(Alert.patient_id.in_(ids))
        .order_by(Alert.id)
        .options(selectinload(Alert.events))
    )
    for alert in alerts:
        records[alert.patient_id].alerts.append(alert)
    _name_staff(session, records, team)
    return [records[pid] for pid in patient_ids if pid in records]


def _current(session: Session, model, ids: list[int]) -> list:
    """Return the rows of these patients that no later row corrects, oldest first."""
    rows = list(session.scalars(select(model).where(model.patient_id.in_(ids)).order_by(model.id)))
    corrected = {row.supersedes for row in rows if row.supersedes is not None}
    return [row for row in rows if row.client_uuid not in corrected]


def _exercise_pain(session: Session, ids: list[int]) -> list[ExerciseLog]:
    """Return the current exercise logs of these patients that carry a pain score."""
    scored = ExerciseLog.pain_before.is_not(None) | ExerciseLog.pain_after.is_not(None)
    rows = session.scalars(
        select(ExerciseLog).where(ExerciseLog.patient_id.in_(ids), scored).order_by(ExerciseLog.id)
    )
    corrected = set(
        session.scalars(
            select(ExerciseLog.supersedes).where(
                ExerciseLog.patient_id.in_(ids), ExerciseLog.supersedes.is_not(None)
            )
        )
    )
    return [row for row in rows if row.client_uuid not in corrected]


def _name_staff(session: Session, records: dict[int, PatientRecord], team) -> None:
    """Load the staff each record names: its care team and the authors of what it holds."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for patient_id, staff_id in team:
        wanted[patient_id].add(staff_id)
    for pid, record in records.items():
        for plan, _ in record.plans:
            wanted[pid].add(plan.created_by_id)
            wanted[pid].update(r.author_id for r in plan.revisions)
        wanted[pid].update(e.recorded_by_id for e in record.clinical_events)
        for alert in record.alerts:
            wanted[pid].update(e.actor_id for e in alert.events if e.actor_id is not None)
    every = set().union(*wanted.values()) if wanted else set()
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(every)))}
    members = defaultdict(list)
    for patient_id, staff_id in sorted(team):
        members[patient_id].append(staff_id)
    for pid, record in records.items():
        record.staff = {
            uid: users[uid]
            for uid in sorted(wanted[pid])
            if uid in users and users[uid].role != "patient"
        }
        record.care_team = [record.staff[uid] for uid in members[pid] if uid in record.staff]
