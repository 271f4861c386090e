"""The account lifecycle: choosing, changing and resetting passwords; disabling accounts.

Nobody but the owner ever knows a password: a patient activates their account with a one-time
code from staff and chooses one; an admin's reset makes the old password unusable and gives a
one-time code; a password an admin chose for a new staff account must be replaced at the
first sign-in. Every step is audited.
"""

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from server.models import AuthToken, User
from server.models.types import utcnow
from server.models.users import NO_PASSWORD
from server.services import audit, codes, mfa, ratelimit
from server.services.auth import (
    SignInRefused,
    hash_password,
    issue_token,
    normalise_email,
    password_matches,
)
from server.services.errors import Conflict, Invalid, Unauthorized
from server.services.ratelimit import Limits

WRONG_CODE = "The code is wrong, expired or already used; ask your clinic for a new one."
WRONG_CHANGE_TOKEN = "The change token is wrong, expired or already used; sign in again."


def activate(
    session: Session,
    email: str,
    code: str,
    new_password: str,
    ttl: timedelta,
    address: str | None,
    limits: Limits,
    mfa_staff: bool = False,
) -> tuple[str, AuthToken]:
    """Use an activation or reset code to choose a password; sign in with it.

    Wrong codes count as failed sign-ins of the account (the same delays: a code cannot be
    guessed faster than a password).
    """
    email, address = normalise_email(email), (address or "")[:64] or None
    wait = ratelimit.retry_after(session, email, address, limits)
    if wait:
        raise ratelimit.TooManyAttempts(wait)
    found = codes.find(session, code, ("activation", "reset"), email)
    if found is None:
        session.rollback()
        ratelimit.record_attempt(session, email, address, False, limits)
        audit.record(session, None, "auth.activate", audit.Subject(), address, "failed")
        session.commit()
        raise Unauthorized(WRONG_CODE)
    user = found.user
    if not user.is_active:
        session.rollback()
        subject = audit.Subject("user", user.id, _patients_of(user))
        audit.record(session, user, "auth.activate", subject, address, "forbidden")
        session.commit()
        raise SignInRefused(
            "account_disabled", "This account is disabled; ask your clinic's administrator."
        )
    if not codes.use(session, found):  # first: a refused password rolls it back
        session.rollback()
        raise Unauthorized(WRONG_CODE)
    _choose(session, user, new_password)
    ratelimit.record_attempt(session, email, address, True, limits)
    return _signed_in(session, user, "auth.activate", address, ttl, mfa_staff)


def finish_password_change(
    session: Session,
    change_token: str,
    new_password: str,
    ttl: timedelta,
    address: str | None,
    mfa_staff: bool = False,
) -> tuple[str, AuthToken]:
    """Replace a password an admin chose, with the change token sign-in gave; sign in."""
    found = codes.find(session, change_token, ("password_change",))
    if found is None:
        raise Unauthorized(WRONG_CHANGE_TOKEN)
    user = found.user
    if password_matches(user, new_password):
        raise Invalid("new_password", "must differ from the password you were given")
    if not user.is_active or not codes.use(session, found):
        session.rollback()
        raise Unauthorized(WRONG_CHANGE_TOKEN)
    _choose(session, user, new_password)
    return _signed_in(session, user, "auth.change_password", address, ttl, mfa_staff)


def change_password(
    session: Session,
    user: User,
    token: AuthToken,
    current: str,
    new_password: str,
    address: str | None,
    limits: Limits,
) -> None:
    """Change a signed-in user's password; every other token of theirs is revoked.

    A wrong current password counts as a failed sign-in (a stolen token must not become a
    way to guess the password faster).
    """
    address = (address or "")[:64] or None
    subject = audit.Subject("user", user.id, _patients_of(user))
    wait = ratelimit.retry_after(session, user.email, address, limits)
    if wait:
        raise ratelimit.TooManyAttempts(wait)
    if not password_matches(user, current):
        session.rollback()
        ratelimit.record_attempt(session, user.email, address, False, limits)
        audit.record(session, user, "auth.change_password", subject, address, "failed")
        session.commit()
        raise Invalid("current_password", "is not your current password")
    if current == new_password:
        raise Invalid("new_password", "must differ from the current password")
    _choose(session, user, new_password, keep=token)
    audit.record(session, user, "auth.change_password", subject, address)
    session.commit()


def reset(session: Session, admin: User, user: User, ttl: timedelta) -> tuple[str, object]:
    """Make a user's password unusable and give a one-time code to choose a new one."""
    if user.id == admin.id:
        raise Conflict("Change your own password with PUT /me/password, not a reset.")
    if not user.is_active:
        raise Conflict("The account is disabled: enable it before resetting its password.")
    user.password_hash = NO_PASSWORD
    user.must_change_password = False
    _revoke_tokens(session, user)
    raw, code = codes.issue(session, user, "reset", ttl, admin)
    session.commit()
    return raw, code


def reissue_activation(
    session: Session, staff: User, patient: User, ttl: timedelta
) -> tuple[str, object]:
    """Give a patient who has not chosen a password yet a new activation code (staff).

    The clinic's answer to "my code expired" or "I lost it": the earlier codes stop working.
    A patient who has a password keeps it: only an admin's reset takes it away.
    """
    if not patient.is_active:
        raise Conflict("The account is disabled: an admin enables it before a new code helps.")
    if patient.password_hash != NO_PASSWORD:
        raise Conflict(
            "The patient has already chosen a password; if it is forgotten, an admin resets it."
        )
    raw, code = codes.issue(session, patient, "activation", ttl, staff)
    session.commit()
    return raw, code


def set_active(session: Session, admin: User, user: User, active: bool) -> User:
    """Disable an account (its tokens and codes stop working at once) or enable it again."""
    if user.id == admin.id and not active:
        raise Conflict("You cannot disable your own account.")
    user.is_active = active
    if not active:
        _revoke_tokens(session, user)
        codes.void(session, user)
    session.commit()
    return user


def _choose(session: Session, user: User, new_password: str, keep: AuthToken | None = None):
    """Set a password the rules accept; revoke every token but `keep`, void pending codes."""
    user.password_hash = hash_password(
        new_password, user.email, user.display_name, field="new_password"
    )
    user.must_change_password = False
    _revoke_tokens(session, user, keep)
    codes.void(session, user)


def _revoke_tokens(session: Session, user: User, keep: AuthToken | None = None) -> None:
    query = update(AuthToken).where(AuthToken.user_id == user.id, AuthToken.revoked_at.is_(None))
    if keep is not None:
        query = query.where(AuthToken.id != keep.id)
    session.execute(query.values(revoked_at=utcnow()))


def _signed_in(session: Session, user: User, action: str, address, ttl: timedelta, mfa_staff: bool):
    """Keep the chosen password and sign in, unless the account needs a second factor.

    A code or a reset must not get around a second factor: an account that has one (or must
    enrol) keeps its new password and is answered SecondFactorNeeded, so the app signs in with
    that password and the code, as at any sign-in.
    """
    subject = audit.Subject("user", user.id, _patients_of(user))
    audit.record(session, user, action, subject, address)
    try:
        mfa.check_at_sign_in(session, user, None, mfa_staff, address)
    except mfa.SecondFactorNeeded as needed:
        session.commit()
        mfa.record_request(session, needed, address)
        raise
    raw, token = issue_token(session, user, ttl)
    session.commit()
    return raw, token


def _patients_of(user: User) -> tuple[int, ...]:
    return (user.patient.id,) if user.patient else ()
