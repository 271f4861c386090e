"""Sign in, sign out, and who am I."""

from flask import current_app, g, jsonify, request
from flask_smorest import abort

from server.api.base import StrideBlueprint, login_limits, ttl
from server.extensions import db
from server.schemas.mfa import SecondFactorSchema
from server.schemas.users import SignInRefusedSchema, TokenRequestSchema, TokenSchema, UserSchema
from server.services import auth, mfa
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
@blp.alt_response(202, schema=SecondFactorSchema, description="A second factor is needed")
def create_token(data):
    """Exchange email and password for a bearer token.

    After too many failures for the account or from the address, answers 429 with
    Retry-After (seconds) without checking the password. A right password of a disabled
    account, or of one whose password an admin chose, answers 403 with a `reason`; the
    latter carries a `change_token` for POST /auth/password-change. Staff with a second
    factor get 202 until they send `code` too; see the 202 answer.
    """
    return signed_in(
        auth.sign_in,
        db.session,
        data["email"],
        data["password"],
        ttl(),
        request.remote_addr,
        login_limits(),
        code=data.get("code"),
        mfa_staff=current_app.config["MFA_STAFF"],
    )


def signed_in(use_case, *args, **kwargs):
    """Run a use case that signs in; answer its token, its 202 for a code, 403 or 429."""
    try:
        raw, token = use_case(*args, **kwargs)
    except TooManyAttempts as locked:
        abort(429, message=locked.message, headers={"Retry-After": str(locked.retry_after)})
    except mfa.SecondFactorNeeded as needed:
        return second_factor_answer(needed)
    except SignInRefused as refusal:
        body = {"code": 403, "status": "Forbidden", "message": refusal.message}
        body["reason"] = refusal.reason
        if refusal.change_token:
            body["change_token"] = refusal.change_token
            body["expires_at"] = refusal.expires_at.isoformat()
        response = jsonify(body)
        response.status_code = 403
        return response
    answer = {"token": raw, "expires_at": token.expires_at, "user": token.user}
    if getattr(token, "recovery_codes", None):
        answer["recovery_codes"] = token.recovery_codes
    return answer


def second_factor_answer(needed: mfa.SecondFactorNeeded):
    """Answer 202: the password was right and a code (after enrolment, maybe) is needed."""
    body = {
        "second_factor": "enrol" if needed.enrolment else "code",
        "message": needed.message,
        "enrolment": needed.enrolment,
    }
    return jsonify(SecondFactorSchema().dump(body)), 202


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
