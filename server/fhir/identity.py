"""How Stride names itself and its objects in FHIR: one canonical base, resource ids, systems.

Shared by every FHIR producer (the patient Bundle, the bulk export, PlanDefinitions) and by the
CDS Hooks service, which finds a Stride patient from the id an EHR imported with the Bundle.
The base is Stride's canonical URL for its code systems and identifiers; it names, it is not
fetched.
"""

import re

CANONICAL_BASE = "https://fhir.stride-rehab.org"
# Patient.identifier: the Stride account number, the same on every export of one patient.
PATIENT_IDENTIFIER_SYSTEM = f"{CANONICAL_BASE}/sid/patient"

_PATIENT_ID = re.compile(r"^stride-patient-(\d{1,9})$")


def code_system(name: str) -> str:
    """Return the URL of a Stride code system (for concepts LOINC and SNOMED CT do not have)."""
    return f"{CANONICAL_BASE}/CodeSystem/{name}"


def patient_resource_id(patient_id: int) -> str:
    """Return the FHIR Patient.id of a Stride patient: stable across exports."""
    return f"stride-patient-{patient_id}"


def patient_from_resource_id(resource_id: str) -> int | None:
    """Return the Stride patient id named by a Patient.id from `patient_resource_id`, or None."""
    match = _PATIENT_ID.match(resource_id or "")
    return int(match.group(1)) if match else None
