"""The people of a record: the Patient, the staff as Practitioners, and the care team."""

from fhir.resources.R4B.careteam import CareTeam, CareTeamParticipant
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.practitioner import Practitioner

from server.fhir import codes
from server.fhir.common import patient_ref, ref, staff_id
from server.fhir.identity import PATIENT_IDENTIFIER_SYSTEM, patient_resource_id
from server.fhir.records import PatientRecord

ROLE_WORDS = {"physio": "Physiotherapist", "clinician": "Clinician (surgeon or sports physician)"}


def patient_resource(record: PatientRecord) -> FhirPatient:
    """Return the Patient: Stride's stable id and account number, name, email, birth date."""
    patient, user = record.patient, record.patient.user
    return FhirPatient(
        id=patient_resource_id(patient.id),
        identifier=[Identifier(system=PATIENT_IDENTIFIER_SYSTEM, value=str(patient.id))],
        active=user.is_active,
        name=[HumanName(text=user.display_name)],
        telecom=[ContactPoint(system="email", value=user.email)],
        birthDate=patient.date_of_birth.isoformat() if patient.date_of_birth else None,
    )


def practitioner_resources(record: PatientRecord) -> list[Practitioner]:
    """Return a Practitioner for every staff member the record names."""
    return [
        Practitioner(
            id=staff_id(user.id),
            active=user.is_active,
            name=[HumanName(text=user.display_name)],
            telecom=[ContactPoint(system="email", value=user.email)],
        )
        for user in record.staff.values()
    ]


def care_team_id(patient_id: int) -> str:
    """Return the CareTeam.id of a patient's care team."""
    return f"stride-careteam-{patient_id}"


def care_team_resource(record: PatientRecord) -> CareTeam:
    """Return the staff who may see and act on the record, each with their role."""
    participants = [
        CareTeamParticipant(
            role=[codes.concept(codes.STAFF_ROLE, user.role, ROLE_WORDS.get(user.role))],
            member=ref("Practitioner", staff_id(user.id), user.display_name),
        )
        for user in record.care_team
    ]
    return CareTeam(
        id=care_team_id(record.patient.id),
        status="active",
        name=f"Care team of {record.patient.user.display_name}",
        subject=patient_ref(record.patient.id),
        participant=participants or None,
    )
