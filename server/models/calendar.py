"""A patient's private calendar feed: the hash of the secret its URL carries."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class CalendarFeed(db.Model):
    """One private feed URL of a patient; at most one is live (not revoked) at a time.

    Calendar apps cannot send a bearer token, so the URL itself is the credential: only a
    SHA-256 of its secret is stored, as for tokens. A revoked row is kept (when it was made,
    revoked and last read) rather than deleted.
    """

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        # Two "create" calls at once cannot leave two live feeds (the second one gets a 409).
        Index(
            "uq_calendar_feeds_live_patient",
            "patient_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Updated at most hourly: a calendar app polls, and each poll need not be a write.
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
