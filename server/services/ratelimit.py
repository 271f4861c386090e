"""Sign-in rate limits per account and per address, kept in the database.

The attempts live in a table, not in process memory, so every gunicorn worker and every host
behind the same database sees the same counts. Two attempts checked at the same instant may
both pass the check, so the limit can be overshot by the number of attempts in flight at once;
argon2's cost keeps that number small.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.models import LoginAttempt
from server.models.types import utcnow
from server.services.errors import ServiceError


@dataclass(frozen=True)
class Limits:
    """At most `per_account` failed sign-ins per email, `per_address` per address, per window."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


class TooManyAttempts(ServiceError):
    """Too many failed sign-ins; the caller may try again after `retry_after` seconds."""

    status = 429

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"Too many failed sign-ins; try again in {minutes} minute(s).")
        self.retry_after = retry_after


def retry_after(
    session: Session, email: str, address: str | None, limits: Limits, now: datetime | None = None
) -> int:
    """Return how many seconds to wait before the next attempt is checked; 0: check it now.

    A success clears the account's failures (the owner got in) but not the address's: one
    address trying many accounts stays limited even if it also knows one password.
    """
    now = now or utcnow()
    since = now - limits.window
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.at > since,
        )
    )
    waits = [
        _wait(session, LoginAttempt.email == email, last_success or since, limits.per_account),
    ]
    if address:
        waits.append(_wait(session, LoginAttempt.address == address, since, limits.per_address))
    oldest_counted = [at for at in waits if at is not None]
    if not oldest_counted:
        return 0
    seconds = (max(oldest_counted) + limits.window - now).total_seconds()
    return max(1, math.ceil(seconds))


def _wait(session: Session, who, since: datetime, limit: int) -> datetime | None:
    """Return the time of the failure whose expiry lifts the limit, or None under the limit."""
    recent = list(
        session.scalars(
            select(LoginAttempt.at)
            .where(who, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
            .order_by(LoginAttempt.at.desc())
            .limit(limit)
        )
    )
    return recent[-1] if len(recent) >= limit else None


def record_attempt(
    session: Session,
    email: str,
    address: str | None,
    succeeded: bool,
    limits: Limits,
    now: datetime | None = None,
) -> None:
    """Store one attempt and drop those older than the window (they no longer count)."""
    now = now or utcnow()
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - limits.window))
    stored_address = address[:64] if address else None
    session.add(LoginAttempt(email=email, address=stored_address, at=now, succeeded=succeeded))
