"""Staff accounts, created by admins."""

from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.users import NewStaffSchema, UserSchema
from server.services import auth
from server.services.accounts import create_user

blp = StrideBlueprint("users", __name__, description="Staff accounts (admin)")


@blp.route("/users", methods=["POST"])
@blp.auth("admin", errors=(409,))
@blp.arguments(NewStaffSchema)
@blp.response(201, UserSchema)
def create(data):
    """Create a staff account."""
    user = create_user(db.session, **data)
    db.session.commit()
    return user


@blp.route("/users/<int:user_id>/tokens", methods=["DELETE"])
@blp.auth("admin", errors=(404,))
@blp.response(204)
def revoke_tokens(user_id):
    """Revoke every token of an account (a lost device, a leaver): it must sign in again."""
    auth.revoke_all(db.session, auth.account(db.session, user_id))
