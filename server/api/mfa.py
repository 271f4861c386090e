"""Second factors: a staff member's own enrolment, and an admin's reset after a lost phone."""

from flask import current_app, g

from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.mfa import CodeSchema, EnrolmentSchema, MfaStatusSchema, RecoveryCodesSchema
from server.services import auth, mfa

blp = StrideBlueprint("mfa", __name__, description="Multi-factor sign-in (TOTP) for staff")

STAFF = mfa.MFA_ROLES


def staff_required() -> bool:
    """Tell whether this server requires a second factor of physios and clinicians."""
    return current_app.config["MFA_STAFF"]


@blp.route("/me/mfa", methods=["GET"])
@blp.auth(*STAFF)
@blp.response(200, MfaStatusSchema)
def show():
    """Tell whether the signed-in staff member has a second factor and must have one."""
    return mfa.status(db.session, g.user, staff_required())


@blp.route("/me/mfa", methods=["POST"])
@blp.auth(*STAFF, errors=(409,))
@blp.response(201, EnrolmentSchema)
def start():
    """Start enrolment: a new secret and its otpauth:// URI for an authenticator app."""
    enrolment = mfa.start_enrolment(db.session, g.user)
    db.session.commit()
    return enrolment


@blp.route("/me/mfa/confirmation", methods=["POST"])
@blp.auth(*STAFF, errors=(409,))
@blp.arguments(CodeSchema)
@blp.response(201, RecoveryCodesSchema)
def confirm(data):
    """Confirm enrolment with a first code; answer the recovery codes (shown once)."""
    codes = mfa.confirm_enrolment(db.session, g.user, data["code"])
    db.session.commit()
    return {"recovery_codes": codes}


@blp.route("/me/mfa/recovery-codes", methods=["POST"])
@blp.auth(*STAFF, errors=(409,))
@blp.arguments(CodeSchema)
@blp.response(201, RecoveryCodesSchema)
def renew_recovery_codes(data):
    """Replace every recovery code (after a current code); answer the new ones, shown once."""
    codes = mfa.renew_recovery_codes(db.session, g.user, data["code"])
    db.session.commit()
    return {"recovery_codes": codes}


@blp.route("/users/<int:user_id>/mfa", methods=["DELETE"])
@blp.auth("admin", errors=(404,))
@blp.response(204)
def reset(user_id):
    """Remove an account's second factor and revoke its tokens: it enrols again at sign-in."""
    user = auth.account(db.session, user_id)
    mfa.reset(db.session, user)
    auth.revoke_all(db.session, user)
