"""Care plans: assignment, adjustments as immutable revisions, and the dated schedule."""

from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from domain.adjustments import AdjustmentError, apply_operations
from domain.enrolment import check_enrolment
from domain.history import ClinicalEntry
from domain.protocol import Exercise, Protocol
from domain.reports import enrolment_findings
from domain.schedule import (
    MAX_SCHEDULE_DAYS,
    DayPlan,
    Revision,
    effective_exercises,
    expand_schedule,
    in_force,
    phase_timeline,
    span_on,
)
from server.models import ClinicalEvent, Patient, Plan, PlanRevision, ProtocolVersion, User
from server.services import auth
from server.services import protocols as protocol_service
from server.services.access import patient_for, visible_patient_ids, visible_to_caller
from server.services.auth import Caller
from server.services.changes import record_change
from server.services.errors import Conflict, Invalid, NotFound
from server.services.escalation import raise_alerts

_PARSED: dict[str, Protocol] = {}


def revision_in_force(plan: Plan, today: date) -> PlanRevision:
    """Return the latest revision in force on `today` (the first one before the plan starts)."""
    started = [r for r in plan.revisions if r.effective_from <= today]
    return (started or plan.revisions[:1])[-1]


def exercises_now(plan: Plan, today: date) -> tuple[str, tuple[Exercise, ...]]:
    """Return the title of the phase the plan is in today and its exercises as prescribed.

    The prescription is the revision in force today with its timed changes as of today: the
    exercises added, removed and re-dosed by the physiotherapist, in the phase the gates and
    the recorded phase moves put the patient in.
    """
    protocol = protocol_of(plan.protocol)
    adjustments = in_force(revision_in_force(plan, today).adjustments or {}, today)
    spans = phase_timeline(
        protocol, plan.start_date, plan.surgery_date, adjustments.get("phase_moves")
    )
    phase_id = span_on(spans, today).phase_id
    return protocol.phase(phase_id).title, effective_exercises(protocol, adjustments, phase_id)


def protocol_of(version: ProtocolVersion) -> Protocol:
    """Return the domain protocol of a stored version (parsed once per process)."""
    found = _PARSED.get(version.content_hash)
    if found is None:
        if len(_PARSED) >= 256:
            _PARSED.clear()
        found = _PARSED[version.content_hash] = Protocol.from_dict(version.content)
    return found


def local_today(patient: Patient, now: datetime | None = None) -> date:
    """Return today's date where the patient lives."""
    moment = now or datetime.now(ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo(patient.timezone)).date()


def needs_surgery_date(protocol: Protocol) -> bool:
    """Tell whether any phase is timed from the surgery date."""
    return any(phase.start_relative_to == "surgery_date" for phase in protocol.phases)


def create_plan(session: Session, author: User, patient: Patient, data: dict) -> Plan:
    """Assign a protocol version to a patient as revision 1 of a new plan."""
    try:
        version = protocol_service.get_version(
            session, data["protocol_id"], data.get("protocol_version")
        )
    except NotFound as missing:
        field = "protocol_version" if data.get("protocol_version") else "protocol_id"
        raise Invalid(field, missing.message) from None
    protocol = protocol_of(version)
    start, surgery, end = data["start_date"], data.get("surgery_date"), data.get("end_date")
    if needs_surgery_date(protocol) and surgery is None:
        raise Invalid("surgery_date", "required: this protocol's phases are timed from surgery")
    if surgery is not None and surgery > start:
        raise Invalid("surgery_date", "must be on or before start_date")
    if end is not None and end < start:
        raise Invalid("end_date", "must be on or after start_date")
    _check_enrolment(session, patient, version, protocol)
    plan = Plan(
        patient_id=patient.id,
        protocol=version,
        start_date=start,
        surgery_date=surgery,
        end_date=end,
        created_by_id=author.id,
    )
    plan.revisions.append(
        PlanRevision(
            number=1,
            effective_from=start,
            author_id=author.id,
            reason=f"Assigned {version.title} (version {version.version}).",
            operations=[],
            diff=[],
            adjustments={},
        )
    )
    session.add(plan)
    session.flush()
    record_change(session, "plan", plan.id, patient.id)
    session.commit()
    return plan


