"""Sign-in throttling a stranger cannot turn against the owner (OWASP Authentication Cheat Sheet).

No account is ever locked. Failures cost growing delays, answered as 429 with Retry-After:

- per (account, address): `free_per_pair` failures since this pair's last success, then the
  next attempt waits `first_delay` seconds, doubling with every further failure up to
  `max_delay`. A stranger's guesses slow only the stranger's own pair.
- per account, from addresses it never signed in from (in `known_for`): `free_per_account`
  failures, then the same doubling. This bounds an attacker who rotates addresses; the
  owner at an address they signed in from before is not slowed by it.
- per address, across accounts: at most `per_address` failures per `window`, high enough for
  a clinic behind one NAT; a known-good (account, address) pair is not held by it.

Failures count for `memory` (24 h) and are then pruned. The attempts live in a table, not in
process memory, so every gunicorn worker sees the same counts; attempts checked at the same
instant may both pass, so a limit can be overshot by the attempts in flight at once (argon2's
cost keeps that number small). The figures an attacker gets are in docs/deploy.md.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from server.models import LoginAttempt
from server.models.types import utcnow
from server.services.errors import ServiceError


@dataclass(frozen=True)
class Limits:
    """How many failures are free and how the delays grow; see the module docstring."""

    free_per_pair: int = 5
    free_per_account: int = 10
    per_address: int = 300
    window: timedelta = timedelta(hours=1)
    first_delay: int = 1
    max_delay: int = 15 * 60
    memory: timedelta = timedelta(hours=24)
    known_for: timedelta = timedelta(days=30)


class TooManyAttempts(ServiceError):
    """Too many failed sign-ins; the caller may try again after `retry_after` seconds."""

    status = 429

    def __init__(self, retry_after: int):
        if retry_after < 120:
            wait = f"{retry_after} second(s)"
        else:
            wait = f"{math.ceil(retry_after / 60)} minute(s)"
        super().__init__(f"Too many failed sign-ins; try again in {wait}.")
        self.retry_after = retry_after


def retry_after(
    session: Session, email: str, address: str | None, limits: Limits, now: datetime | None = None
) -> int:
    """Return how many seconds to wait before the next attempt is checked; 0: check it now."""
    now = now or utcnow()
    remembered = now - limits.memory
    known = _known_addresses(email, now - limits.known_for)
    pair_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email,
            _same_address(address),
            LoginAttempt.succeeded.is_(True),
        )
    )
    pair_since = max(remembered, pair_success) if pair_success else remembered
    until = [
        _backoff(
            session,
            [LoginAttempt.email == email, _same_address(address)],
            pair_since,
            limits.free_per_pair,
            limits,
        )
    ]
    is_known = bool(address) and (
        session.scalar(known.where(LoginAttempt.address == address).limit(1)) is not None
    )
    if not is_known:
        unknown = or_(LoginAttempt.address.is_(None), LoginAttempt.address.not_in(known))
        until.append(
            _backoff(
                session,
                [LoginAttempt.email == email, unknown],
                remembered,
                limits.free_per_account,
                limits,
            )
        )
        if address:
            until.append(_address_limit(session, address, now, limits))
    latest = max((at for at in until if at is not None), default=None)
    if latest is None or latest <= now:
        return 0
    return max(1, math.ceil((latest - now).total_seconds()))


def _same_address(address: str | None):
    return LoginAttempt.address == address if address else LoginAttempt.address.is_(None)


def _known_addresses(email: str, since: datetime):
    """Return a SELECT of the addresses this account signed in from since `since`."""
    return select(LoginAttempt.address).where(
        LoginAttempt.email == email,
        LoginAttempt.succeeded.is_(True),
        LoginAttempt.address.is_not(None),
        LoginAttempt.at > since,
    )


def _backoff(session: Session, who: list, since: datetime, free: int, limits: Limits):
    """Return when the next attempt may be checked after these failures, or None if free."""
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            and_(*who), LoginAttempt.succeeded.is_(False), LoginAttempt.at > since
        )
    ).one()
    if count < free:
        return None
    return last + timedelta(seconds=delay_after(count, free, limits))


def delay_after(failures: int, free: int, limits: Limits) -> int:
    """Return the delay, in seconds, that `failures` failures (`free` of them free) impose."""
    if failures < free:
        return 0
    doublings = min(failures - free, 32)  # 2**32 s is far past any sane max_delay
    return min(limits.first_delay * 2**doublings, limits.max_delay)


def _address_limit(session: Session, address: str, now: datetime, limits: Limits):
    """Return when the address is under its limit again, or None if it is under it now."""
    recent = list(
        session.scalars(
            select(LoginAttempt.at)
            .where(
                LoginAttempt.address == address,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.at > now - limits.window,
            )
            .order_by(LoginAttempt.at.desc())
            .limit(limits.per_address)
        )
    )
    return recent[-1] + limits.window if len(recent) >= limits.per_address else None


def record_attempt(
    session: Session,
    email: str,
    address: str | None,
    succeeded: bool,
    limits: Limits,
    now: datetime | None = None,
) -> None:
    """Store one attempt; drop failures past `memory` and successes past `known_for`.

    A success replaces the pair's earlier successes: only the latest is needed to know the
    address and to restart the pair's count.
    """
    now = now or utcnow()
    stored_address = address[:64] if address else None
    forgotten = or_(
        and_(
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at < now - max(limits.memory, limits.window),
        ),
        and_(LoginAttempt.succeeded.is_(True), LoginAttempt.at < now - limits.known_for),
    )
    if succeeded:
        forgotten = or_(
            forgotten,
            and_(
                LoginAttempt.email == email,
                _same_address(stored_address),
                LoginAttempt.succeeded.is_(True),
            ),
        )
    session.execute(delete(LoginAttempt).where(forgotten))
    session.add(LoginAttempt(email=email, address=stored_address, at=now, succeeded=succeeded))
