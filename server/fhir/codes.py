"""The codes of the FHIR export: LOINC, SNOMED CT and HL7 where a code exists, Stride's otherwise.

Every external code below is one whose meaning is fixed and well known; a concept without
one gets a code in a Stride code system (`identity.code_system`), listed in docs/interop.md.
Nothing here is a LOINC or SNOMED CT code made up to look like one.
"""

from functools import lru_cache

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding

from server.fhir.identity import code_system
from server.fhir.serialize import shared

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DIAGNOSTIC_SERVICE = "http://terminology.hl7.org/CodeSystem/v2-0074"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
# Core R4 extension: the record that tells more about a flag (here, its DetectedIssue).
FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"

PAIN_SEVERITY = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
POSITIVE = ("10828004", "Positive")
NEGATIVE = ("260385009", "Negative")

# Stride code systems (docs/interop.md lists each with its codes).
OBSERVATION = code_system("observation")
PAIN_CONTEXT = code_system("pain-context")
EXERCISE = code_system("exercise")
CLINICAL_EVENT = code_system("clinical-event")
IMAGING_MODALITY = code_system("imaging-modality")
INJECTION_TARGET = code_system("injection-target")
EXAM_TEST = code_system("exam-test")
RULE = code_system("rule")
DECISION = code_system("alert-decision")
STAFF_ROLE = code_system("staff-role")

# Codes of the Stride "observation" system: what a Stride observation or component measures.
OBSERVATION_CODES = {
    "pain-context": "Situation in which the pain score was taken",
    "exercise": "The exercise a pain score was taken around",
    "tingling": "Tingling reported with the pain score",
    "numbness": "Numbness reported with the pain score",
    "felt-pop": "A pop felt (post-operative warning sign)",
    "new-bruising": "New bruising (post-operative warning sign)",
    "cannot-bear-weight": "Cannot bear weight (post-operative warning sign)",
    "lefs-score": "Lower Extremity Functional Scale total score (0-80)",
    "pgic-score": "Patient global impression of change (1 very much improved - 7 very much worse)",
    "injection-relief": "Pain relief after a diagnostic guided injection, percent",
    "ischiofemoral_space_mm": "Ischiofemoral space on imaging",
    "quadratus_femoris_space_mm": "Quadratus femoris space on imaging",
    "retraction_mm": "Retraction of the torn hamstring tendon end on imaging",
    "tendons_torn": "Proximal hamstring tendons torn on imaging (0-3)",
    "quadratus_femoris_oedema": "Oedema of the quadratus femoris muscle on imaging",
}
PAIN_CONTEXTS = {
    "rest": "At rest",
    "sitting": "While sitting",
    "walking": "While walking",
    "night": "At night",
    "after_exercise": "After exercise",
    "other": "Other situation",
    # Export only: the score an exercise log gives before the exercise.
    "before_exercise": "Before exercise",
}
CLINICAL_EVENT_CODES = {
    "imaging": "Imaging of the hip, pelvis or spine",
    "guided_injection": "Diagnostic image-guided injection",
    "exam_finding": "Examination test",
}
PAIN_FLAGS = ("tingling", "numbness", "felt_pop", "new_bruising", "cannot_bear_weight")
# Decisions that send the patient to someone else (a ServiceRequest and a Task in the export):
# the ids protocols and domain.decisions give referrals, requests and urgent arrangements.
REFERRAL_PREFIXES = ("refer_", "request_", "urgent_")
REFERRAL_DECISIONS = frozenset({"sent_to_emergency_department"})
# Alert severity -> DetectedIssue.severity (high | moderate | low).
ISSUE_SEVERITY = {"urgent": "high", "review": "moderate", "info": "low"}


# Concepts repeat on every resource (a pain score's code, a category): each is built once and
# shared, never changed after it is made.
@lru_cache(maxsize=4096)
@shared
def coding(system: str, code: str, display: str | None = None) -> Coding:
    """Return one Coding (shared: do not change it)."""
    return Coding(system=system, code=code, display=display)


@lru_cache(maxsize=4096)
@shared
def concept(system: str, code: str, display: str | None = None, text: str | None = None):
    """Return a CodeableConcept of one coding and the words shown (shared: do not change it)."""
    return CodeableConcept(coding=[coding(system, code, display)], text=text or display)


def stride(name: str) -> CodeableConcept:
    """Return a concept of the Stride "observation" system (its display from the table)."""
    return concept(OBSERVATION, name, OBSERVATION_CODES[name])


@lru_cache(maxsize=16)
def _category(code: str) -> CodeableConcept:
    words = {"survey": "Survey", "exam": "Exam", "imaging": "Imaging", "procedure": "Procedure"}
    return concept(OBSERVATION_CATEGORY, code, words[code])


def category(code: str) -> list[CodeableConcept]:
    """Return an Observation.category of the HL7 observation-category system."""
    return [_category(code)]


def is_referral(decision: str | None) -> bool:
    """Tell whether a decision sends the patient on (it gets a ServiceRequest and a Task)."""
    if not decision:
        return False
    return decision.startswith(REFERRAL_PREFIXES) or decision in REFERRAL_DECISIONS
