"""Patients: created by staff, visible within the care team."""

from flask import current_app, g, request

from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.users import (
    CancerHistorySchema,
    NewPatientResultSchema,
    NewPatientSchema,
    OneTimeCodeSchema,
    PatientSchema,
)
from server.services import credentials
from server.services.access import patient_for, require_role
from server.services.accounts import (
    attach_summaries,
    create_patient,
    invitation_for,
    list_patients,
    record_cancer_history,
)

blp = StrideBlueprint("patients", __name__, description="Patients and their care teams")


@blp.route("/patients", methods=["POST"])
@blp.auth("physio", "clinician", "admin", errors=(409,))
@blp.arguments(NewPatientSchema)
@blp.response(201, NewPatientResultSchema)
def create(data):
    """Create a patient account with its invitation and one-time activation code.

    A staff creator joins its care team. Staff never choose the patient's password: the
    patient chooses it in the app with the code (POST /auth/activation).
    """
    config = current_app.config
    patient, (raw, code) = create_patient(db.session, g.user, data, config["ACTIVATION_CODE_TTL"])
    patient.activation = {"code": raw, "expires_at": code.expires_at}  # shown once
    patient.invitation = invitation_for(patient, config["PUBLIC_URL"], request.url_root)
    return patient


@blp.route("/patients", methods=["GET"])
@blp.auth()
@blp.response(200, PatientSchema(many=True))
def index():
    """List the patients the caller may see."""
    return list_patients(db.session, g.user)


@blp.route("/patients/<int:patient_id>", methods=["GET"])
@blp.auth(errors=(403, 404))
@blp.response(200, PatientSchema)
def show(patient_id):
    """Return one patient with the at-a-glance summary."""
    patient = patient_for(db.session, g.user, patient_id)
    attach_summaries(db.session, [patient])
    return patient


@blp.route("/patients/<int:patient_id>/cancer-history", methods=["PUT"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(CancerHistorySchema)
@blp.response(200, PatientSchema)
def set_cancer_history(data, patient_id):
    """Record once whether the patient has had cancer (clinicians); it raises red-flag levels."""
    require_role(g.user, "clinician")
    patient = patient_for(db.session, g.user, patient_id)
    record_cancer_history(db.session, g.user, patient, data["cancer_history"])
    attach_summaries(db.session, [patient])
    return patient


@blp.route("/patients/<int:patient_id>/activation-code", methods=["POST"])
@blp.auth("physio", "clinician", errors=(404, 409))
@blp.response(201, OneTimeCodeSchema)
def reissue_activation(patient_id):
    """Give a patient who has not activated yet a new one-time code (the old ones stop working).

    409 once the patient has chosen a password: a forgotten one is an admin's reset.
    """
    patient = patient_for(db.session, g.user, patient_id)
    ttl = current_app.config["ACTIVATION_CODE_TTL"]
    raw, code = credentials.reissue_activation(db.session, g.user, patient.user, ttl)
    return {"code": raw, "expires_at": code.expires_at}
