"""FHIR R4 export of a patient's record (docs/interop.md, "FHIR export")."""

from flask import current_app, g

from server.api.base import StrideBlueprint
from server.extensions import db
from server.fhir.export import FHIR_JSON, patient_bundle_json
from server.services.access import patient_for

blp = StrideBlueprint("fhir", __name__, description="FHIR export (interoperability)")

# Documented, not dumped: the view answers a Bundle serialized by fhir.resources.
BUNDLE = {
    "type": "object",
    "description": (
        "A FHIR R4 Bundle of type collection (built and checked with the R4B models of "
        "fhir.resources, the R4 structure for every resource it holds): Patient, "
        "Practitioner, CareTeam, CarePlan, Goal, Observation, DiagnosticReport, Procedure, "
        "DetectedIssue, Flag, ServiceRequest, Task. See docs/interop.md."
    ),
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]},
        "type": {"type": "string", "enum": ["collection"]},
        "timestamp": {"type": "string", "format": "date-time"},
        "entry": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"fullUrl": {"type": "string"}, "resource": {"type": "object"}},
            },
        },
    },
    "required": ["resourceType", "type", "entry"],
}


@blp.route("/patients/<int:patient_id>/fhir", methods=["GET"])
@blp.auth("physio", "clinician", errors=(404,))
@blp.response(200, BUNDLE, content_type=FHIR_JSON, description="The patient's FHIR Bundle")
def patient_bundle(patient_id):
    """Export a patient's record as a FHIR R4 Bundle (staff of the patient's care team)."""
    patient = patient_for(db.session, g.user, patient_id)
    body = patient_bundle_json(db.session, patient.id)
    return current_app.response_class(body, mimetype=FHIR_JSON)
