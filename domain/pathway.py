"""Condition pathways: what follows a failed conservative trial, declared by each protocol.

A protocol's `pathway` lists its steps in order (each completed by a clinical record, as its
`done_when` says) and the decisions a clinician can take on a failed-trial alert. The loader
checks a document with `done_when_problems` and `pathway_problems`; domain.readiness evaluates
the steps against the patient's clinical records. A plan on a protocol version without a
pathway gets SURGICAL_PATHWAY, the checklist every failed trial had before pathways existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.exams import EXAM_TESTS as exam_catalogue

# What a step can be completed by: a clinical record of one kind, or a standing fact stated on
# an examination or imaging record (the lumbar spine excluded, a mechanical source named).
RECORD_KINDS = ("guided_injection", "imaging", "exam_finding", "intake", "medication_review")
STANDING = {"lumbar_spine": ("excluded",), "mechanical_source": ("named",)}

# The values the structured clinical records use (server/schemas/logs.py).
INJECTION_TARGETS = (
    "pudendal_nerve",
    "ischiofemoral_space",
    "peri_sciatic",
    "piriformis",
    "hamstring_origin",
    "other",
)
MODALITIES = ("MRI", "MR_neurography", "CT", "ultrasound", "X-ray", "EMG_NCS")
# Modality names of records stored before the structured kinds.
OLD_MODALITIES = {"US": "ultrasound"}
MEASUREMENTS = (
    "ischiofemoral_space_mm",
    "quadratus_femoris_space_mm",
    "quadratus_femoris_oedema",
    "tendons_torn",
    "retraction_mm",
)
EXAM_TESTS = tuple(exam_catalogue)  # the catalogue's test ids (domain/exams.py)
EXAM_RESULTS = ("positive", "negative")
# The five essential Nantes criteria (Labat 2008), as the intake records them.
NANTES_CRITERIA = (
    "pain_in_pudendal_territory",
    "worse_sitting",
    "not_woken_at_night",
    "no_objective_sensory_loss",
    "relieved_by_block",
)
# "recorded": every criterion answered yes or no, except relief by the block, which the block
# step reports (it may be unknown until the block is done); "met": all five answered yes.
# A design choice: the criteria are the source's, how the app counts them on record is ours.
NANTES_STATES = ("recorded", "met")

# The filters a done_when may give, the record kind each belongs to, and its allowed values.
FILTERS: dict[str, tuple[str, tuple]] = {
    "target": ("guided_injection", INJECTION_TARGETS),
    "modality": ("imaging", MODALITIES),
    "has": ("imaging", MEASUREMENTS),
    "test": ("exam_finding", EXAM_TESTS),
}
SINGLE_FILTERS: dict[str, tuple[str, tuple]] = {
    "result": ("exam_finding", EXAM_RESULTS),
    "nantes": ("intake", NANTES_STATES),
}
DONE_WHEN_FIELDS = ("kind", *FILTERS, *SINGLE_FILTERS, *STANDING)
DECISION_ID_MAX = 40  # the alerts.decision column


def _choices(values) -> str:
    return ", ".join(values)


def done_when_problems(d: Any) -> list[tuple[str, str]]:
    """Return (field, reason) for everything wrong with a step's done_when ('' = itself)."""
    if not isinstance(d, Mapping):
        return [("", "must be a mapping of field: value")]
    problems = [
        (key, f"unknown field (one of {_choices(DONE_WHEN_FIELDS)})")
        for key in d
        if key not in DONE_WHEN_FIELDS
    ]
    standing = [key for key in STANDING if key in d]
    kind = d.get("kind")
    if standing:
        if kind is not None or len(standing) > 1:
            problems.append((standing[0], "a standing fact stands alone (no kind, no filters)"))
        for key in standing:
            if d[key] not in STANDING[key]:
                problems.append((key, f"must be one of {_choices(STANDING[key])}"))
    elif kind is None:
        problems.append(("kind", f"required (one of {_choices(RECORD_KINDS)}), or lumbar_spine"))
    elif kind not in RECORD_KINDS:
        problems.append(("kind", f"must be one of {_choices(RECORD_KINDS)}"))
    for key, (owner, allowed) in FILTERS.items():
        if key not in d:
            continue
        values = d[key]
        if kind != owner:
            problems.append((key, f"only for kind {owner}"))
        elif not isinstance(values, list) or not values:
            problems.append((key, "must be a non-empty list"))
        else:
            wrong = [v for v in values if v not in allowed]
            if wrong:
                problems.append((key, f"unknown {wrong}: each must be one of {_choices(allowed)}"))
    for key, (owner, allowed) in SINGLE_FILTERS.items():
        if key not in d:
            continue
        if kind != owner:
            problems.append((key, f"only for kind {owner}"))
        elif d[key] not in allowed:
            problems.append((key, f"must be one of {_choices(allowed)}"))
    if kind == "intake" and "nantes" not in d:
        problems.append(("nantes", "required for kind intake (recorded or met)"))
    return problems


