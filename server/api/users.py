"""Accounts as admins run them: create staff, list, disable and enable, reset a password."""

from flask import current_app, g

from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.users import NewStaffSchema, OneTimeCodeSchema, UserSchema
from server.services import auth, credentials
from server.services.accounts import create_user, list_users

blp = StrideBlueprint("users", __name__, description="Staff accounts (admin)")


@blp.route("/users", methods=["POST"])
@blp.auth("admin", errors=(409,))
@blp.arguments(NewStaffSchema)
@blp.response(201, UserSchema)
def create(data):
    """Create a staff account; its owner must replace the initial password at first sign-in."""
    user = create_user(db.session, **data, must_change_password=True)
    db.session.commit()
    return user


@blp.route("/users/<int:user_id>/tokens", methods=["DELETE"])
@blp.auth("admin", errors=(404,))
@blp.response(204)
def revoke_tokens(user_id):
    """Revoke every token of an account (a lost device, a leaver): it must sign in again."""
    auth.revoke_all(db.session, auth.account(db.session, user_id))


@blp.route("/users", methods=["GET"])
@blp.auth("admin")
@blp.response(200, UserSchema(many=True))
def index():
    """List every account; `active` false marks a disabled one."""
    return list_users(db.session)


@blp.route("/users/<int:user_id>/disable", methods=["POST"])
@blp.auth("admin", errors=(404, 409))
@blp.response(200, UserSchema)
def disable(user_id):
    """Disable an account: its tokens and codes stop working and sign-in is refused (403)."""
    user = auth.account(db.session, user_id)
    return credentials.set_active(db.session, g.user, user, active=False)


@blp.route("/users/<int:user_id>/enable", methods=["POST"])
@blp.auth("admin", errors=(404,))
@blp.response(200, UserSchema)
def enable(user_id):
    """Enable a disabled account again (it signs in with its password as before)."""
    user = auth.account(db.session, user_id)
    return credentials.set_active(db.session, g.user, user, active=True)


@blp.route("/users/<int:user_id>/reset-code", methods=["POST"])
@blp.auth("admin", errors=(404, 409))
@blp.response(201, OneTimeCodeSchema)
def reset(user_id):
    """Reset a password: the old one stops working; the one-time code lets the user choose."""
    user = auth.account(db.session, user_id)
    raw, code = credentials.reset(db.session, g.user, user, current_app.config["RESET_CODE_TTL"])
    return {"code": raw, "expires_at": code.expires_at}
