"""Staff accounts, created by admins."""

from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.users import NewStaffSchema, UserSchema
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
