"""Escalation alerts, their audit trail, and the change log that feeds sync."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.types import UTCDateTime, utcnow

SEVERITIES = ("urgent", "review", "info")
STATUSES = ("open", "acknowledged", "decided")


class Alert(db.Model):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    rule_id: Mapped[str] = mapped_column(String(20))
    rule_set_version: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    route_to: Mapped[str] = mapped_column(String(20))
    rationale: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    episode_key: Mapped[str] = mapped_column(String(100))
    # "patient:plan:rule:episode" while the episode lasts, NULL once its condition cleared: the
    # unique index keeps one alert per live episode, even when two sweeps race.
    open_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a later report of the same episode added evidence (the clinician looks again).
    evidence_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A decision's review point: the sweep raises the episode again on this (local) date if the
    # rule still fires, or earlier once when new evidence arrives (`follows_id` links them).
    review_on: Mapped[date | None]
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))

    events: Mapped[list["AlertEvent"]] = relationship(order_by="AlertEvent.id")
    patient: Mapped["Patient"] = relationship()  # noqa: F821 (registered in server.models)

    @property
    def shown_checklist(self) -> list:
        """The checklist computed from the current record when shown, else the stored one."""
        return getattr(self, "current_checklist", None) or self.checklist

    @property
    def shown_clinical_record(self) -> list:
        """R-FAIL: the clinical records in words, set when shown (empty otherwise)."""
        return getattr(self, "current_clinical_record", None) or []

    @property
    def shown_next_steps(self) -> list:
        """The next steps of the checklist shown (see `shown_checklist`)."""
        current = getattr(self, "current_next_steps", None)
        return current if current is not None else (self.evidence or {}).get("next_steps", [])


class AlertEvent(db.Model):
    """One change to an alert: who, when, what, and why."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    # For a decision: the readiness checklist as the clinician saw it (kept for the audit).
    snapshot: Mapped[list | None] = mapped_column(JSON)


class Change(db.Model):
    """An append-only feed of what changed, read by `POST /sync` after a cursor."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL: visible to everyone (a new protocol version).
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
