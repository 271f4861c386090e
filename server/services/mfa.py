"""Multi-factor sign-in for staff: TOTP (RFC 6238) authenticators and one-time recovery codes.

Admins always need a second factor; physios and clinicians need one when the clinic turns
it on (STRIDE_MFA_STAFF), and so does any staff member who enrolled on their own. Someone who
needs a factor and has none enrols at sign-in: the password opens a pending secret, and the
first code from it confirms it (and returns the recovery codes, shown once).

A code is accepted once: the time step of the last code accepted is kept and a code of that
step or an earlier one is refused, by a conditional UPDATE, so two requests racing with the
same code cannot both pass. Recovery codes are stored as SHA-256 digests (they are random,
50 bits each, so a fast hash is enough) and spent by a conditional UPDATE as well.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from server.models import MfaFactor, MfaRecoveryCode, User
from server.models.types import utcnow
from server.models.users import STAFF_ROLES
from server.services import audit
from server.services.errors import Conflict, Forbidden, Invalid, Unauthorized

ISSUER = "Stride"
PERIOD = 30  # seconds per code
DIGITS = 6
# Codes one step either side of now are accepted: a phone clock 30 s off still works.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
MFA_ROLES = ("admin", *STAFF_ROLES)


@dataclass(frozen=True)
class Enrolment:
    """A pending secret, as the user types it (or its URI) into an authenticator app."""

    secret: str
    uri: str


class SecondFactorNeeded(Exception):
    """The password was right; a code is needed (and, with `enrolment`, a factor first)."""

    def __init__(self, user: User, enrolment: Enrolment | None):
        super().__init__("A code from the authenticator app is needed.")
        self.user, self.enrolment = user, enrolment

    @property
    def message(self) -> str:
        if self.enrolment:
            return (
                "Your account needs a second step at sign-in. Add the key to an authenticator "
                "app, then send the 6-digit code it shows."
            )
        return "Enter the 6-digit code from your authenticator app, or a recovery code."


def required_for(role: str, staff_required: bool) -> bool:
    """Tell whether accounts of this role must have a second factor."""
    return role == "admin" or (staff_required and role in STAFF_ROLES)


def check_at_sign_in(
    session: Session, user: User, code: str | None, staff_required: bool, address: str | None
) -> list[str]:
    """Check the second factor of a user whose password was right; return new recovery codes.

    Returns [] when no factor is needed or a code passed, the recovery codes (shown once)
    when this sign-in completed an enrolment. Raises SecondFactorNeeded without a code and
    Unauthorized for a wrong or replayed one (the caller counts it as a failed sign-in).
    """
    factor = session.get(MfaFactor, user.id)
    confirmed = factor is not None and factor.confirmed_at is not None
    if not (confirmed or required_for(user.role, staff_required)):
        return []
    if not confirmed:
        factor = factor or _new_factor(session, user)
        if not code:
            raise SecondFactorNeeded(user, enrolment_of(factor, user))
        if not accept_totp(session, factor, code):
            raise Unauthorized("Wrong code: use the code the authenticator app shows now.")
        audit.record(session, user, "auth.mfa_enrolled", audit.Subject("user", user.id), address)
        return _confirm(session, factor)
    if not code:
        raise SecondFactorNeeded(user, None)
    if _looks_like_totp(code):
        if not accept_totp(session, factor, code):
            raise Unauthorized("Wrong or already used code: wait for the next one.")
        return []
    if not spend_recovery_code(session, user, code):
        raise Unauthorized("Wrong or already used recovery code.")
    subject = audit.Subject("user", user.id)
    audit.record(session, user, "auth.recovery_code_used", subject, address)
    return []


def record_request(session: Session, needed: SecondFactorNeeded, address: str | None) -> None:
    """Audit that a right password was answered with a request for a code; store any new secret."""
    subject = audit.Subject("user", needed.user.id)
    action = "auth.mfa_enrolment_asked" if needed.enrolment else "auth.mfa_code_asked"
    audit.record(session, needed.user, action, subject, address)
    session.commit()


def status(session: Session, user: User, staff_required: bool) -> dict:
    """Return whether the user has a factor, must have one, and how many recovery codes are left."""
    factor = session.get(MfaFactor, user.id)
    left = session.scalar(
        select(func.count()).where(
            MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None)
        )
    )
    return {
        "enrolled": factor is not None and factor.confirmed_at is not None,
        "required": required_for(user.role, staff_required),
        "recovery_codes_left": left,
    }


def start_enrolment(session: Session, user: User) -> Enrolment:
    """Give a signed-in staff member a new pending secret (replacing an unconfirmed one)."""
    _require_staff(user)
    factor = session.get(MfaFactor, user.id)
    if factor is not None and factor.confirmed_at is not None:
        raise Conflict("A second factor is already set up; an admin can reset it.")
    if factor is not None:
        session.delete(factor)
        session.flush()
    return enrolment_of(_new_factor(session, user), user)


def confirm_enrolment(session: Session, user: User, code: str) -> list[str]:
    """Confirm the pending secret with a first code; return the recovery codes (shown once)."""
    _require_staff(user)
    factor = session.get(MfaFactor, user.id)
    if factor is None or factor.confirmed_at is not None:
        raise Conflict("There is no enrolment to confirm: start one first.")
    if not accept_totp(session, factor, code):
        raise Invalid("code", "does not match the code the authenticator app shows now")
    return _confirm(session, factor)


def renew_recovery_codes(session: Session, user: User, code: str) -> list[str]:
    """Replace every recovery code, after a current authenticator code; return the new ones."""
    factor = session.get(MfaFactor, user.id)
    if factor is None or factor.confirmed_at is None:
        raise Conflict("There is no second factor to renew recovery codes for.")
    if not accept_totp(session, factor, code):
        raise Invalid("code", "does not match the code the authenticator app shows now")
    return _new_recovery_codes(session, user.id)


def enrol_with_secret(session: Session, user: User, secret: str) -> list[str]:
    """Give a user a confirmed factor with a known secret (the demo's admin); return recovery codes.

    Only for data made by operators (server/demo): the secret is not random, so anyone who
    reads the demo's documentation can make its codes.
    """
    _require_staff(user)
    pyotp.TOTP(secret).now()  # refuses a key that is not base32 before it is stored
    reset(session, user)
    factor = MfaFactor(user_id=user.id, secret=secret)
    session.add(factor)
    return _confirm(session, factor)


def reset(session: Session, user: User) -> None:
    """Remove a user's factor and recovery codes (an admin's action: a lost phone)."""
    session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    session.execute(delete(MfaFactor).where(MfaFactor.user_id == user.id))


def enrolment_of(factor: MfaFactor, user: User) -> Enrolment:
    """Return the secret and otpauth:// URI of a factor."""
    uri = pyotp.TOTP(factor.secret, digits=DIGITS, interval=PERIOD).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )
    return Enrolment(factor.secret, uri)


