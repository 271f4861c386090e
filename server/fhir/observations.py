"""What was measured: pain scores, function questionnaires, imaging and guided injections.

Pain scores are LOINC 72514-3 (0-10 numeric rating, reported), dated at the patient's local
date and time; the situation the score was taken in is a component with a Stride code. An
imaging result is a DiagnosticReport (with its measurements as Observations); a guided
injection is a Procedure and a DiagnosticReport of the block: pain before and after it and
the relief in percent. An examination test is an Observation, positive or negative in SNOMED CT.
"""

from functools import lru_cache

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.observation import (
    Observation,
    ObservationComponent,
    ObservationReferenceRange,
)
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.quantity import Quantity

from domain.exams import exam_name, modality_name, target_name
from domain.outcomes import LEFS_MAX, PGIC_WORDS
from domain.pathway import MEASUREMENTS
from domain.readiness import injection_relief
from server.fhir import codes
from server.fhir.careplan import careplan_id
from server.fhir.common import instant, local_moment, patient_ref, ref, staff_ref
from server.fhir.records import PatientRecord
from server.fhir.serialize import shared
from server.models import ClinicalEvent, ExerciseLog, OutcomeMeasure, PainLog

_MEASUREMENT_UNITS = {
    "ischiofemoral_space_mm": "mm",
    "quadratus_femoris_space_mm": "mm",
    "retraction_mm": "mm",
}


def pain_severity() -> CodeableConcept:
    """Return the LOINC code of a 0-10 pain score."""
    return codes.concept(codes.LOINC, *codes.PAIN_SEVERITY)


def pain_observation(record: PatientRecord, log: PainLog) -> Observation:
    """Return a pain log: its score, its local date and time, its situation and symptoms."""
    components = [_context_component(log.context)]
    for flag in codes.PAIN_FLAGS:
        if getattr(log, flag):
            components.append(_flag_component(flag))
    return Observation(
        id=f"stride-pain-{log.id}",
        status="final",
        category=codes.category("survey"),
        code=pain_severity(),
        subject=patient_ref(record.patient.id),
        effectiveDateTime=local_moment(log.recorded_at, record.patient.timezone, log.local_date),
        issued=instant(log.received_at),
        performer=[patient_ref(record.patient.id)],
        valueInteger=log.nprs,
        component=components,
        note=[Annotation(text=log.note)] if log.note else None,
    )


def exercise_pain_observations(record: PatientRecord, log: ExerciseLog) -> list[Observation]:
    """Return the pain scores an exercise log gives before and after the exercise."""
    found = []
    protocol = next((p for plan, p in record.plans if plan.id == log.plan_id), None)
    name = (
        protocol.exercise(log.exercise_id).name
        if protocol and protocol.has_exercise(log.exercise_id)
        else None
    )
    moment = local_moment(log.recorded_at, record.patient.timezone, log.local_date)
    for when, score in (("before", log.pain_before), ("after", log.pain_after)):
        if score is None:
            continue
        context = f"{when}_exercise"
        found.append(
            Observation(
                id=f"stride-exercise-{log.id}-pain-{when}",
                basedOn=[ref("CarePlan", careplan_id(log.plan_id))] if protocol else None,
                status="final",
                category=codes.category("survey"),
                code=pain_severity(),
                subject=patient_ref(record.patient.id),
                effectiveDateTime=moment,
                issued=instant(log.received_at),
                performer=[patient_ref(record.patient.id)],
                valueInteger=score,
                component=[
                    _context_component(context),
                    _exercise_component(log.exercise_id, name),
                ],
            )
        )
    return found


# The components repeat on every pain score (its situation, each symptom, the exercise): each
# is built and validated once and shared, like the concepts of `codes`, never changed.
@lru_cache(maxsize=64)
@shared
def _context_component(context: str) -> ObservationComponent:
    """Return the component naming the situation a pain score was taken in (shared)."""
    return ObservationComponent(
        code=codes.stride("pain-context"),
        valueCodeableConcept=codes.concept(
            codes.PAIN_CONTEXT, context, codes.PAIN_CONTEXTS.get(context)
        ),
    )