def _check_enrolment(session: Session, patient: Patient, version, protocol) -> None:
    """Refuse a protocol whose prerequisites are not on record, or that the record rules out.

    A refusal that needs a surgical opinion raises an urgent R-ENROL alert, committed before
    the assignment is refused, so the clinician hears about it even though no plan exists.
    """
    if not protocol.enrolment.requires:
        return
    rows = session.scalars(
        select(ClinicalEvent)
        .where(ClinicalEvent.patient_id == patient.id)
        .order_by(ClinicalEvent.event_date, ClinicalEvent.id)
    )
    entries = [ClinicalEntry(r.kind, r.event_date, r.details) for r in rows]
    check = check_enrolment(protocol.enrolment, entries)
    if check.missing:
        needed = " ".join(r.text for r in check.missing)
        raise Invalid("protocol_id", f"needs on record before it is assigned: {needed}")
    if check.refused:
        findings = enrolment_findings(protocol.id, version.title, list(check.refused))
        alerts = raise_alerts(session, patient.id, None, findings)
        session.commit()
        reasons = " ".join(dict.fromkeys(r.refusal.reason for r in check.refused))
        ids = ", ".join(str(alert.id) for alert, _ in alerts)
        raise Invalid(
            "protocol_id",
            f"refused: {reasons} An urgent alert for a surgical opinion was raised (alert {ids}).",
        )


def plan_for(session: Session, user: User, plan_id: int, lock: bool = False) -> Plan:
    """Return a plan the user may see, or raise NotFound.

    With `lock` (to revise it), the plan row is locked until commit and read afresh with its
    revisions, so a simultaneous adjustment waits and then builds on this one's revision
    (PostgreSQL; SQLite's BEGIN IMMEDIATE already lets one writer at a time). The lock is
    FOR NO KEY UPDATE: logs that reference the plan are still stored meanwhile.
    """
    query = select(Plan).where(Plan.id == plan_id, Plan.patient_id.in_(visible_patient_ids(user)))
    if lock:
        query = query.with_for_update(of=Plan, key_share=True)
        query = query.execution_options(populate_existing=True)
    plan = session.scalar(query)
    if plan is None:
        raise NotFound(f"Plan {plan_id} not found.")
    if lock:
        session.expire(plan, ["revisions"])  # loaded again, after the lock, when next read
    return plan


def plans_of(session: Session, user: User, patient_id: int) -> list[Plan]:
    """Return a patient's plans, newest first."""
    patient = patient_for(session, user, patient_id)
    return list(
        session.scalars(select(Plan).where(Plan.patient_id == patient.id).order_by(Plan.id.desc()))
    )


def revise_plan(
    session: Session,
    author: User,
    plan: Plan,
    data: dict,
    today: date | None = None,
    problem: tuple[str, str] | None = None,
) -> Plan:
    """Apply a physio's adjustment as a new revision; earlier days keep their prescription.

    `today` (the patient's local date) is for demo data and tests; by default it is now. The
    exercises of add_exercise operations come loaded by the protocol files' schema, or with the
    (field, reason) one was refused for as `problem` (server.schemas.plans.load_operations).
    """
    patient = session.get(Patient, plan.patient_id)
    latest = plan.revisions[-1]
    base = data.get("base_revision")
    if base is not None and base != latest.number:
        raise Conflict(
            f"The plan was changed meanwhile: it is at revision {latest.number}, this adjustment"
            f" was made on revision {base}. Reload the plan and try again."
        )
    today = today or local_today(patient)
    effective = data.get("effective_from") or max(today, plan.start_date)
    if effective < today:
        raise Invalid("effective_from", "cannot change what was prescribed on a past day")
    if effective < latest.effective_from:
        raise Invalid("effective_from", f"must be on or after {latest.effective_from.isoformat()}")
    if plan.status != "active":
        raise Conflict("This plan has ended; assign a new plan instead.")
    protocol = protocol_of(plan.protocol)
    if problem is not None:
        raise Invalid(*problem)
    operations = list(data.get("operations", []))
    if "until" in data and not operations:
        raise Invalid("until", "give the dose change or removal that is for a set time")
    adjustments, diff = dict(latest.adjustments), []
    if operations:
        try:
            adjustments, diff = apply_operations(
                protocol,
                latest.adjustments,
                operations,
                effective,
                start_date=plan.start_date,
                surgery_date=plan.surgery_date,
                until=data.get("until"),
            )
        except AdjustmentError as error:
            raise Invalid(error.field_path, error.message) from None
    if "end_date" in data:
        diff.append(_end_plan(plan, data["end_date"]))
    if not diff:
        raise Invalid("operations", "nothing to change: give operations or end_date")
    plan.current_revision = latest.number + 1
    plan.revisions.append(
        PlanRevision(
            number=plan.current_revision,
            effective_from=effective,
            author_id=author.id,
            reason=data["reason"].strip(),
            operations=operations,
            diff=diff,
            adjustments=adjustments,
        )
    )
    try:
        record_change(session, "plan", plan.id, plan.patient_id)
        session.commit()
    except IntegrityError:
        # Only when the plan was not locked (plan_for(lock=True) makes adjustments take turns).
        session.rollback()
        raise Conflict("The plan was changed at the same time; reload it and try again.") from None
    return plan


