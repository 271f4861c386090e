"""A protocol version as FHIR R4B: a PlanDefinition and one ActivityDefinition per exercise.

The answer is a `collection` Bundle rather than a PlanDefinition with contained resources: the
ActivityDefinitions are definitions in their own right, which a PlanDefinition action names by
canonical URL (`url|version`), and an importing server stores each entry as its own resource
where contained ones would stay locked inside the PlanDefinition. The mapping, element by
element, is in docs/interop.md ("Protocols as FHIR").

Pure: takes the validated protocol document (the stored `content`) and returns fhir.resources
objects; no Flask, no database.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from fhir.resources.R4B.activitydefinition import ActivityDefinition
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.plandefinition import PlanDefinition

from domain.dose_words import dose_text
from domain.protocol import Dose, Exercise, Phase, Protocol
from server.fhir.identity import CANONICAL_BASE, code_system

UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
# SNOMED CT 229065009 |Exercise therapy (regime/therapy)|: what every exercise is.
EXERCISE_THERAPY = {"system": SNOMED, "code": "229065009", "display": "Exercise therapy"}
PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
# Stride's names of daily slots, as FHIR EventTiming codes (Timing.repeat.when).
EVENT_TIMING = {
    "morning": "MORN",
    "midday": "NOON",
    "afternoon": "AFT",
    "evening": "EVE",
    "night": "NIGHT",
}
# The amounts of one session, each a Dosage.doseAndRate entry typed by this Stride code.
DOSE_AMOUNTS = (
    ("sets", "Sets", "{set}"),
    ("reps", "Repetitions per set", "{repetition}"),
    ("hold_s", "Hold, seconds", "s"),
    ("rest_s", "Rest between sets, seconds", "s"),
)
EVENT_WORDS = {"plan_start": "the start of the plan", "surgery_date": "surgery"}
FHIR_ID_MAX = 64


def plan_definition_url(protocol_id: str) -> str:
    """Return the canonical URL of a protocol's PlanDefinition (the same for every version)."""
    return f"{CANONICAL_BASE}/PlanDefinition/{protocol_id}"


def activity_id(protocol_id: str, exercise_id: str) -> str:
    """Return the ActivityDefinition.id of an exercise: readable, unique, at most 64 characters."""
    name = f"{protocol_id}-{exercise_id}"
    if len(name) <= FHIR_ID_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: FHIR_ID_MAX - 9]}-{digest}"


def activity_url(protocol_id: str, exercise_id: str) -> str:
    """Return the canonical URL of an exercise's ActivityDefinition."""
    return f"{CANONICAL_BASE}/ActivityDefinition/{activity_id(protocol_id, exercise_id)}"


def protocol_bundle(
    content: dict[str, Any], figure_url: Callable[[str], str] | None = None
) -> Bundle:
    """Return the Bundle of one protocol version: its PlanDefinition, then its exercises.

    `figure_url(exercise_id)`, when given, is where an exercise's animated figure is served:
    each exercise that has one names it as a documentation artifact.
    """
    protocol = Protocol.from_dict(content)
    citations = {ref.id: ref.citation for ref in protocol.references}
    resources = [plan_definition(protocol)]
    for index, phase in enumerate(protocol.phases):
        weeks = _phase_weeks(protocol.phases, index)
        for exercise in phase.exercises:
            figure = figure_url(exercise.id) if figure_url and exercise.figure else None
            resources.append(
                activity_definition(protocol, phase, exercise, weeks, citations, figure)
            )
    entries = [
        {"fullUrl": resource.url, "resource": resource.model_dump(by_alias=True)}
        for resource in resources
    ]
    return Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": entries})


def plan_definition(protocol: Protocol) -> PlanDefinition:
    """Return the PlanDefinition of a protocol version: its phases as actions, its sources."""
    actions = []
    for index, phase in enumerate(protocol.phases):
        action = _phase_action(protocol, phase, index)
        if index:
            previous = protocol.phases[index - 1].id
            action["relatedAction"] = [{"actionId": previous, "relationship": "after-end"}]
        actions.append(action)
    return PlanDefinition.model_validate(
        {
            "resourceType": "PlanDefinition",
            "id": protocol.id,
            "url": plan_definition_url(protocol.id),
            "version": str(protocol.version),
            "name": _computable_name(protocol.id),
            "title": protocol.title,
            "type": {"coding": [{"system": PLAN_TYPE, "code": "clinical-protocol"}]},
            "status": "active",
            "description": protocol.summary or protocol.title,
            "topic": [{"text": protocol.condition}] if protocol.condition else None,
            "usage": "\n\n".join(protocol.notes) or None,
            "relatedArtifact": [
                {"type": "citation", "label": ref.id, "citation": ref.citation}
                for ref in protocol.references
            ]
            or None,
            "action": actions,
        }
    )


def _phase_action(protocol: Protocol, phase: Phase, index: int) -> dict:
    """Return one phase as a PlanDefinition action: entry and exit as conditions, exercises."""
    event = EVENT_WORDS.get(phase.start_relative_to, phase.start_relative_to)
    entry = f"From week {phase.start_week} after {event}."
    conditions = [_text_condition("start", entry)]
    # The physio checks these before moving the patient on: the phase's exit criteria.
    conditions += [_text_condition("stop", criterion) for criterion in phase.criteria]
    parts = []
    if phase.goals:
        parts.append("Goals: " + "; ".join(phase.goals))
    if phase.restrictions:
        parts.append("Do not: " + "; ".join(phase.restrictions))
    return {
        "id": phase.id,
        "prefix": f"Phase {index + 1}",
        "title": phase.title,
        "description": "\n\n".join(parts) or None,
        "textEquivalent": entry,
        "timingDuration": _weeks(phase.start_week),
        "condition": conditions,
        "groupingBehavior": "logical-group",
        "selectionBehavior": "all",
        "action": [
            {
                "id": exercise.id,
                "title": exercise.name,
                "definitionCanonical": (
                    f"{activity_url(protocol.id, exercise.id)}|{protocol.version}"
                ),
            }
            for exercise in phase.exercises
        ],
    }


