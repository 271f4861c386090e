"""Protocol documents as frozen dataclasses, built from an already validated dict.

The protocol loader (marshmallow, outside the pure core) validates a file and fills in defaults;
`Protocol.from_dict` only converts that dict into immutable values the schedule works with.
An exercise without `days_per_week` and `every_n_days` is done every day.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from domain.figures import Figure
from domain.pathway import SURGICAL_PATHWAY, Pathway

# Allowed range of each numeric dose field (used for physio adjustments and protocol files alike).
DOSE_RANGES: dict[str, tuple[int, int]] = {
    "sets": (1, 20),
    "reps": (1, 200),
    "hold_s": (0, 600),
    "rest_s": (0, 600),
    "times_per_day": (1, 4),
    "days_per_week": (1, 7),
    "every_n_days": (2, 14),
}
DOSE_FIELDS: tuple[str, ...] = (*DOSE_RANGES, "times_of_day")

# Time-of-day names of the slots when a dose gives only `times_per_day`.
DEFAULT_SLOTS: dict[int, tuple[str, ...]] = {
    1: ("morning",),
    2: ("morning", "evening"),
    3: ("morning", "midday", "evening"),
    4: ("morning", "midday", "afternoon", "evening"),
}


@dataclass(frozen=True, slots=True)
class Dose:
    """How much of an exercise, how often in a day and on which days."""

    sets: int
    reps: int
    hold_s: int = 0
    rest_s: int = 0
    times_per_day: int = 1
    times_of_day: tuple[str, ...] | None = None
    days_per_week: int | None = None
    every_n_days: int | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Dose:
        """Build a dose from its document form."""
        unknown = set(d) - set(DOSE_FIELDS)
        if unknown:
            raise ValueError(f"unknown dose fields: {sorted(unknown)}")
        times_of_day = d.get("times_of_day")
        return cls(
            sets=d["sets"],
            reps=d["reps"],
            hold_s=d.get("hold_s", 0),
            rest_s=d.get("rest_s", 0),
            times_per_day=d.get("times_per_day", 1),
            times_of_day=tuple(times_of_day) if times_of_day else None,
            days_per_week=d.get("days_per_week"),
            every_n_days=d.get("every_n_days"),
        )

    @property
    def sets_per_day(self) -> int:
        """Return the sets due on a day the exercise is scheduled."""
        return self.sets * self.times_per_day

    @property
    def slots(self) -> tuple[str, ...]:
        """Return the time-of-day name of each daily session."""
        return self.times_of_day or DEFAULT_SLOTS[self.times_per_day]

    def with_overrides(self, partial: dict[str, Any]) -> Dose:
        """Return this dose with some fields replaced.

        `days_per_week` and `every_n_days` exclude each other, so setting one drops the other;
        `times_of_day` is kept only while it names exactly `times_per_day` slots.
        """
        merged = self.to_dict()
        if "days_per_week" in partial:
            merged.pop("every_n_days", None)
        if "every_n_days" in partial:
            merged.pop("days_per_week", None)
        merged.update(partial)
        times = merged.get("times_of_day")
        if times is not None and len(times) != merged.get("times_per_day", 1):
            del merged["times_of_day"]
        return Dose.from_dict(merged)

    def to_dict(self) -> dict[str, Any]:
        """Return the document form, leaving out absent optional fields."""
        d: dict[str, Any] = {
            "sets": self.sets,
            "reps": self.reps,
            "hold_s": self.hold_s,
            "rest_s": self.rest_s,
            "times_per_day": self.times_per_day,
        }
        if self.times_of_day is not None:
            d["times_of_day"] = list(self.times_of_day)
        if self.days_per_week is not None:
            d["days_per_week"] = self.days_per_week
        if self.every_n_days is not None:
            d["every_n_days"] = self.every_n_days
        return d


# What a stop sign makes happen (docs/rules.md, "Stop signs"): emergency and urgent raise an
# urgent alert at submission, review a physio review; stop only ends the exercise for today.
STOP_LEVELS: tuple[str, ...] = ("emergency", "urgent", "review", "stop")


@dataclass(frozen=True, slots=True)
class StopSign:
    """A symptom that stops an exercise, with a stable id and the level of care it needs."""

    id: str
    level: str
    text: str

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StopSign:
        """Build a stop sign from its document form."""
        if d["level"] not in STOP_LEVELS:
            raise ValueError(f"unknown stop level {d['level']!r}")
        return cls(id=d["id"], level=d["level"], text=d["text"])

    @property
    def needs_someone_today(self) -> bool:
        """Tell whether a person must act today (an emergency or urgent sign)."""
        return self.level in ("emergency", "urgent")

    def to_dict(self) -> dict[str, str]:
        """Return the document form."""
        return {"id": self.id, "level": self.level, "text": self.text}


@dataclass(frozen=True, slots=True)
class Exercise:
    """One prescribed exercise with its dose and safety notes."""

    id: str
    name: str
    category: str
    dose: Dose
    instructions: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    stop_if: tuple[StopSign, ...] = ()
    regression: str = ""
    progression: str = ""
    references: tuple[str, ...] = ()
    # The demonstration (domain.figures); None on a protocol version written before figures.
    figure: Figure | None = field(default=None, compare=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Exercise:
        """Build an exercise from its document form."""
        return cls(
            id=d["id"],
            name=d["name"],
            category=d["category"],
            dose=Dose.from_dict(d["dose"]),
            instructions=tuple(d.get("instructions", ())),
            cautions=tuple(d.get("cautions", ())),
            stop_if=tuple(StopSign.from_dict(s) for s in d.get("stop_if", ())),
            regression=d.get("regression", ""),
            progression=d.get("progression", ""),
            references=tuple(d.get("references", ())),
            figure=Figure.from_dict(d["figure"]) if d.get("figure") else None,
        )

    def stop_sign(self, sign_id: str) -> StopSign | None:
        """Return the stop sign with this id, or None."""
        return next((sign for sign in self.stop_if if sign.id == sign_id), None)

    @property
    def is_neural_glide(self) -> bool:
        """Tell whether the patient is asked about nerve symptoms after each session."""
        return self.category == "neural_glide"

    def with_dose(self, dose: Dose) -> Exercise:
        """Return this exercise with another dose."""
        return replace(self, dose=dose)

    def to_dict(self) -> dict[str, Any]:
        """Return the document form."""
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "instructions": list(self.instructions),
            "cautions": list(self.cautions),
            "stop_if": [sign.to_dict() for sign in self.stop_if],
            "regression": self.regression,
            "progression": self.progression,
            "references": list(self.references),
            "dose": self.dose.to_dict(),
            **({"figure": self.figure.to_dict()} if self.figure else {}),
        }


@dataclass(frozen=True, slots=True)
class Phase:
    """A stage of a protocol, entered by time gate or by a physio's move."""

    id: str
    title: str
    start_week: int
    start_relative_to: str
    exercises: tuple[Exercise, ...]
    goals: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()
    restrictions: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Phase:
        """Build a phase from its document form."""
        return cls(
            id=d["id"],
            title=d["title"],
            start_week=d.get("start_week", 0),
            start_relative_to=d.get("start_relative_to", "plan_start"),
            exercises=tuple(Exercise.from_dict(e) for e in d.get("exercises", ())),
            goals=tuple(d.get("goals", ())),
            criteria=tuple(d.get("criteria", ())),
            restrictions=tuple(d.get("restrictions", ())),
        )