def accept_totp(session: Session, factor: MfaFactor, code: str, now: datetime | None = None):
    """Accept a code of the factor's secret once: True if it matched a step not used before."""
    code = "".join(code.split())
    if not _looks_like_totp(code):
        return False
    totp = pyotp.TOTP(factor.secret, digits=DIGITS, interval=PERIOD)
    current = int((now or utcnow()).timestamp()) // PERIOD
    matched = [
        step
        for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1)
        if hmac.compare_digest(totp.at(step * PERIOD), code)
    ]
    if not matched:
        return False
    session.flush()
    taken = session.execute(
        update(MfaFactor)
        .where(
            MfaFactor.user_id == factor.user_id,
            or_(MfaFactor.last_step.is_(None), MfaFactor.last_step < matched[-1]),
        )
        .values(last_step=matched[-1])
        .execution_options(synchronize_session=False)
    )
    session.expire(factor, ["last_step"])
    return taken.rowcount == 1


def spend_recovery_code(session: Session, user: User, code: str) -> bool:
    """Use up one recovery code of the user: True if it was theirs and unused."""
    spent = session.execute(
        update(MfaRecoveryCode)
        .where(
            MfaRecoveryCode.user_id == user.id,
            MfaRecoveryCode.code_hash == _recovery_digest(user.id, code),
            MfaRecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def _new_factor(session: Session, user: User) -> MfaFactor:
    factor = MfaFactor(user_id=user.id, secret=pyotp.random_base32())
    session.add(factor)
    return factor


def _confirm(session: Session, factor: MfaFactor) -> list[str]:
    factor.confirmed_at = utcnow()
    return _new_recovery_codes(session, factor.user_id)


def _new_recovery_codes(session: Session, user_id: int) -> list[str]:
    session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(MfaRecoveryCode(user_id=user_id, code_hash=_recovery_digest(user_id, raw)))
    return codes


def _recovery_digest(user_id: int, code: str) -> str:
    """Hash a recovery code as typed: case, spaces and the dash do not matter."""
    typed = "".join(ch for ch in code.lower() if ch not in " -\t")
    return hashlib.sha256(f"{user_id}:{typed}".encode()).hexdigest()


def _looks_like_totp(code: str) -> bool:
    code = "".join(code.split())
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def _require_staff(user: User) -> None:
    if user.role not in MFA_ROLES:
        raise Forbidden("Only staff accounts use a second factor.")
