"""A staff member's second factor (a TOTP authenticator) and their one-time recovery codes."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class MfaFactor(db.Model):
    """One TOTP secret per account: pending until a first code confirms it."""

    __tablename__ = "mfa_factors"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Base32 (RFC 4648); the server needs the secret itself to check codes, so it cannot be
    # hashed: it is a credential like a password, and backups must be kept like one.
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last code accepted: a code is good once (RFC 6238 §5.2).
    last_step: Mapped[int | None] = mapped_column()


class MfaRecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator; only its SHA-256 is stored."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
