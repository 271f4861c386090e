"""What the CDS Hooks service must remember between calls: the JWT ids it has accepted."""

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime


class CdsJti(db.Model):
    """One accepted EHR request JWT (issuer, jti), kept until it expires, so it is used once.

    In the database rather than in a worker's memory: with several gunicorn workers a replay
    may reach another worker, and the unique constraint refuses it there too.
    """

    __tablename__ = "cds_jti"
    __table_args__ = (UniqueConstraint("issuer", "jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    jti: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