def _end_plan(plan: Plan, end_date: date | None) -> dict:
    if end_date is not None and end_date < plan.start_date:
        raise Invalid("end_date", "must be on or after the plan's start_date")
    before = plan.end_date
    plan.end_date = end_date
    return {
        "op": "set_end_date",
        "before": before.isoformat() if before else None,
        "after": end_date.isoformat() if end_date else None,
    }


def revisions_of(plan: Plan) -> list[Revision]:
    """Return the plan's revisions in the domain's form."""
    return [Revision(r.number, r.effective_from, r.adjustments) for r in plan.revisions]


class ScheduleKey(NamedTuple):
    """Everything a plan's schedule over a date range depends on.

    Revisions are immutable and a new one bumps `current_revision`; `revised_at` (when the
    current revision was written) and the protocol's content hash make a key unique even
    across databases that reuse ids.
    """

    plan_id: int
    start_date: date
    surgery_date: date | None
    end_date: date | None
    current_revision: int
    revised_at: datetime
    content_hash: str
    first: date
    last: date

    @property
    def plan_part(self) -> tuple:
        """Return the part that names the plan's state, without the date range."""
        return tuple(self)[:7]


class ScheduleInputs(NamedTuple):
    """What a plan's schedule is expanded from: a pure function of its key's plan part."""

    plan_id: int
    protocol: Protocol
    start_date: date
    surgery_date: date | None
    end_date: date | None
    revisions: tuple[Revision, ...]


# The columns of a ScheduleKey's plan part, in its order.
_KEY_COLUMNS = (
    Plan.id,
    Plan.start_date,
    Plan.surgery_date,
    Plan.end_date,
    Plan.current_revision,
    PlanRevision.created_at,
    ProtocolVersion.content_hash,
)


def caller_and_plan_key(session: Session, raw_token: str, plan_id: int) -> tuple[Caller, tuple]:
    """Check a bearer token and read the plan part of a schedule's key, in one query.

    Return the caller and the plan part, or None for it when the caller may not see the plan
    (or there is none); raise Unauthorized as every token lookup does (services.auth).
    """
    params = {"digest": auth.digest(raw_token), "plan_id": plan_id}
    # A connection of its own, not the session's: one statement needs no ORM session (about
    # 50 us of CPU a request), and a view that goes on reading uses the session as usual.
    with session.get_bind().connect() as connection:
        row = connection.execute(_KEY_BY_TOKEN, params).one_or_none()
    caller = auth.caller_for(row)
    part = tuple(row[len(auth.CALLER_COLUMNS) :])
    return caller, (part if part[0] is not None else None)


# Built once: the token's checks and caller (services.auth) and, if that caller may see the
# plan :plan_id, its key's columns (NULL otherwise). No ORM objects: a cached schedule needs none.
_KEY_BY_TOKEN = (
    auth.with_token(select(*auth.CALLER_COLUMNS, *_KEY_COLUMNS))
    .outerjoin(
        Plan,
        (Plan.id == bindparam("plan_id")) & visible_to_caller(Plan.patient_id, User.role, User.id),
    )
    .outerjoin(ProtocolVersion, ProtocolVersion.id == Plan.protocol_version_id)
    .outerjoin(
        PlanRevision,
        (PlanRevision.plan_id == Plan.id) & (PlanRevision.number == Plan.current_revision),
    )
)


# What each plan's schedules and checks are expanded from, by the plan part of its schedule key,
# per worker: the schedule of a week not asked for before, and the prescription a sync push
# checks its exercise logs against, need no plan or revisions loaded again. A new revision, new
# dates or another protocol version make another key; the old entry is never read again.
_INPUTS: dict[tuple, ScheduleInputs] = {}
_INPUTS_HELD = 4096


def held_inputs(plan_part: tuple) -> ScheduleInputs | None:
    """Return the inputs kept for a key's plan part (see `keep_inputs`), or None."""
    return _INPUTS.get(plan_part)


