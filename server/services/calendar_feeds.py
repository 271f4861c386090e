"""A patient's private calendar feed URL: made, replaced and revoked by the patient.

Calendar apps cannot send a bearer token, so the secret is in the URL. It is a
`secrets.token_urlsafe(32)` (256 bits) shown once and stored only as a SHA-256, like a bearer
token; it reads that patient's feed and nothing else. A patient has at most one live feed:
making one revokes the one before, whose URL stops working at once.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.database import begin_writing
from server.models import CalendarFeed, Patient
from server.models.types import utcnow
from server.services.errors import Conflict

FEED_PATH = "/api/v1/calendar/{token}.ics"
# A calendar app polls every few hours; noting each poll would be a write per poll.
READ_NOTED_EVERY = timedelta(hours=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_feed(session: Session, patient: Patient) -> tuple[str, CalendarFeed]:
    """Replace the patient's live feed (if any) with a new one; return its secret and row."""
    now = utcnow()
    session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.patient_id == patient.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    raw = secrets.token_urlsafe(32)
    feed = CalendarFeed(patient_id=patient.id, token_hash=_digest(raw), created_at=now)
    session.add(feed)
    try:
        session.commit()
    except IntegrityError:
        # Two requests made a feed at the same time (the live-feed index refused the second).
        session.rollback()
        raise Conflict("A calendar link was being made at the same time; try again.") from None
    return raw, feed


def revoke_feed(session: Session, patient: Patient) -> bool:
    """Stop the patient's live feed; tell whether there was one."""
    result = session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.patient_id == patient.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.commit()
    return result.rowcount > 0


def patient_of_feed(session: Session, raw: str) -> Patient | None:
    """Return the patient whose live feed this secret opens, or None (unknown or revoked)."""
    feed = session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == _digest(raw), CalendarFeed.revoked_at.is_(None)
        )
    )
    return None if feed is None else session.get(Patient, feed.patient_id)


def note_read(session: Session, raw: str) -> None:
    """Note when the feed was last read, at most once per READ_NOTED_EVERY."""
    now = utcnow()
    begin_writing(session)
    session.execute(
        update(CalendarFeed)
        .where(
            CalendarFeed.token_hash == _digest(raw),
            CalendarFeed.revoked_at.is_(None),
            or_(
                CalendarFeed.last_read_at.is_(None),
                CalendarFeed.last_read_at < now - READ_NOTED_EVERY,
            ),
        )
        .values(last_read_at=now)
    )
    session.commit()


def feed_urls(base_url: str, raw: str) -> dict[str, str]:
    """Return the feed's https (or http) URL and its webcal:// form for calendar apps."""
    url = base_url.rstrip("/") + FEED_PATH.format(token=raw)
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}
