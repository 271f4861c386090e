"""The audit trail (who read or changed what, when, from where) and sign-in attempts."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.types import UTCDateTime, utcnow

OUTCOMES = ("ok", "forbidden", "not_found", "failed", "throttled")


class AuditEvent(db.Model):
    """One audited call: an append-only row, never updated by the product after the call.

    Ids of actors, objects and patients are plain integers, not foreign keys: the trail must
    outlive what it names and must record attempts on ids that do not exist.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    object_type: Mapped[str | None] = mapped_column(String(20))
    object_id: Mapped[int | None]
    address: Mapped[str | None] = mapped_column(String(64))
    # A refusal's message: why the call (or the event in a /sync push) was refused.
    reason: Mapped[str | None] = mapped_column(String(200))

    patients: Mapped[list["AuditEventPatient"]] = relationship(
        cascade="all, delete-orphan", order_by="AuditEventPatient.patient_id", lazy="selectin"
    )

    @property
    def patient_ids(self) -> list[int]:
        """Return the ids of the patients whose record the call touched."""
        return [link.patient_id for link in self.patients]


class AuditEventPatient(db.Model):
    """A patient whose record an audited call read or changed (a list call names many)."""

    __tablename__ = "audit_event_patients"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("audit_events.id", ondelete="CASCADE"), primary_key=True
    )
    patient_id: Mapped[int] = mapped_column(primary_key=True, index=True)


class LoginAttempt(db.Model):
    """One sign-in attempt, kept for the length of the rate-limit window."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    succeeded: Mapped[bool]
