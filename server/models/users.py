"""Accounts, bearer tokens, patients and their care teams."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from server.extensions import db
from server.models.types import UTCDateTime, utcnow

ROLES = ("admin", "physio", "clinician", "patient")
# Stored for an account nobody has a password for yet (a patient before activation, a reset):
# not an argon2 hash, so no password ever matches it.
NO_PASSWORD = "!"
STAFF_ROLES = ("physio", "clinician")


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), index=True)
    # Loaded only to check a password, not with every request's user.
    password_hash: Mapped[str] = mapped_column(String(255), deferred=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Set when an admin chose the password (a new staff account): sign-in then only lets the
    # owner choose their own (services/credentials.py).
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient: Mapped["Patient | None"] = relationship(
        back_populates="user", foreign_keys="Patient.user_id"
    )


# Whether the owner has chosen a password (a patient has activated): read with the row, without
# loading the hash itself.
User.has_password = column_property(User.password_hash != NO_PASSWORD)


class AuthToken(db.Model):
    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a SHA-256 of the token is stored: a leaked database does not leak live tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


CODE_PURPOSES = ("activation", "reset", "password_change")


class AccountCode(db.Model):
    """A one-time secret that lets its user choose a password: an activation or reset code
    given by staff, or the short-lived change token of a sign-in that must change the password.
    """

    __tablename__ = "account_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    # Only a SHA-256 of the code is stored, like tokens.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Patient(db.Model):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A history of cancer, recorded once by a clinician (NULL: not recorded); it raises the level
    # of new night pain and unexplained weight loss in the red-flag check (Henschke 2013).
    cancer_history: Mapped[bool | None] = mapped_column()
    cancer_history_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancer_history_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff read the patient's age beside an alert (NULL: not given when the account was made).
    date_of_birth: Mapped[date | None] = mapped_column()

    user: Mapped[User] = relationship(back_populates="patient", foreign_keys=[user_id])
    care_team: Mapped[list["CareTeamMember"]] = relationship(
        back_populates="patient", cascade="all, delete-orphan"
    )


class CareTeamMember(db.Model):
    """A staff member who may see and act on a patient's record."""

    __tablename__ = "care_team_members"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient: Mapped[Patient] = relationship(back_populates="care_team")
    staff: Mapped[User] = relationship()
