"""A patient's history as the server hands it to the escalation rules (plain, frozen data)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal, NamedTuple, get_args

from domain.nerves import NerveSymptoms
from domain.pathway import Pathway
from domain.ruleset import DEFAULT_THRESHOLDS, Thresholds

Status = Literal["done", "partial", "skipped"]
SkipReason = Literal["stop_if", "pain", "no_time", "forgot", "unwell", "other"]
PainContext = Literal["rest", "sitting", "walking", "night", "after_exercise", "other"]
ClinicalKind = Literal["imaging", "guided_injection", "exam_finding", "intake", "medication_review"]
CareType = Literal["conservative", "post_operative"]
# The pain contexts a protocol may name as its condition's meaningful task (R-FAIL judges pain
# there): every context of a pain log but "other".
MEANINGFUL_CONTEXTS: tuple[str, ...] = tuple(c for c in get_args(PainContext) if c != "other")


# Plain sets: a sweep checks millions of entries, and get_args or hashing a Literal is slow.
_CHOICES = {
    id(kind): frozenset(get_args(kind))
    for kind in (Status, SkipReason, PainContext, ClinicalKind, CareType, NerveSymptoms)
}


def _check_choice(name: str, value: object, allowed: object) -> None:
    """Raise ValueError unless value is one of the Literal's choices."""
    if value not in _CHOICES[id(allowed)]:
        choices = get_args(allowed)
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_nprs(name: str, value: int | None, optional: bool = False) -> None:
    """Raise ValueError unless value is an NPRS score 0..10 (or None when optional)."""
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10:
        raise ValueError(f"{name} must be an integer 0..10; got {value!r}")


@dataclass(frozen=True)
class ExerciseEntry:
    """One logged exercise slot: how many of the prescribed sets were done that local day."""

    local_date: date
    exercise_id: str
    slot: int
    sets_done: int
    sets_due: int
    status: Status
    skip_reason: SkipReason | None = None
    pain_before: int | None = None
    pain_after: int | None = None
    # The stop sign's level, decided by the server from the protocol version.
    stop_level: str | None = None
    nerve_symptoms: NerveSymptoms | None = None
    recorded_at: datetime | None = None

    @staticmethod
    def stored(*values) -> "StoredExercise":
        """Return an entry read back from storage, validated when received, without checks."""
        return StoredExercise(*values)
    def __post_init__(self) -> None:
        _check_choice("status", self.status, Status)
        if self.skip_reason is not None:
            _check_choice("skip_reason", self.skip_reason, SkipReason)
        if self.sets_done < 0 or self.sets_due < 0:
            raise ValueError("sets_done and sets_due must be >= 0")
        _check_nprs("pain_before", self.pain_before, optional=True)
        _check_nprs("pain_after", self.pain_after, optional=True)
        if self.nerve_symptoms is not None:
            _check_choice("nerve_symptoms", self.nerve_symptoms, NerveSymptoms)


class StoredExercise(NamedTuple):
    """An ExerciseEntry as read back by a sweep: the same fields, a tuple, cheap to build.

    The rules read entries by attribute only, so either kind works; a sweep reads millions.
    """

    local_date: date
    exercise_id: str
    slot: int
    sets_done: int
    sets_due: int
    status: str
    skip_reason: str | None = None
    pain_before: int | None = None
    pain_after: int | None = None
    stop_level: str | None = None
    nerve_symptoms: str | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class PainEntry:
    """One pain log (NPRS 0..10) with the warning signs the patient ticked."""

    local_date: date
    nprs: int
    context: PainContext = "other"
    tingling: bool = False
    numbness: bool = False
    felt_pop: bool = False
    new_bruising: bool = False
    cannot_bear_weight: bool = False
    recorded_at: datetime | None = None

    @staticmethod
    def stored(*values) -> "StoredPain":
        """Return an entry read back from storage, validated when received, without checks."""
        return StoredPain(*values)

    def __post_init__(self) -> None:
        _check_nprs("nprs", self.nprs)
        _check_choice("context", self.context, PainContext)


