"""Passwords (argon2id), bearer tokens, and signing in."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from domain.passwords import password_problem
from server.models import AuthToken, Patient, User
from server.models.types import utcnow
from server.services import audit, codes, mfa, ratelimit
from server.services.errors import Forbidden, Invalid, NotFound, Unauthorized
from server.services.ratelimit import Limits

# OWASP Password Storage Cheat Sheet minimum for argon2id: m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = _hasher.hash("stride-timing-equaliser")


def hash_password(password: str, email: str = "", name: str = "", field="password") -> str:
    """Return an argon2id hash of a password that NIST SP 800-63B's rules accept."""
    problem = password_problem(password, email, name)
    if problem:
        raise Invalid(field, problem)
    return _hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    """Tell whether a password is the user's current one."""
    return _verify(user.password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def digest(raw_token: str) -> str:
    """Return what is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Return the canonical form of an email used for lookups."""
    return email.strip().lower()


def sign_in(
    session: Session,
    email: str,
    password: str,
    ttl: timedelta,
    address: str | None = None,
    limits: Limits | None = None,
    code: str | None = None,
    mfa_staff: bool = False,
) -> tuple[str, AuthToken]:
    """Check credentials and issue a new token; the same error for every kind of failure.

    With `limits`, an account or address over its limit is refused with TooManyAttempts
    before the password is looked at, so a throttled attempt never tells whether it was right.
    A right password of a disabled account, or of one whose password an admin chose, raises
    SignInRefused instead of issuing a token (before any second factor: the password change
    gives no token, and the sign-in after it asks for the code). Every attempt is recorded for
    the limits and in the audit log.

    Staff who need a second factor (services.mfa) get SecondFactorNeeded without a `code`
    (neither a failure nor a success for the limits); a wrong code is a failed sign-in. The
    sign-in that completes an enrolment leaves the new recovery codes on `token.recovery_codes`.
    """
    email, address = normalise_email(email), (address or "")[:64] or None
    if limits is not None:
        wait = ratelimit.retry_after(session, email, address, limits)
        if wait:
            _audit_attempt(session, email, None, address, "throttled")
            session.commit()
            raise ratelimit.TooManyAttempts(wait)
    try:
        user = authenticate(session, email, password)
    except Unauthorized:
        _failed_attempt(session, email, address, limits)
        raise
    refuse_unless_ready(session, user, email, address, limits)
    try:
        recovery_codes = mfa.check_at_sign_in(session, user, code, mfa_staff, address)
    except mfa.SecondFactorNeeded as needed:
        mfa.record_request(session, needed, address)
        raise
    except Unauthorized:
        _failed_attempt(session, email, address, limits)
        raise
    if limits is not None:
        ratelimit.record_attempt(session, email, address, True, limits)
    raw, token = issue_token(session, user, ttl)
    token.recovery_codes = recovery_codes  # not stored: shown once, in this answer
    _audit_attempt(session, email, user, address, "ok")
    session.commit()
    return raw, token


def _failed_attempt(session: Session, email: str, address, limits: Limits | None) -> None:
    """Count and audit a wrong password or code (nothing the attempt wrote is kept)."""
    session.rollback()
    if limits is not None:
        ratelimit.record_attempt(session, email, address, False, limits)
    _audit_attempt(session, email, None, address, "failed")
    session.commit()


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the account these credentials open (maybe disabled), or raise Unauthorized."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        _verify(_DUMMY_HASH, password)  # spend the same time as a real check
        raise Unauthorized("Wrong email or password.")
    if not _verify(user.password_hash, password):
        raise Unauthorized("Wrong email or password.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


class SignInRefused(Forbidden):
    """The password was right, but the account may not sign in: `reason` says why.

    reason "account_disabled": an admin disabled it. reason "password_change_required": an
    admin chose the password; `change_token` (good for ten minutes, once) lets the owner
    choose their own at POST /auth/password-change, and nothing else.
    """

    def __init__(self, reason: str, message: str, change_token=None, expires_at=None):
        super().__init__(message)
        self.reason, self.change_token, self.expires_at = reason, change_token, expires_at


def refuse_unless_ready(
    session: Session, user: User, email: str, address, limits: Limits | None = None
) -> None:
    """Refuse (and audit) the sign-in of a disabled account or one that must change its password.

    The password was right: for the limits that is a success (as before this check existed).
    """
    if user.is_active and not user.must_change_password:
        return
    if limits is not None:
        ratelimit.record_attempt(session, email, address, True, limits)
    if not user.is_active:
        refusal = SignInRefused(
            "account_disabled", "This account is disabled; ask your clinic's administrator."
        )
    else:
        raw, code = codes.issue(session, user, "password_change", codes.CHANGE_TOKEN_TTL)
        refusal = SignInRefused(
            "password_change_required",
            "Choose your own password before signing in (the one you have was set for you).",
            raw,
            code.expires_at,
        )
    _audit_attempt(session, email, user, address, "forbidden")
    session.commit()
    raise refusal


def issue_token(session: Session, user: User, ttl: timedelta) -> tuple[str, AuthToken]:
    """Add a new bearer token for a user; return the raw token (shown once) and its row."""
    raw = secrets.token_urlsafe(32)
    token = AuthToken(user=user, token_hash=digest(raw), expires_at=utcnow() + ttl)
    session.add(token)
    return raw, token


def _audit_attempt(session: Session, email: str, user: User | None, address, outcome: str):
    """Record a sign-in in the audit log, naming the account the email belongs to, if any."""
    account = user or session.scalar(select(User).where(User.email == email))
    subject = audit.Subject("user", account.id) if account else audit.Subject()
    audit.record(session, user, "auth.sign_in", subject, address, outcome)


def with_token(query: Select) -> Select:
    """Read a query from the bearer token :digest and its user: where every token lookup starts."""
    return (
        query.select_from(AuthToken)
        .join(User, User.id == AuthToken.user_id)
        .where(AuthToken.token_hash == bindparam("digest"))
    )


def refuse_unless_live(revoked_at: datetime | None, expires_at: datetime, active: bool) -> None:
    """Raise Unauthorized unless a token is live and its account enabled: every lookup's check."""
    if revoked_at is not None or expires_at <= utcnow():
        raise Unauthorized("The token is missing, expired or revoked.")
    if not active:
        raise Unauthorized("The account is disabled.")


# Every authenticated request runs this: built once, one query for the token, its user and
# the user's patient record (none for staff).
_TOKEN_WITH_USER = with_token(select(AuthToken, User, Patient)).outerjoin(
    Patient, Patient.user_id == User.id
)


def user_for_token(session: Session, raw_token: str) -> tuple[User, AuthToken]:
    """Return the active user and token behind a bearer token, or raise Unauthorized."""
    found = session.execute(_TOKEN_WITH_USER, {"digest": digest(raw_token)}).one_or_none()
    if found is None:
        raise Unauthorized("The token is missing, expired or revoked.")
    token, user, patient = found
    refuse_unless_live(token.revoked_at, token.expires_at, user.is_active)
    set_committed_value(user, "patient", patient)  # loaded above: no lazy load later
    return user, token


class Caller(NamedTuple):
    """The user behind a token, as a view that reads it with its own data in one query has it.

    Enough for the access rules (services.access) and the audit log (services.audit): the
    user's id and role. Not an ORM object: nothing about the account is loaded or changed.
    """

    id: int
    role: str


# What a one-query view (server/api/plans.py, the schedule) selects first: the token's checks,
# then the caller. `caller_for` reads them back off its row.
CALLER_COLUMNS = (AuthToken.revoked_at, AuthToken.expires_at, User.is_active, User.id, User.role)


def caller_for(row) -> Caller:
    """Check a row that starts with CALLER_COLUMNS (None: no such token); return its caller."""
    if row is None:
        raise Unauthorized("The token is missing, expired or revoked.")
    refuse_unless_live(row[0], row[1], row[2])
    return Caller(row[3], row[4])


def revoke(session: Session, token: AuthToken, when: datetime | None = None) -> None:
    """Revoke one token (sign out)."""
    token.revoked_at = when or utcnow()
    session.commit()


def account(session: Session, user_id: int) -> User:
    """Return an account by id, or raise NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    return user


def revoke_all(session: Session, user: User) -> int:
    """Revoke every live token of a user; return how many."""
    result = session.execute(
        update(AuthToken)
        .where(AuthToken.user_id == user.id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.commit()
    return result.rowcount


def email_taken(session: Session, email: str) -> bool:
    """Tell whether an account already uses this email."""
    return bool(session.scalar(select(func.count()).where(User.email == normalise_email(email))))