def _text_condition(kind: str, text: str) -> dict:
    """Return an action condition stated in words (a person checks it, no engine runs it)."""
    return {
        "kind": kind,
        "expression": {"language": "text/plain", "description": text, "expression": text},
    }


def activity_definition(
    protocol: Protocol,
    phase: Phase,
    exercise: Exercise,
    weeks: int | None,
    citations: dict[str, str],
    figure_url: str | None = None,
) -> ActivityDefinition:
    """Return one exercise as an ActivityDefinition: which days as Timing, the dose as Dosage."""
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(exercise.instructions, 1))
    easier_harder = [
        f"{label}: {text}"
        for label, text in (("Easier", exercise.regression), ("Harder", exercise.progression))
        if text
    ]
    category = {"system": code_system("exercise-category"), "code": exercise.category}
    return ActivityDefinition.model_validate(
        {
            "resourceType": "ActivityDefinition",
            "id": activity_id(protocol.id, exercise.id),
            "url": activity_url(protocol.id, exercise.id),
            "identifier": [{"system": code_system("exercise"), "value": exercise.id}],
            "version": str(protocol.version),
            "name": _computable_name(exercise.id),
            "title": exercise.name,
            "subtitle": f"{protocol.title}: {phase.title}",
            "status": "active",
            "description": "\n\n".join([steps, *easier_harder]) or exercise.name,
            "usage": "\n".join(exercise.cautions) or None,
            "topic": [{"coding": [category]}],
            "relatedArtifact": [
                {"type": "citation", "label": ref, "citation": citations[ref]}
                for ref in exercise.references
                if ref in citations
            ]
            + _figure_artifact(exercise, figure_url)
            or None,
            "kind": "ServiceRequest",
            "code": {"coding": [EXERCISE_THERAPY], "text": exercise.name},
            "participant": [{"type": "patient"}],
            "timingTiming": days_timing(exercise.dose, weeks),
            "dosage": [dosage(exercise)],
        }
    )


def _figure_artifact(exercise: Exercise, url: str | None) -> list[dict]:
    """Return the documentation artifact naming an exercise's animated figure, if served."""
    if url is None:
        return []
    return [
        {
            "type": "documentation",
            "label": "figure",
            "display": f"Animated demonstration: {exercise.name}",
            "document": {"contentType": "image/png", "url": url, "title": exercise.name},
        }
    ]


def days_timing(dose: Dose, weeks: int | None) -> dict:
    """Return which days the exercise is done (and for how long, when the phase ends)."""
    if dose.days_per_week is not None:
        repeat = {"frequency": dose.days_per_week, "period": 1, "periodUnit": "wk"}
        words = f"{dose.days_per_week} days a week"
    elif dose.every_n_days is not None:
        repeat = {"frequency": 1, "period": dose.every_n_days, "periodUnit": "d"}
        words = f"every {dose.every_n_days} days"
    else:
        repeat = {"frequency": 1, "period": 1, "periodUnit": "d"}
        words = "every day"
    if weeks is not None:
        repeat["boundsDuration"] = _weeks(weeks)
        words += f", for {weeks} weeks"
    return {"repeat": repeat, "code": {"text": words}}


def dosage(exercise: Exercise) -> dict:
    """Return the dose of one day: sessions a day as Timing; sets, reps, hold and rest."""
    dose = exercise.dose
    amounts = []
    for name, display, unit in DOSE_AMOUNTS:
        value = getattr(dose, name)
        if name in ("hold_s", "rest_s") and not value:
            continue
        kind = {"system": code_system("dose-amount"), "code": name, "display": display}
        quantity = {"value": value, "unit": unit, "system": UCUM, "code": unit}
        amounts.append({"type": {"coding": [kind]}, "doseQuantity": quantity})
    repeat = {"frequency": dose.times_per_day, "period": 1, "periodUnit": "d"}
    when = [EVENT_TIMING[slot] for slot in dose.slots if slot in EVENT_TIMING]
    if len(when) == len(dose.slots):
        repeat["when"] = when
    return {
        "sequence": 1,
        "text": dose_text(dose),
        "patientInstruction": "\n".join(exercise.instructions) or None,
        "additionalInstruction": [
            {
                "coding": [{"system": code_system("stop-sign"), "code": sign.id}],
                "text": f"Stop if ({sign.level}): {sign.text}",
            }
            for sign in exercise.stop_if
        ]
        or None,
        "timing": {"repeat": repeat},
        "doseAndRate": amounts,
    }


def _phase_weeks(phases: tuple[Phase, ...], index: int) -> int | None:
    """Return how many weeks a phase lasts: until the next one counted from the same event."""
    phase = phases[index]
    later = phases[index + 1] if index + 1 < len(phases) else None
    if later is None or later.start_relative_to != phase.start_relative_to:
        return None
    return later.start_week - phase.start_week or None


def _weeks(count: int) -> dict:
    return {"value": count, "unit": "wk", "system": UCUM, "code": "wk"}


def _computable_name(slug: str) -> str:
    """Return a FHIR computable name (letters and digits, starting upper case) from a slug."""
    name = "".join(part[:1].upper() + part[1:] for part in slug.replace("_", "-").split("-"))
    return name if name[:1].isalpha() else f"N{name}"
