"""A patient's history as the escalation rules see it, built from stored rows."""

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy.orm import Session

from domain.history import AdherenceCarry, ClinicalEntry, ExerciseEntry, PainEntry, PatientHistory
from domain.history import PhaseGate as HistoryGate
from domain.outcomes import OutcomeEntry
from domain.schedule import (
    effective_exercises,
    next_phase_gate,
    sets_due_between,
)
from server.models import Plan
from server.services.escalation import thresholds_of
from server.services.plans import protocol_of, revisions_of

WEEKLY_LOOK = timedelta(days=7)
SILENT_DAYS = timedelta(days=8)


class HistoryRows(NamedTuple):
    """Logged events keyed by plan (exercise) or patient (pain, clinical, outcome measures)."""

    exercise: dict
    pain: dict
    clinical: dict
    outcome: dict


def load_history_rows(session: Session, plan_ids, patient_ids) -> HistoryRows:
    """Load the logged events of many plans at once, oldest first.

    Plain driver SQL on purpose: a full sweep reads millions of rows, and the ORM's per-row type
    processing would cost more than the rules themselves. Ids are integers, so inlining them is
    safe.
    """
    plans, patients = sql_ids(plan_ids), sql_ids(patient_ids)
    cursor = session.connection().connection.driver_connection.cursor()
    day = date_parser()
    exercise = defaultdict(list)
    cursor.execute(
        "SELECT plan_id, local_date, exercise_id, slot, sets_done, sets_due, status, skip_reason,"
        " stop_level, nerve_symptoms"
        f" FROM exercise_logs WHERE plan_id IN ({plans})"
        f" AND {current('exercise_logs', 'plan_id', plans)} ORDER BY id"
    )
    for plan_id, local, *rest, stop_level, nerve in cursor.fetchall():
        exercise[plan_id].append(
            ExerciseEntry.stored(day(local), *rest, None, None, stop_level, nerve)
        )
    pain = pain_rows(cursor, [f"patient_id IN ({patients})"], patients, day)
    clinical, outcome = clinical_and_outcome_rows(cursor, patients, day)
    cursor.close()
    return HistoryRows(exercise, pain, clinical, outcome)


def pain_rows(cursor, wheres: list[str], patients: str, day) -> dict[int, list[PainEntry]]:
    """Read the current pain rows that any of `wheres` selects, of the given patients.

    Each condition is its own branch of a UNION ALL (planned on its own, so each can use an
    index); the rows come back per patient in receive order, each once even when two
    conditions select it (two plans of one patient in a batch, with overlapping windows).
    """
    pain = defaultdict(list)
    columns = (
        "id, patient_id, local_date, nprs, context, tingling, numbness, felt_pop,"
        " new_bruising, cannot_bear_weight"
    )
    keep = current("pain_logs", "patient_id", patients)
    branches = " UNION ALL ".join(
        f"SELECT {columns} FROM pain_logs WHERE ({where}) AND {keep}" for where in wheres
    )
    cursor.execute(f"SELECT * FROM ({branches}) AS rows ORDER BY id")
    previous = None
    for row_id, patient_id, local, nprs, context, *flags in cursor.fetchall():
        if row_id == previous:
            continue  # ordered by id: a row two branches selected comes twice in a row
        previous = row_id
        pain[patient_id].append(PainEntry.stored(day(local), nprs, context, *map(bool, flags)))
    return pain


def clinical_and_outcome_rows(cursor, patients: str, day) -> tuple[dict, dict]:
    """Read the patients' current clinical events and outcome measures (LEFS, PGIC)."""
    clinical = _clinical_rows(cursor, patients, day)
    outcome = defaultdict(list)
    cursor.execute(
        "SELECT patient_id, local_date, instrument, score"
        f" FROM outcome_measures WHERE patient_id IN ({patients})"
        f" AND {current('outcome_measures', 'patient_id', patients)} ORDER BY id"
    )
    for patient_id, local, instrument, score in cursor.fetchall():
        outcome[patient_id].append(OutcomeEntry(day(local), instrument, score))
    return clinical, outcome


def _clinical_rows(cursor, patients: str, day) -> dict[int, list[ClinicalEntry]]:
    """Read current clinical events with who recorded them ("name, role") and when."""
    cursor.execute(
        "SELECT patient_id, kind, event_date, details, recorded_by_id, received_at"
        f" FROM clinical_events WHERE patient_id IN ({patients})"
        f" AND {current('clinical_events', 'patient_id', patients)} ORDER BY id"
    )
    rows = cursor.fetchall()
    authors = {}
    ids = ",".join(str(int(row[4])) for row in rows)
    if ids:
        cursor.execute(f"SELECT id, display_name, role FROM users WHERE id IN ({ids})")
        authors = {uid: f"{name}, {role}" for uid, name, role in cursor.fetchall()}
    clinical = defaultdict(list)
    for patient_id, kind, event_date, details, author, received in rows:
        details = json.loads(details) if isinstance(details, str) else details
        entry = ClinicalEntry(
            kind, day(event_date), details, authors.get(author), _moment(received)
        )
        clinical[patient_id].append(entry)
    return clinical


