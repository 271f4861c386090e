"""Care teams: which staff may see and act on a patient's record."""

from flask import g

from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.users import CareTeamChangeSchema, CareTeamMemberSchema
from server.services.accounts import add_to_care_team, care_team_patient, remove_from_care_team

blp = StrideBlueprint("careteams", __name__, description="Care-team membership (staff, admin)")


@blp.route("/patients/<int:patient_id>/care-team", methods=["POST"])
@blp.auth("physio", "clinician", "admin", errors=(404,))
@blp.arguments(CareTeamChangeSchema)
@blp.response(200, CareTeamMemberSchema(many=True))
def add(data, patient_id):
    """Add a physio or clinician to the care team (the caller's own patient, or any: admin)."""
    patient = care_team_patient(db.session, g.user, patient_id)
    return add_to_care_team(db.session, patient, data["staff_id"]).care_team


@blp.route("/patients/<int:patient_id>/care-team/<int:staff_id>", methods=["DELETE"])
@blp.auth("physio", "clinician", "admin", errors=(404, 409))
@blp.response(204)
def remove(patient_id, staff_id):
    """Remove someone from the care team: their access ends with this answer."""
    patient = care_team_patient(db.session, g.user, patient_id)
    remove_from_care_team(db.session, patient, staff_id)