def keep_inputs(plan: Plan) -> ScheduleInputs:
    """Keep and return the inputs of a loaded plan, by the plan part of its key as loaded.

    Keyed by what was loaded, not by an earlier lookup: a revision written in between is kept
    under its own key, and the lookup's (older) key simply misses next time.
    """
    inputs = schedule_inputs(plan)
    if len(_INPUTS) >= _INPUTS_HELD:
        _INPUTS.clear()
    _INPUTS[schedule_key_of(plan, None, None).plan_part] = inputs
    return inputs


class PlanFacts(NamedTuple):
    """A plan as a pushed exercise log is checked against it: no ORM objects, no session."""

    patient_id: int
    plan_part: tuple  # the plan part of its schedule key: what `inputs` are a function of
    inputs: ScheduleInputs


def plan_facts(session: Session, plan_id: int) -> PlanFacts | None:
    """Return a plan's patient and schedule inputs (None: no such plan), in one plain row.

    The inputs come from those kept by the plan part (`held_inputs`); only a plan part not seen
    before loads the plan with its protocol version and revisions.
    """
    row = session.connection().execute(_FACTS, {"plan_id": plan_id}).one_or_none()
    if row is None:
        return None
    patient_id, part = row[0], tuple(row[1:])
    inputs = held_inputs(part)
    if inputs is None:
        plan = session.execute(_PLAN_WITH_PROTOCOL, {"plan_id": plan_id}).unique().scalar_one()
        inputs = keep_inputs(plan)
        part = schedule_key_of(plan, None, None).plan_part
    return PlanFacts(patient_id, part, inputs)


# Built once: a plan's patient and the plan part of its schedule key (services.plans).
_FACTS = (
    select(Plan.patient_id, *_KEY_COLUMNS)
    .join(ProtocolVersion, ProtocolVersion.id == Plan.protocol_version_id)
    .join(
        PlanRevision,
        (PlanRevision.plan_id == Plan.id) & (PlanRevision.number == Plan.current_revision),
    )
    .where(Plan.id == bindparam("plan_id"))
)
# Built once: a plan with its protocol version (the document itself stays deferred) and its
# revisions: one round trip, not two.
_PLAN_WITH_PROTOCOL = (
    select(Plan)
    .where(Plan.id == bindparam("plan_id"))
    .options(joinedload(Plan.protocol), joinedload(Plan.revisions))
)


def schedule_key(plan_part: tuple | None, plan_id: int, date_from, date_to) -> ScheduleKey:
    """Return the key of a schedule from its plan part (see caller_and_plan_key), or raise."""
    if plan_part is None:
        raise NotFound(f"Plan {plan_id} not found.")
    return ScheduleKey(*plan_part, *_date_range(plan_part[1], date_from, date_to))


def schedule_key_of(plan: Plan, date_from: date | None, date_to: date | None) -> ScheduleKey:
    """Return the key of a loaded plan's schedule (the same as `schedule_key` gives)."""
    current = plan.revisions[-1]
    return ScheduleKey(
        plan.id,
        plan.start_date,
        plan.surgery_date,
        plan.end_date,
        current.number,
        current.created_at,
        plan.protocol.content_hash,
        *_date_range(plan.start_date, date_from, date_to),
    )


def _date_range(start: date, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """Return the days asked for (default: 7 days from the plan's start), or raise Invalid."""
    first = date_from or start
    last = date_to or first + timedelta(days=6)
    if last < first:
        raise Invalid("to", "must be on or after 'from'", location="query")
    if (last - first).days >= MAX_SCHEDULE_DAYS:
        raise Invalid("to", f"a range covers at most {MAX_SCHEDULE_DAYS} days", location="query")
    return first, last


def schedule_of(plan: Plan, date_from: date | None, date_to: date | None) -> list[DayPlan]:
    """Expand what was prescribed on each day between two dates (default: the next 7 days)."""
    return expand_inputs(schedule_inputs(plan), date_from, date_to)


def schedule_inputs(plan: Plan) -> ScheduleInputs:
    """Return what the plan's schedule is expanded from, free of the session it was loaded in."""
    return ScheduleInputs(
        plan.id,
        protocol_of(plan.protocol),
        plan.start_date,
        plan.surgery_date,
        plan.end_date,
        tuple(revisions_of(plan)),
    )


def expand_inputs(
    inputs: ScheduleInputs, date_from: date | None, date_to: date | None
) -> list[DayPlan]:
    """Expand a plan's schedule from its inputs between two dates (default: the next 7 days)."""
    first, last = _date_range(inputs.start_date, date_from, date_to)
    return expand_schedule(
        inputs.protocol,
        inputs.start_date,
        inputs.surgery_date,
        inputs.end_date,
        list(inputs.revisions),
        first,
        last,
    )
