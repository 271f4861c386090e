"""Choosing a password: activation with a one-time code, the first sign-in's change, a change."""

from flask import current_app, g, request

from server.api.auth import signed_in
from server.api.base import StrideBlueprint, login_limits, ttl
from server.extensions import db
from server.schemas.mfa import SecondFactorSchema
from server.schemas.users import (
    ActivationSchema,
    OwnPasswordSchema,
    PasswordChangeSchema,
    SignInRefusedSchema,
    TokenSchema,
)
from server.services import credentials

SECOND_FACTOR = "The password is saved; sign in with it and the authenticator's code"
blp = StrideBlueprint("passwords", __name__, description="Activation codes and passwords")


@blp.route("/auth/activation", methods=["POST"])
@blp.errors(401, 429)
@blp.alt_response(403, schema=SignInRefusedSchema, description="The account is disabled")
@blp.arguments(ActivationSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(202, schema=SecondFactorSchema, description=SECOND_FACTOR)
def activate(data):
    """Choose a password with a one-time activation or reset code from staff; signs in.

    A wrong, used or expired code answers 401 and counts as a failed sign-in of the account.
    """
    return signed_in(
        credentials.activate,
        db.session,
        data["email"],
        data["code"],
        data["new_password"],
        ttl(),
        request.remote_addr,
        login_limits(),
        mfa_staff=current_app.config["MFA_STAFF"],
    )


@blp.route("/auth/password-change", methods=["POST"])
@blp.errors(401)
@blp.arguments(PasswordChangeSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(202, schema=SecondFactorSchema, description=SECOND_FACTOR)
def finish_change(data):
    """Replace a password an admin chose, with the change_token of sign-in's 403; signs in."""
    return signed_in(
        credentials.finish_password_change,
        db.session,
        data["change_token"],
        data["new_password"],
        ttl(),
        request.remote_addr,
        mfa_staff=current_app.config["MFA_STAFF"],
    )


@blp.route("/me/password", methods=["PUT"])
@blp.auth(errors=(422, 429))
@blp.arguments(OwnPasswordSchema)
@blp.response(204)
def change(data):
    """Change your password (with the current one); your other devices are signed out."""
    credentials.change_password(
        db.session,
        g.user,
        g.token,
        data["current_password"],
        data["new_password"],
        request.remote_addr,
        login_limits(),
    )
