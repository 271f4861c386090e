"""Creating staff and patient accounts."""

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.invitations import Invitation, make_invitation
from server.models import CareTeamMember, Patient, User
from server.models.types import utcnow
from server.models.users import STAFF_ROLES
from server.services.access import visible_patient_ids
from server.services.auth import email_taken, hash_password, normalise_email
from server.services.errors import Conflict, Invalid


def create_user(
    session: Session, *, email: str, display_name: str, role: str, password: str
) -> User:
    """Create an account; the email must be new."""
    if email_taken(session, email):
        raise Conflict("An account with this email already exists.", {"json": {"email": ["taken"]}})
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def create_patient(session: Session, creator: User, data: dict) -> tuple[Patient, str | None]:
    """Create a patient account in a care team; return it and a generated password, if any."""
    team_ids = list(dict.fromkeys(data.get("care_team") or []))
    if creator.role in STAFF_ROLES and creator.id not in team_ids:
        team_ids.insert(0, creator.id)
    staff = {u.id: u for u in session.scalars(select(User).where(User.id.in_(team_ids)))}
    for index, staff_id in enumerate(team_ids):
        member = staff.get(staff_id)
        if member is None or member.role not in STAFF_ROLES or not member.is_active:
            raise Invalid(
                f"care_team.{index}", f"user {staff_id} is not an active physio or clinician"
            )
    if not team_ids:
        raise Invalid("care_team", "a patient needs at least one physio or clinician")

    generated = None if data.get("password") else secrets.token_urlsafe(12)
    user = create_user(
        session,
        email=data["email"],
        display_name=data["display_name"],
        role="patient",
        password=data.get("password") or generated,
    )
    patient = Patient(
        user=user,
        timezone=data.get("timezone", "UTC"),
        created_by_id=creator.id,
        date_of_birth=data.get("date_of_birth"),
    )
    patient.care_team = [CareTeamMember(staff_id=staff_id) for staff_id in team_ids]
    session.add(patient)
    session.commit()
    return patient, generated


def invitation_for(patient: Patient, public_url: str, request_root: str) -> Invitation:
    """Return the patient's invitation: the configured public address, else the one asked."""
    # Behind a proxy the request's address may be internal: deployments set STRIDE_PUBLIC_URL.
    return make_invitation(public_url or request_root, patient.user.email)


def list_patients(session: Session, user: User) -> list[Patient]:
    """Return the patients this user may see with summaries, who needs attention first."""
    patients = list(
        session.scalars(
            select(Patient)
            .join(User, Patient.user_id == User.id)
            .where(Patient.id.in_(visible_patient_ids(user)))
            .order_by(User.display_name, Patient.id)
        )
    )
    attach_summaries(session, patients)
    # A stable sort keeps names in order within the same attention level.
    return sorted(patients, key=lambda p: -p.summary.attention)


def attach_summaries(session: Session, patients: list[Patient]) -> None:
    """Set `summary` on each patient (read by the API schema)."""
    from server.services.summaries import summarise

    summaries = summarise(session, patients)
    for patient in patients:
        patient.summary = summaries[patient.id]


def record_cancer_history(session: Session, clinician: User, patient: Patient, value: bool) -> None:
    """Record the patient's history of cancer, who recorded it and when."""
    patient.cancer_history = value
    patient.cancer_history_by_id = clinician.id
    patient.cancer_history_at = utcnow()
    session.commit()
