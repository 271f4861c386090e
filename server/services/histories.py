"""A patient's history as the escalation rules see it, built from stored rows."""

from collections import defaultdict
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.history import ClinicalEntry, ExerciseEntry, PainEntry, PatientHistory
from server.domain.history import PhaseGate as HistoryGate
from server.domain.schedule import (
    effective_exercises,
    expand_schedule,
    next_phase_gate,
    sets_due_by_day,
)
from server.models import ClinicalEvent, ExerciseLog, PainLog, Plan
from server.services.escalation import thresholds_of
from server.services.plans import protocol_of, revisions_of

WEEKLY_LOOK = timedelta(days=7)
SILENT_DAYS = timedelta(days=8)


class HistoryRows(NamedTuple):
    """Logged events keyed by plan (exercise) or patient (pain, clinical)."""

    exercise: dict
    pain: dict
    clinical: dict


def load_history_rows(session: Session, plan_ids, patient_ids) -> HistoryRows:
    """Load the logged events of many plans at once, oldest first."""
    exercise = defaultdict(list)
    for row in session.execute(
        select(
            ExerciseLog.plan_id,
            ExerciseLog.local_date,
            ExerciseLog.exercise_id,
            ExerciseLog.slot,
            ExerciseLog.sets_done,
            ExerciseLog.sets_due,
            ExerciseLog.status,
            ExerciseLog.skip_reason,
        )
        .where(ExerciseLog.plan_id.in_(list(plan_ids)))
        .order_by(ExerciseLog.id)
    ):
        exercise[row[0]].append(ExerciseEntry(*row[1:]))
    pain = defaultdict(list)
    for row in session.execute(
        select(
            PainLog.patient_id,
            PainLog.local_date,
            PainLog.nprs,
            PainLog.context,
            PainLog.tingling,
            PainLog.numbness,
            PainLog.felt_pop,
            PainLog.new_bruising,
            PainLog.cannot_bear_weight,
        )
        .where(PainLog.patient_id.in_(patient_ids))
        .order_by(PainLog.id)
    ):
        pain[row[0]].append(PainEntry(*row[1:]))
    clinical = defaultdict(list)
    for row in session.execute(
        select(
            ClinicalEvent.patient_id,
            ClinicalEvent.kind,
            ClinicalEvent.event_date,
            ClinicalEvent.details,
        )
        .where(ClinicalEvent.patient_id.in_(patient_ids))
        .order_by(ClinicalEvent.id)
    ):
        clinical[row[0]].append(ClinicalEntry(*row[1:]))
    return HistoryRows(exercise, pain, clinical)


def history_of(plan: Plan, today: date, rows: HistoryRows) -> tuple[PatientHistory, date]:
    """Build the rules' view of one plan as of the patient's local `today`, and its next due day."""
    protocol = protocol_of(plan.protocol)
    revisions = revisions_of(plan)
    latest = plan.revisions[-1].adjustments
    days = expand_schedule(
        protocol,
        plan.start_date,
        plan.surgery_date,
        plan.end_date,
        revisions,
        plan.start_date,
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
        due_by_day=sets_due_by_day(days),
        neural_exercise_ids=neural,
        exercise_entries=entries,
        pain_entries=rows.pain.get(plan.patient_id, []),
        clinical_entries=rows.clinical.get(plan.patient_id, []),
        next_phase_gate=HistoryGate(*gate) if gate else None,
        surgery_date=plan.surgery_date,
    )
    return history, next_due(plan, protocol, today, gate, entries)


def next_due(plan, protocol, today, gate, entries) -> date:
    """Return the first day on which time alone could change what the rules find.

    That is the trial length reached, the next phase gate, eight silent days (which push a
    fully adherent patient's 14-day adherence under 50 %), or a weekly look, whichever is first.
    """
    candidates = [today + WEEKLY_LOOK]
    if protocol.conservative_trial_weeks:
        candidates.append(plan.start_date + timedelta(weeks=protocol.conservative_trial_weeks))
    if gate is not None:
        candidates.append(gate.gate_date)
    last_active = max((e.local_date for e in entries if e.sets_done), default=plan.start_date)
    candidates.append(last_active + SILENT_DAYS)
    later = [day for day in candidates if day > today]
    return min(later) if later else today + timedelta(days=1)
