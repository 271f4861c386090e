"""Sign in, sign out, and who am I."""

from flask import g, jsonify, request
from flask_smorest import abort

from server.api.base import StrideBlueprint, login_limits, ttl
from server.extensions import db
from server.schemas.users import SignInRefusedSchema, TokenRequestSchema, TokenSchema, UserSchema
from server.services import auth
from server.services.auth import SignInRefused
from server.services.ratelimit import TooManyAttempts

blp = StrideBlueprint("auth", __name__, description="Bearer tokens and the current user")


@blp.route("/auth/tokens", methods=["POST"])
@blp.errors(401, 429)
@blp.alt_response(
    403,
    schema=SignInRefusedSchema,
    description="The password was right, but the account is disabled or must change it first",
)
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(data):
    """Exchange email and password for a bearer token.

    After too many failures for the account or from the address, answers 429 with
    Retry-After (seconds) without checking the password. A right password of a disabled
    account, or of one whose password an admin chose, answers 403 with a `reason`; the
    latter carries a `change_token` for POST /auth/password-change.
    """
    return signed_in(
        auth.sign_in,
        db.session,
        data["email"],
        data["password"],
        ttl(),
        request.remote_addr,
        login_limits(),
    )


def signed_in(use_case, *args):
    """Run a use case that signs in; answer its token, its 403 refusal, or its 429."""
    try:
        raw, token = use_case(*args)
    except TooManyAttempts as locked:
        abort(429, message=locked.message, headers={"Retry-After": str(locked.retry_after)})
    except SignInRefused as refusal:
        body = {"code": 403, "status": "Forbidden", "message": refusal.message}
        body["reason"] = refusal.reason
        if refusal.change_token:
            body["change_token"] = refusal.change_token
            body["expires_at"] = refusal.expires_at.isoformat()
        response = jsonify(body)
        response.status_code = 403
        return response
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
