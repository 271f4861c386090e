"""A plan as a CarePlan: the protocol it instantiates, a Goal per phase, an activity per exercise.

The activities are the prescription of the revision in force on the patient's local today
(the physio's dose changes, removals and additions applied); every revision is a note with its
reason and what it changed, so the adjustments and their reasons travel with the plan.
"""

from datetime import date
from functools import lru_cache

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.careplan import CarePlan, CarePlanActivity, CarePlanActivityDetail
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.timing import Timing, TimingRepeat

from domain.dose_words import dose_text
from domain.protocol import Dose, Exercise, Protocol
from domain.schedule import effective_exercises, in_force, phase_timeline
from server.fhir import codes
from server.fhir.common import instant, patient_ref, ref, staff_ref
from server.fhir.identity import CANONICAL_BASE
from server.fhir.patient import care_team_id
from server.fhir.records import PatientRecord
from server.fhir.serialize import shared
from server.models import Plan, PlanRevision
from server.services.plans import revision_in_force

REVISION_EXTENSION = f"{CANONICAL_BASE}/StructureDefinition/plan-revision"


def plan_definition_url(protocol: Protocol) -> str:
    """Return the canonical URL (with version) of the protocol's PlanDefinition."""
    return f"{CANONICAL_BASE}/PlanDefinition/{protocol.id}|{protocol.version}"


def careplan_id(plan_id: int) -> str:
    """Return the CarePlan.id of a plan."""
    return f"stride-plan-{plan_id}"


def plan_resources(record: PatientRecord, plan: Plan, protocol: Protocol) -> list:
    """Return a plan's CarePlan and the Goals of its phases."""
    today, staff = record.today, record.staff
    revision = revision_in_force(plan, today)
    adjustments = in_force(revision.adjustments or {}, today)
    spans = {
        s.phase_id: s
        for s in phase_timeline(
            protocol, plan.start_date, plan.surgery_date, adjustments.get("phase_moves")
        )
    }
    goals, activities = [], []
    for index, phase in enumerate(protocol.phases):
        goal_id = f"{careplan_id(plan.id)}-phase-{index + 1}"
        span = spans.get(phase.id)
        state = _phase_state(span, today)
        goals.append(_goal(record, goal_id, phase, span, state))
        kept = effective_exercises(protocol, adjustments, phase.id)
        removed = [
            e for e in phase.exercises if e.id in set(adjustments.get("removed_exercises") or ())
        ]
        for exercise, status in [(e, _ACTIVITY[state]) for e in kept] + [
            (e, "cancelled") for e in removed
        ]:
            activities.append(_activity(record, exercise, status, goal_id, span))
    status = "active"
    if plan.status != "active":
        status = "revoked"
    elif plan.end_date is not None and plan.end_date < today:
        status = "completed"
    careplan = CarePlan(
        id=careplan_id(plan.id),
        extension=[Extension(url=REVISION_EXTENSION, valueInteger=revision.number)],
        instantiatesCanonical=[plan_definition_url(protocol)],
        status=status,
        intent="plan",
        title=protocol.title,
        description=f"{protocol.condition}: {protocol.summary}".strip(": ") or None,
        subject=patient_ref(record.patient.id),
        period=Period(
            start=plan.start_date.isoformat(),
            end=plan.end_date.isoformat() if plan.end_date else None,
        ),
        created=instant(plan.created_at),
        author=staff_ref(plan.created_by_id, staff),
        careTeam=[ref("CareTeam", care_team_id(record.patient.id))],
        goal=[ref("Goal", g.id) for g in goals],
        activity=activities or None,
        note=[_revision_note(r, staff) for r in plan.revisions] or None,
    )
    return [careplan, *goals]


# A phase's state -> its Goal.lifecycleStatus and its activities' status.
_LIFECYCLE = {"past": "completed", "current": "active", "future": "proposed"}
_ACTIVITY = {"past": "completed", "current": "in-progress", "future": "not-started"}


def _phase_state(span, today: date) -> str:
    if span is None or span.start > today:
        return "future"
    return "past" if span.end is not None and span.end < today else "current"


def _goal(record: PatientRecord, goal_id: str, phase, span, state: str) -> Goal:
    notes = [
        *(f"Goal: {g}" for g in phase.goals),
        *(f"Criterion to advance: {c}" for c in phase.criteria),
        *(f"Restriction: {r}" for r in phase.restrictions),
    ]
    return Goal(
        id=goal_id,
        lifecycleStatus=_LIFECYCLE[state],
        description=CodeableConcept(text=f"Phase {phase.title}"),
        subject=patient_ref(record.patient.id),
        startDate=span.start.isoformat() if span is not None else None,
        note=[Annotation(text=n) for n in notes] or None,
    )


def _activity(record, exercise: Exercise, status: str, goal_id: str, span) -> CarePlanActivity:
    steps = " ".join(exercise.instructions)
    return CarePlanActivity(
        detail=CarePlanActivityDetail(
            code=codes.concept(codes.EXERCISE, exercise.id, exercise.name),
            goal=[ref("Goal", goal_id)],
            status=status,
            scheduledTiming=_scheduled(
                exercise.dose,
                span.start if span is not None else None,
                span.end if span is not None else None,
            ),
            performer=[patient_ref(record.patient.id)],
            description=f"{dose_text(exercise.dose)}. {steps}".strip(),
        )
    )


# Patients on one protocol share its doses and, starting on one day, its phases' dates: the
# Timing of each is built and validated once and shared, never changed after it is made.
@lru_cache(maxsize=4096)
@shared
def _scheduled(dose: Dose, start: date | None, end: date | None) -> Timing:
    """Return the Timing of a dose within a phase's dates (shared: do not change it)."""
    period = None
    if start is not None:
        period = Period(start=start.isoformat(), end=end.isoformat() if end else None)
    return _timing(dose, period)


def _timing(dose: Dose, period: Period | None) -> Timing:
    """Return how often the exercise is done: per day, per week, or every n days."""
    if dose.every_n_days:
        frequency, every, unit = dose.times_per_day, dose.every_n_days, "d"
    elif dose.days_per_week:
        frequency, every, unit = dose.times_per_day * dose.days_per_week, 1, "wk"
    else:
        frequency, every, unit = dose.times_per_day, 1, "d"
    return Timing(
        repeat=TimingRepeat(boundsPeriod=period, frequency=frequency, period=every, periodUnit=unit)
    )


def _revision_note(revision: PlanRevision, staff: dict) -> Annotation:
    changes = "; ".join(_change_text(d) for d in revision.diff or ()) or "as assigned"
    return Annotation(
        authorReference=staff_ref(revision.author_id, staff),
        time=instant(revision.created_at),
        text=(
            f"Revision {revision.number}, in force from {revision.effective_from.isoformat()}. "
            f"Reason: {revision.reason}. Changes: {changes}."
        ),
    )


def _change_text(change: dict) -> str:
    """Return one diff record of an adjustment in words (domain.adjustments describes them)."""
    what = change.get("exercise_id") or change.get("phase_id") or ""
    text = f"{change.get('op', 'change')} {what}: {change.get('before')} -> {change.get('after')}"
    if change.get("until"):
        text += f" until {change['until']}"
    return text