@dataclass(frozen=True, slots=True)
class DoneWhen:
    """Which clinical record completes a step (validated by `done_when_problems`)."""

    kind: str | None = None
    target: tuple[str, ...] = ()
    modality: tuple[str, ...] = ()
    has: tuple[str, ...] = ()
    test: tuple[str, ...] = ()
    result: str | None = None
    nantes: str | None = None
    lumbar_spine: str | None = None
    mechanical_source: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DoneWhen:
        """Build a done_when from its document form."""
        problems = done_when_problems(d)
        if problems:
            raise ValueError(f"invalid done_when: {problems}")
        return cls(
            kind=d.get("kind"),
            **{key: tuple(d.get(key, ())) for key in FILTERS},
            **{key: d.get(key) for key in (*SINGLE_FILTERS, *STANDING)},
        )


@dataclass(frozen=True, slots=True)
class PathwayStep:
    """One step after a failed trial: its words, what completes it, what to do until then."""

    id: str
    title: str
    done_when: DoneWhen
    next_step: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PathwayDecision:
    """A decision a clinician can take on a failed trial; `review` ones set a review date."""

    id: str
    label: str
    review: bool = False


@dataclass(frozen=True)
class Pathway:
    """The failure pathway of a protocol: ordered steps and the decisions allowed."""

    steps: tuple[PathwayStep, ...]
    decisions: tuple[PathwayDecision, ...]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Pathway:
        """Build a pathway from its document form (absent: the surgical pathway)."""
        if not d:
            return SURGICAL_PATHWAY
        return cls(
            steps=tuple(
                PathwayStep(
                    s["id"],
                    s["title"],
                    DoneWhen.from_dict(s["done_when"]),
                    s.get("next_step") or s["title"],
                    tuple(s.get("references", ())),
                )
                for s in d["steps"]
            ),
            decisions=tuple(
                PathwayDecision(x["id"], x["label"], bool(x.get("review", False)))
                for x in d["decisions"]
            ),
        )

    def decision(self, decision_id: str) -> PathwayDecision | None:
        """Return the decision with this id, or None."""
        return next((x for x in self.decisions if x.id == decision_id), None)

    @property
    def watched(self) -> tuple[str, ...]:
        """The decisions after which the course is judged again on a review date."""
        return tuple(x.id for x in self.decisions if x.review)


def pathway_problems(d: Mapping[str, Any]) -> list[tuple[tuple, str]]:
    """Return (path, reason) for cross-field problems of a pathway (ids unique, one review)."""
    problems: list[tuple[tuple, str]] = []
    for part in ("steps", "decisions"):
        seen: set[str] = set()
        for i, item in enumerate(d.get(part, ())):
            if item["id"] in seen:
                problems.append(((part, i, "id"), f"duplicate id '{item['id']}'"))
            seen.add(item["id"])
    if not any(x.get("review") for x in d.get("decisions", ())):
        reason = "at least one decision must keep the patient under review (review: true)"
        problems.append((("decisions",), reason))
    return problems


# The checklist every failed trial had before pathways (and still has on a protocol version
# without one): rule out the spine first (clinical-review section 5), then the surgical work-up
# of SPEC 4 (imaging, a diagnostic injection, a mechanical source).
SURGICAL_PATHWAY = Pathway(
    steps=(
        PathwayStep(
            "lumbar_spine",
            "Lumbar spine excluded",
            DoneWhen(lumbar_spine="excluded"),
            "Examine the lumbar spine (and image it if the examination suggests a spinal "
            "source) and record whether it is excluded.",
        ),
        PathwayStep(
            "imaging",
            "Imaging (MRI) done",
            DoneWhen(kind="imaging", modality=("MRI", "MR_neurography")),
            "Request an MRI of the pelvis and hip (MR neurography if a nerve entrapment is "
            "suspected).",
        ),
        PathwayStep(
            "guided_injection",
            "Diagnostic guided injection positive (>= 50 % relief)",
            DoneWhen(kind="guided_injection"),
            "Refer for a diagnostic image-guided injection and record pain (NPRS) before and "
            "after it.",
        ),
        PathwayStep(
            "mechanical_source",
            "Mechanical source named by a clinician",
            DoneWhen(mechanical_source="named"),
            "Examine the patient (or review the imaging) and record the mechanical source of "
            "the pain, if one is found.",
        ),
    ),
    decisions=(
        PathwayDecision("continue_conservative", "Continue conservative care", review=True),
        PathwayDecision("refer_guided_injection", "Refer for a guided injection", review=True),
        PathwayDecision("refer_surgical_review", "Refer for surgical review"),
        PathwayDecision("adjust_plan", "Adjust the plan"),
        PathwayDecision("discharge", "Discharge"),
    ),
)