class StoredPain(NamedTuple):
    """A PainEntry as read back by a sweep: the same fields, a tuple, cheap to build."""

    local_date: date
    nprs: int
    context: str = "other"
    tingling: bool = False
    numbness: bool = False
    felt_pop: bool = False
    new_bruising: bool = False
    cannot_bear_weight: bool = False
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class RedFlagEntry:
    """One red-flag check: question key -> yes, no, or None (not asked after a yes)."""

    local_date: date
    answers: Mapping[str, bool | None]
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class PostopCheckEntry:
    """One daily post-operative check: question key -> yes, no, or None (not asked)."""

    local_date: date
    answers: Mapping[str, bool | None]
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class ClinicalEntry:
    """A clinician-recorded event: imaging, an injection, an exam test, intake, medication."""

    kind: ClinicalKind
    event_date: date
    details: Mapping[str, Any]
    # Who recorded it ("Dr A Patel, clinician"), shown beside what they named; and when the
    # server received it, so a result recorded after a decision counts as new evidence.
    recorded_by: str | None = None
    received_at: datetime | None = None

    def __post_init__(self) -> None:
        _check_choice("kind", self.kind, ClinicalKind)


class AdherenceCarry(NamedTuple):
    """Adherence already summed over a plan's days before `until` (a sweep's stored prefix).

    A history that carries one holds only the exercise entries from `until` on; the rules add
    the carried sums to what those entries give (domain.adherence.plan_adherence), so a long
    history costs no more to judge than a short one. `last_active` is the last day before
    `until` with any set done.
    """

    until: date
    done: int
    due: int
    days_due: int
    days_missed: int
    last_active: date | None


class PhaseGate(NamedTuple):
    """The next phase of the plan, the date its time gate opens and the criteria to advance."""

    phase_id: str
    gate_date: date
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class PatientHistory:
    """Everything the rules need about one patient; `today` is the patient's local date."""

    patient_id: str
    today: date
    plan_start: date
    plan_revised_on: tuple[date, ...] = ()
    care_type: CareType = "conservative"
    trial_weeks: int | None = None
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    # Sets due per local day from schedule expansion; days absent (or 0) are rest days.
    due_by_day: Mapping[date, int] = field(default_factory=dict)
    neural_exercise_ids: frozenset[str] = frozenset()
    # Exercise entries in server receive order, so a later entry corrects an earlier one.
    exercise_entries: Sequence[ExerciseEntry] = ()
    # Set by a sweep that read only recent rows: the sums of the days before its `until`;
    # exercise_entries and due_by_day then cover only the days from `until` on.
    adherence_carry: AdherenceCarry | None = None
    pain_entries: Sequence[PainEntry] = ()
    red_flag_entries: Sequence[RedFlagEntry] = ()
    postop_checks: Sequence[PostopCheckEntry] = ()
    clinical_entries: Sequence[ClinicalEntry] = ()
    next_phase_gate: PhaseGate | None = None
    surgery_date: date | None = None
    # Recorded once by a clinician (None: not recorded); raises night pain and weight loss.
    cancer_history: bool | None = None
    # The condition's meaningful task (a pain context, e.g. "sitting"), from the protocol.
    meaningful_context: str | None = None
    # Completed LEFS and PGIC questionnaires (domain.outcomes.OutcomeEntry), receive order.
    outcome_entries: Sequence[Any] = ()
    # The protocol's failure pathway (None: the surgical one): the R-FAIL checklist's steps.
    pathway: Pathway | None = None

    def __post_init__(self) -> None:
        _check_choice("care_type", self.care_type, CareType)
        if self.meaningful_context is not None:
            _check_choice("meaningful_context", self.meaningful_context, PainContext)
        if self.trial_weeks is not None and self.trial_weeks < 1:
            raise ValueError(f"trial_weeks must be >= 1; got {self.trial_weeks}")
        carry = self.adherence_carry
        if carry is not None and not self.plan_start <= carry.until <= self.today:
            raise ValueError("adherence_carry.until must fall between plan_start and today")

    @cached_property
    def daily_adherence(self):
        """The entries' adherence per day against due_by_day (domain.adherence.DailyAdherence),
        worked out once for every rule that asks. Not a field: it is derived, not compared."""
        from domain.adherence import DailyAdherence  # domain.adherence imports this module

        return DailyAdherence(self.due_by_day, self.exercise_entries)