def clinical_entries_of(session: Session, patient_id: int) -> list[ClinicalEntry]:
    """Return one patient's current clinical events, oldest first (for a checklist shown now)."""
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        return _clinical_rows(cursor, str(int(patient_id)), date_parser())[patient_id]
    finally:
        cursor.close()


def _moment(value) -> datetime | None:
    """Return a driver's timestamp as an aware UTC datetime (ISO text on SQLite)."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sql_ids(ids) -> str:
    """Return integer ids as the inside of an SQL `IN (...)` list ("NULL" when there are none).

    Each is passed through int(), so inlining the list is safe.
    """
    return ",".join(str(int(i)) for i in ids) or "NULL"


def current(table: str, owner: str, ids: str) -> str:
    """Return SQL that keeps the rows no later row of the same owner corrects (`supersedes`).

    A correction replaces what it corrects for the rules and the summaries alike; a chain of
    corrections leaves only its last link.
    """
    return (
        f"client_uuid NOT IN (SELECT supersedes FROM {table}"
        f" WHERE {owner} IN ({ids}) AND supersedes IS NOT NULL)"
    )


def date_parser():
    """Return a memoised converter of a driver's date (a date, or ISO text on SQLite)."""
    seen: dict = {}

    def parse(value):
        found = seen.get(value)
        if found is None:
            found = seen[value] = value if isinstance(value, date) else date.fromisoformat(value)
        return found

    return parse


def history_of(
    plan: Plan, today: date, rows: HistoryRows, carry: AdherenceCarry | None = None
) -> tuple[PatientHistory, date]:
    """Build the rules' view of one plan as of the patient's local `today`, and its next due day.

    With a `carry` (server.services.carried), `rows` hold the plan's exercise rows from the
    carry's day on and the schedule is expanded from there.
    """
    protocol = protocol_of(plan.protocol)
    revisions = revisions_of(plan)
    latest = plan.revisions[-1].adjustments
    due_by_day = sets_due_between(
        protocol,
        plan.start_date,
        plan.surgery_date,
        plan.end_date,
        revisions,
        plan.start_date if carry is None else carry.until,
        today,
    )
    moves = latest.get("phase_moves")
    gate = next_phase_gate(protocol, plan.start_date, plan.surgery_date, moves, today)
    neural = frozenset(
        exercise_.id
        for phase in protocol.phases
        for exercise_ in effective_exercises(protocol, latest, phase.id)
        if exercise_.category == "neural_glide"
    )
    entries = rows.exercise.get(plan.id, [])
    history = PatientHistory(
        patient_id=str(plan.patient_id),
        today=today,
        plan_start=plan.start_date,
        plan_revised_on=tuple(r.effective_from for r in plan.revisions[1:]),
        care_type=protocol.care_type,
        trial_weeks=protocol.conservative_trial_weeks,
        thresholds=thresholds_of(protocol),
        due_by_day=due_by_day,
        neural_exercise_ids=neural,
        exercise_entries=entries,
        adherence_carry=carry,
        pain_entries=rows.pain.get(plan.patient_id, []),
        clinical_entries=rows.clinical.get(plan.patient_id, []),
        next_phase_gate=HistoryGate(*gate) if gate else None,
        surgery_date=plan.surgery_date,
        meaningful_context=protocol.meaningful_context,
        outcome_entries=rows.outcome.get(plan.patient_id, []),
        pathway=protocol.pathway,
    )
    carried_active = None if carry is None else carry.last_active
    return history, next_due(plan, protocol, today, gate, entries, carried_active)


def next_due(plan, protocol, today, gate, entries, carried_active=None) -> date:
    """Return the first day on which time alone could change what the rules find.

    That is the trial length reached, the next phase gate, eight silent days (which push a
    fully adherent patient's 14-day adherence under 50 %), or a weekly look, whichever is first.
    """
    candidates = [today + WEEKLY_LOOK]
    if protocol.conservative_trial_weeks:
        candidates.append(plan.start_date + timedelta(weeks=protocol.conservative_trial_weeks))
    if gate is not None:
        candidates.append(gate.gate_date)
    active = [e.local_date for e in entries if e.sets_done]
    if carried_active is not None:
        active.append(carried_active)  # the last active day before a carried history's rows
    last_active = max(active, default=plan.start_date)
    candidates.append(last_active + SILENT_DAYS)
    later = [day for day in candidates if day > today]
    return min(later) if later else today + timedelta(days=1)
