"""One-time codes: activation and reset codes given by staff, and sign-in's change tokens.

A code is shown once and stored as a SHA-256, like a token. Redeeming one is a conditional
write (used_at IS NULL), so two requests racing with the same code cannot both use it.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.models import AccountCode, User
from server.models.types import utcnow

# No 0/O or 1/I: read off paper or over the phone. 12 characters of 32: 60 bits.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CHANGE_TOKEN_TTL = timedelta(minutes=10)


def _new_secret(purpose: str) -> str:
    if purpose == "password_change":
        return secrets.token_urlsafe(32)  # never typed: as long as a token
    chars = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def _digest(raw: str, purpose: str) -> str:
    """Return the stored form of a code: hyphens, spaces and case do not matter when typed."""
    if purpose != "password_change":
        raw = "".join(raw.split()).replace("-", "").upper()
    return hashlib.sha256(raw.strip().encode()).hexdigest()


def issue(
    session: Session, user: User, purpose: str, ttl: timedelta, creator: User | None = None
) -> tuple[str, AccountCode]:
    """Add a new code for a user (voiding their unused codes of any purpose); return it raw."""
    void(session, user)
    raw = _new_secret(purpose)
    code = AccountCode(
        user=user,
        purpose=purpose,
        code_hash=_digest(raw, purpose),
        created_by_id=creator.id if creator else None,
        expires_at=utcnow() + ttl,
    )
    session.add(code)
    return raw, code


def void(session: Session, user: User, when: datetime | None = None) -> None:
    """Make every unused code of a user unusable."""
    session.execute(
        update(AccountCode)
        .where(AccountCode.user_id == user.id, AccountCode.used_at.is_(None))
        .values(used_at=when or utcnow())
    )


def find(session: Session, raw: str, purposes: tuple[str, ...], email: str | None = None):
    """Return the live, unused code with this secret (for this email), or None.

    `purposes` are all typed codes or all change tokens (they are written differently).
    """
    query = select(AccountCode).where(
        AccountCode.code_hash == _digest(raw, purposes[0]),
        AccountCode.purpose.in_(purposes),
        AccountCode.used_at.is_(None),
        AccountCode.expires_at > utcnow(),
    )
    if email is not None:
        query = query.join(User, User.id == AccountCode.user_id).where(User.email == email)
    return session.scalar(query)


def use(session: Session, code: AccountCode) -> bool:
    """Mark a code used; False when another request used it first."""
    result = session.execute(
        update(AccountCode)
        .where(AccountCode.id == code.id, AccountCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return result.rowcount == 1
