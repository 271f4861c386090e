"""Care plans and their immutable revisions."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.protocols import ProtocolVersion
from server.models.types import UTCDateTime, utcnow


class Plan(db.Model):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    protocol_version_id: Mapped[int] = mapped_column(ForeignKey("protocol_versions.id"))
    start_date: Mapped[date]
    surgery_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default="active")
    current_revision: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    protocol: Mapped[ProtocolVersion] = relationship()
    revisions: Mapped[list["PlanRevision"]] = relationship(
        back_populates="plan", order_by="PlanRevision.number"
    )


class PlanRevision(db.Model):
    """One prescription state; never updated once written."""

    __tablename__ = "plan_revisions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    number: Mapped[int]
    effective_from: Mapped[date]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    operations: Mapped[list] = mapped_column(JSON, default=list)
    diff: Mapped[list] = mapped_column(JSON, default=list)
    # The cumulative adjustments to the protocol after this revision.
    adjustments: Mapped[dict] = mapped_column(JSON, default=dict)

    plan: Mapped[Plan] = relationship(back_populates="revisions")