@lru_cache(maxsize=16)
@shared
def _flag_component(flag: str) -> ObservationComponent:
    """Return the component saying a symptom was reported with a pain score (shared)."""
    return ObservationComponent(code=codes.stride(flag.replace("_", "-")), valueBoolean=True)


@lru_cache(maxsize=4096)
@shared
def _exercise_component(exercise_id: str, name: str | None) -> ObservationComponent:
    """Return the component naming the exercise a pain score was taken around (shared)."""
    return ObservationComponent(
        code=codes.stride("exercise"),
        valueCodeableConcept=codes.concept(codes.EXERCISE, exercise_id, name),
    )


def outcome_observation(record: PatientRecord, measure: OutcomeMeasure) -> Observation | None:
    """Return a LEFS or PGIC score (Stride codes: no LOINC code is used for them here)."""
    if measure.instrument == "lefs":
        code, high, words = "lefs-score", LEFS_MAX, None
    elif measure.instrument == "pgic":
        code, high, words = "pgic-score", 7, PGIC_WORDS.get(measure.score)
    else:
        return None
    low = 1 if measure.instrument == "pgic" else 0
    return Observation(
        id=f"stride-outcome-{measure.id}",
        status="final",
        category=codes.category("survey"),
        code=codes.stride(code),
        subject=patient_ref(record.patient.id),
        effectiveDateTime=local_moment(
            measure.recorded_at, record.patient.timezone, measure.local_date
        ),
        issued=instant(measure.received_at),
        performer=[patient_ref(record.patient.id)],
        valueInteger=measure.score,
        referenceRange=[
            ObservationReferenceRange(low=Quantity(value=low), high=Quantity(value=high))
        ],
        note=[Annotation(text=words)] if words else None,
    )


def clinical_event_resources(record: PatientRecord, event: ClinicalEvent) -> list:
    """Return an imaging, injection or examination record as FHIR resources (others: none)."""
    mapper = _EVENT_MAPPERS.get(event.kind)
    return mapper(record, event, event.details or {}) if mapper else []


def _base(record: PatientRecord, event: ClinicalEvent) -> dict:
    """Return the fields every resource of a clinical event has."""
    return dict(subject=patient_ref(record.patient.id))


def _observation(record, event, suffix: str, code, category: str, **value) -> Observation:
    return Observation(
        id=f"stride-event-{event.id}-{suffix}",
        status="final",
        category=codes.category(category),
        code=code,
        effectiveDateTime=event.event_date.isoformat(),
        issued=instant(event.received_at),
        performer=_performer(record, event),
        **_base(record, event),
        **value,
    )


def _performer(record, event) -> list | None:
    author = staff_ref(event.recorded_by_id, record.staff)
    return [author] if author else None


def _event_code(kind: str) -> CodeableConcept:
    return codes.concept(codes.CLINICAL_EVENT, kind, codes.CLINICAL_EVENT_CODES[kind])


def _imaging(record, event, d: dict) -> list:
    measured = []
    for key in MEASUREMENTS:
        value = d.get(key)
        if value is None:
            continue
        suffix = key.replace("_", "-")
        if isinstance(value, bool):
            given = {"valueBoolean": value}
        elif key in _MEASUREMENT_UNITS:
            unit = _MEASUREMENT_UNITS[key]
            given = {
                "valueQuantity": Quantity(value=value, unit=unit, system=codes.UCUM, code=unit)
            }
        else:
            given = {"valueInteger": int(value)}
        measured.append(_observation(record, event, suffix, codes.stride(key), "imaging", **given))
    conclusion = [d.get("finding") or ""]
    if d.get("mechanical_source"):
        conclusion.append(f"Mechanical source: {d['mechanical_source']}.")
    if d.get("lumbar_spine"):
        conclusion.append(f"Lumbar spine: {d['lumbar_spine'].replace('_', ' ')}.")
    if event.note:
        conclusion.append(event.note)
    modality = d.get("modality")
    report = DiagnosticReport(
        id=f"stride-event-{event.id}",
        status="final",
        category=[codes.concept(codes.DIAGNOSTIC_SERVICE, "RAD", "Radiology")],
        code=CodeableConcept(
            coding=[codes.coding(codes.CLINICAL_EVENT, "imaging", "Imaging")],
            text=modality_name(modality),
        ),
        effectiveDateTime=event.event_date.isoformat(),
        issued=instant(event.received_at),
        performer=_performer(record, event),
        result=[ref("Observation", o.id) for o in measured] or None,
        conclusion=" ".join(p for p in conclusion if p).strip() or None,
        conclusionCode=(
            [codes.concept(codes.IMAGING_MODALITY, modality, modality_name(modality))]
            if modality
            else None
        ),
        **_base(record, event),
    )
    return [report, *measured]