@dataclass(frozen=True, slots=True)
class Requirement:
    """A clinical event that must be on record, with these details, before a plan is assigned."""

    kind: str
    details: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """A recorded detail at or above a limit that refuses the protocol (and why)."""

    detail: str
    at_least: float
    reason: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What must be known before the protocol is assigned, and what rules it out."""

    requires: tuple[Requirement, ...] = ()
    refuse_when: tuple[Refusal, ...] = ()

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Enrolment:
        """Build the enrolment rules from their document form (absent: none)."""
        d = d or {}
        return cls(
            requires=tuple(
                Requirement(r["kind"], tuple(r.get("details", ())), r["text"])
                for r in d.get("requires", ())
            ),
            refuse_when=tuple(
                Refusal(r["detail"], r["at_least"], r["reason"], tuple(r.get("references", ())))
                for r in d.get("refuse_when", ())
            ),
        )


@dataclass(frozen=True, slots=True)
class Reference:
    """A citation a protocol rests on."""

    id: str
    citation: str


@dataclass(frozen=True)
class Protocol:
    """One version of an evidence-based protocol."""

    id: str
    version: int
    title: str
    phases: tuple[Phase, ...]
    condition: str = ""
    summary: str = ""
    care_type: str = "conservative"
    conservative_trial_weeks: int | None = None
    # The pain context of the condition's meaningful task ("sitting", "walking"): R-FAIL judges
    # pain logged in it when there is enough of it.
    meaningful_context: str | None = None
    escalation: dict[str, Any] = field(default_factory=dict, hash=False)
    notes: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    enrolment: Enrolment = field(default_factory=Enrolment)
    # What follows a failed trial (None: a version written before pathways, or post-operative).
    pathway: Pathway | None = field(default=None, hash=False)
    _phases: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)
    _exercises: dict[str, Exercise] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Index once: the schedule looks phases and exercises up for every patient in a sweep.
        object.__setattr__(self, "_phases", {p.id: i for i, p in enumerate(self.phases)})
        exercises: dict[str, Exercise] = {}
        for phase in self.phases:
            for exercise in phase.exercises:
                exercises.setdefault(exercise.id, exercise)
        object.__setattr__(self, "_exercises", exercises)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Protocol:
        """Build a protocol from its validated document form."""
        return cls(
            id=d["id"],
            version=d["version"],
            title=d["title"],
            phases=tuple(Phase.from_dict(p) for p in d["phases"]),
            condition=d.get("condition", ""),
            summary=d.get("summary", ""),
            care_type=d.get("care_type", "conservative"),
            conservative_trial_weeks=d.get("conservative_trial_weeks"),
            meaningful_context=d.get("meaningful_context"),
            escalation=dict(d.get("escalation") or {}),
            notes=tuple(d.get("notes", ())),
            references=tuple(Reference(r["id"], r["citation"]) for r in d.get("references", ())),
            enrolment=Enrolment.from_dict(d.get("enrolment")),
            pathway=Pathway.from_dict(d["pathway"]) if d.get("pathway") else None,
        )

    @property
    def failure_pathway(self) -> Pathway:
        """The pathway after a failed trial: the protocol's own, else the surgical one."""
        return self.pathway or SURGICAL_PATHWAY

    def phase(self, phase_id: str) -> Phase:
        """Return the phase with this id (KeyError if there is none)."""
        return self.phases[self._phases[phase_id]]

    def phase_index(self, phase_id: str) -> int:
        """Return the position of the phase with this id (KeyError if there is none)."""
        return self._phases[phase_id]

    def has_phase(self, phase_id: str) -> bool:
        """Tell whether a phase with this id exists."""
        return phase_id in self._phases

    def exercise(self, exercise_id: str) -> Exercise:
        """Return the first exercise with this id in any phase (KeyError if there is none)."""
        return self._exercises[exercise_id]

    def has_exercise(self, exercise_id: str) -> bool:
        """Tell whether any phase has an exercise with this id."""
        return exercise_id in self._exercises


def content_hash(doc: dict) -> str:
    """Return the sha256 of a protocol document's canonical JSON, to spot an edited version."""
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
