"""Exercise, pain, red-flag and post-op logs (patients) and clinical events (staff)."""

from flask import g

from server.api.base import StrideBlueprint
from server.extensions import db
from server.models import (
    ClinicalEvent,
    ExerciseLog,
    OutcomeMeasure,
    PainLog,
    PostopCheck,
    RedFlagCheck,
)
from server.schemas.logs import (
    ClinicalEventSchema,
    ExerciseLogResultSchema,
    ExerciseLogSchema,
    LogRangeArgs,
    PainLogResultSchema,
    PainLogSchema,
    PostopCheckResultSchema,
    PostopCheckSchema,
    RedFlagCheckSchema,
    RedFlagResultSchema,
    load_details,
)
from server.schemas.outcomes import OutcomeMeasureSchema
from server.services import logs
from server.services.access import patient_for, require_role

blp = StrideBlueprint("logs", __name__, description="Logged events of a patient")

PATIENT_WRITES = ("patient",)
STAFF = ("physio", "clinician")


def _stored(row_and_created):
    """Answer 201 for a new event and 200 for a UUID already stored (a harmless retry)."""
    row, created = row_and_created
    db.session.commit()
    return row, 201 if created else 200


def _own_patient(patient_id):
    require_role(g.user, *PATIENT_WRITES)
    return patient_for(db.session, g.user, patient_id)


def _reported(kind: str, patient_id: int, data: dict):
    """Store a patient's report; the answer carries the advice and the alerts it raised."""
    patient = _own_patient(patient_id)
    outcome = logs.record_patient_event(db.session, g.user, kind, patient, data)
    row = outcome.row
    row.alert_ids = outcome.alert_ids
    row.advice = outcome.advice
    row.show_urgent_advice = outcome.level in ("urgent", "emergency")
    return _stored((row, outcome.created))


@blp.route("/patients/<int:patient_id>/exercise-logs", methods=["POST"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(ExerciseLogSchema)
@blp.response(201, ExerciseLogResultSchema)
@blp.alt_response(200, schema=ExerciseLogResultSchema, success=True, description="Already stored")
def create_exercise_log(data, patient_id):
    """Log what was done of one exercise slot (idempotent by `id`); a stop sign may alert."""
    return _reported("exercise_log", patient_id, data)


@blp.route("/patients/<int:patient_id>/exercise-logs", methods=["GET"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(LogRangeArgs, location="query")
@blp.response(200, ExerciseLogSchema(many=True))
def list_exercise_logs(args, patient_id):
    """List a patient's exercise logs, oldest first."""
    patient = patient_for(db.session, g.user, patient_id)
    return logs.list_events(db.session, ExerciseLog, patient, args)


@blp.route("/patients/<int:patient_id>/pain-logs", methods=["POST"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(PainLogSchema)
@blp.response(201, PainLogResultSchema)
@blp.alt_response(200, schema=PainLogResultSchema, success=True, description="Already stored")
def create_pain_log(data, patient_id):
    """Log a pain score (NPRS 0-10); post-operative warning signs answer with urgent advice."""
    return _reported("pain_log", patient_id, data)


@blp.route("/patients/<int:patient_id>/pain-logs", methods=["GET"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(LogRangeArgs, location="query")
@blp.response(200, PainLogSchema(many=True))
def list_pain_logs(args, patient_id):
    """List a patient's pain logs, oldest first."""
    patient = patient_for(db.session, g.user, patient_id)
    return logs.list_events(db.session, PainLog, patient, args)


@blp.route("/patients/<int:patient_id>/red-flag-checks", methods=["POST"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(RedFlagCheckSchema)
@blp.response(201, RedFlagResultSchema)
@blp.alt_response(200, schema=RedFlagResultSchema, success=True, description="Already stored")
def create_red_flag_check(data, patient_id):
    """Submit a red-flag check; the answer says at once whether to seek urgent care."""
    return _reported("red_flag_check", patient_id, data)


@blp.route("/patients/<int:patient_id>/red-flag-checks", methods=["GET"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(LogRangeArgs, location="query")
@blp.response(200, RedFlagResultSchema(many=True))
def list_red_flag_checks(args, patient_id):
    """List a patient's red-flag checks, oldest first."""
    patient = patient_for(db.session, g.user, patient_id)
    return logs.list_events(db.session, RedFlagCheck, patient, args)


@blp.route("/patients/<int:patient_id>/postop-checks", methods=["POST"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(PostopCheckSchema)
@blp.response(201, PostopCheckResultSchema)
@blp.alt_response(200, schema=PostopCheckResultSchema, success=True, description="Already stored")
def create_postop_check(data, patient_id):
    """Submit the daily post-operative check; a warning sign alerts the surgical team at once."""
    return _reported("postop_check", patient_id, data)


@blp.route("/patients/<int:patient_id>/postop-checks", methods=["GET"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(LogRangeArgs, location="query")
@blp.response(200, PostopCheckResultSchema(many=True))
def list_postop_checks(args, patient_id):
    """List a patient's post-operative checks, oldest first."""
    patient = patient_for(db.session, g.user, patient_id)
    return logs.list_events(db.session, PostopCheck, patient, args)


@blp.route("/patients/<int:patient_id>/outcome-measures", methods=["POST"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(OutcomeMeasureSchema)
@blp.response(201, OutcomeMeasureSchema)
@blp.alt_response(200, schema=OutcomeMeasureSchema, success=True, description="Already stored")
def create_outcome_measure(data, patient_id):
    """Submit a LEFS or a PGIC; the server scores it (an incomplete LEFS is refused)."""
    patient = _own_patient(patient_id)
    outcome = logs.record_patient_event(db.session, g.user, "outcome_measure", patient, data)
    return _stored((outcome.row, outcome.created))


@blp.route("/patients/<int:patient_id>/outcome-measures", methods=["GET"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(LogRangeArgs, location="query")
@blp.response(200, OutcomeMeasureSchema(many=True))
def list_outcome_measures(args, patient_id):
    """List a patient's LEFS and PGIC answers with their scores, oldest first."""
    patient = patient_for(db.session, g.user, patient_id)
    return logs.list_events(db.session, OutcomeMeasure, patient, args)


@blp.route("/patients/<int:patient_id>/clinical-events", methods=["POST"])
@blp.auth(*STAFF, errors=(404, 409, 422))
@blp.arguments(ClinicalEventSchema)
@blp.response(201, ClinicalEventSchema)
@blp.alt_response(200, schema=ClinicalEventSchema, success=True, description="Already stored")
def create_clinical_event(data, patient_id):
    """Record imaging, a diagnostic guided injection result or an exam finding.

    Idempotent by `id`: a retry answers the stored event (200); the same id with other
    content is refused (409).
    """
    patient = patient_for(db.session, g.user, patient_id)
    data, problem = load_details(data)
    return _stored(logs.record_clinical_event(db.session, g.user, patient, data, problem))


@blp.route("/patients/<int:patient_id>/clinical-events", methods=["GET"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(LogRangeArgs, location="query")
@blp.response(200, ClinicalEventSchema(many=True))
def list_clinical_events(args, patient_id):
    """List a patient's clinical events, oldest first."""
    patient = patient_for(db.session, g.user, patient_id)
    return logs.list_events(db.session, ClinicalEvent, patient, args)