def _injection(record, event, d: dict) -> list:
    procedure_id = f"stride-event-{event.id}"
    target = d.get("target")
    procedure = Procedure(
        id=procedure_id,
        status="completed",
        code=_event_code("guided_injection"),
        performedDateTime=event.event_date.isoformat(),
        recorder=staff_ref(event.recorded_by_id, record.staff),
        bodySite=(
            [codes.concept(codes.INJECTION_TARGET, target, target_name(d))] if target else None
        ),
        note=[
            Annotation(text=text)
            for text in (
                f"Guidance: {d['guidance']}" if d.get("guidance") else None,
                f"Anaesthetic: {d['anaesthetic']}" if d.get("anaesthetic") else None,
                f"Provocative task: {d['provocative_task']}" if d.get("provocative_task") else None,
                event.note,
            )
            if text
        ]
        or None,
        **_base(record, event),
    )
    part_of = [ref("Procedure", procedure_id)]
    results = []
    for suffix, key in (("pain-before", "pain_before"), ("pain-after", "pain_after")):
        if isinstance(d.get(key), int):
            results.append(
                _observation(
                    record,
                    event,
                    suffix,
                    pain_severity(),
                    "procedure",
                    valueInteger=d[key],
                    partOf=part_of,
                )
            )
    relief = injection_relief(d)
    if relief is not None:
        results.append(
            _observation(
                record,
                event,
                "relief",
                codes.stride("injection-relief"),
                "procedure",
                valueQuantity=Quantity(
                    value=round(relief, 1), unit="%", system=codes.UCUM, code="%"
                ),
                partOf=part_of,
            )
        )
    minutes = d.get("minutes_after")
    words = f"{round(relief)} % relief" if relief is not None else "relief not computable"
    if minutes is not None:
        words += f", pain after taken {minutes} minutes after the injection"
    report = DiagnosticReport(
        id=f"stride-event-{event.id}-report",
        status="final",
        code=_event_code("guided_injection"),
        effectiveDateTime=event.event_date.isoformat(),
        issued=instant(event.received_at),
        performer=_performer(record, event),
        result=[ref("Observation", o.id) for o in results] or None,
        conclusion=f"Diagnostic block at {target_name(d)}: {words}.",
        **_base(record, event),
    )
    return [procedure, report, *results]


def _exam(record, event, d: dict) -> list:
    result = d.get("result")
    answers = {"positive": codes.POSITIVE, "negative": codes.NEGATIVE}
    value = {}
    if result in answers:
        value["valueCodeableConcept"] = codes.concept(codes.SNOMED, *answers[result])
    else:
        value["dataAbsentReason"] = CodeableConcept(text=str(result or "not done"))
    notes = [d.get("note"), d.get("site") and f"Site: {d['site']}", event.note]
    if d.get("mechanical_source"):
        notes.append(f"Mechanical source: {d['mechanical_source']}")
    if d.get("lumbar_spine"):
        notes.append(f"Lumbar spine: {d['lumbar_spine'].replace('_', ' ')}")
    test = str(d.get("test") or "unknown")
    observation = Observation(
        id=f"stride-event-{event.id}",
        status="final",
        category=codes.category("exam"),
        code=codes.concept(codes.EXAM_TEST, test, exam_name(test)),
        effectiveDateTime=event.event_date.isoformat(),
        issued=instant(event.received_at),
        performer=_performer(record, event),
        note=[Annotation(text=n) for n in notes if n] or None,
        **_base(record, event),
        **value,
    )
    return [observation]


_EVENT_MAPPERS = {"imaging": _imaging, "guided_injection": _injection, "exam_finding": _exam}
