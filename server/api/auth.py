"""Sign in, sign out, and who am I."""

from flask import g, request
from flask_smorest import abort

from server.api.base import StrideBlueprint, login_limits, ttl
from server.extensions import db
from server.schemas.users import TokenRequestSchema, TokenSchema, UserSchema
from server.services import auth
from server.services.ratelimit import TooManyAttempts

blp = StrideBlueprint("auth", __name__, description="Bearer tokens and the current user")


@blp.route("/auth/tokens", methods=["POST"])
@blp.errors(401, 429)
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(data):
    """Exchange email and password for a bearer token.

    After too many failures for the account or from the address, answers 429 with
    Retry-After (seconds) without checking the password.
    """
    try:
        raw, token = auth.sign_in(
            db.session, data["email"], data["password"], ttl(), request.remote_addr, login_limits()
        )
    except TooManyAttempts as locked:
        abort(429, message=locked.message, headers={"Retry-After": str(locked.retry_after)})
    return {"token": raw, "expires_at": token.expires_at, "user": token.user}


@blp.route("/auth/tokens", methods=["DELETE"])
@blp.auth()
@blp.response(204)
def delete_token():
    """Revoke the token used for this request (sign out)."""
    auth.revoke(db.session, g.token)


@blp.route("/me", methods=["GET"])
@blp.auth()
@blp.response(200, UserSchema)
def me():
    """Return the signed-in user."""
    return g.user
