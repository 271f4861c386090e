"""Creating staff and patient accounts; care teams."""

from datetime import timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from domain.invitations import Invitation, make_invitation
from server.models import AccountCode, CareTeamMember, Patient, User
from server.models.types import utcnow
from server.models.users import NO_PASSWORD, STAFF_ROLES
from server.services import codes
from server.services.access import patient_for, visible_patient_ids
from server.services.auth import email_taken, hash_password, normalise_email
from server.services.errors import Conflict, Invalid, NotFound


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: str,
    password: str | None,
    must_change_password: bool = False,
) -> User:
    """Create an account; the email must be new. With no password, nobody can sign in yet."""
    if email_taken(session, email):
        raise Conflict("An account with this email already exists.", {"json": {"email": ["taken"]}})
    email, display_name = normalise_email(email), display_name.strip()
    user = User(
        email=email,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password, email, display_name) if password else NO_PASSWORD,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


def create_patient(
    session: Session,
    creator: User,
    data: dict,
    code_ttl: timedelta = timedelta(days=7),
    password: str | None = None,
) -> tuple[Patient, tuple[str, AccountCode] | None]:
    """Create a patient account in a care team; return it and its one-time activation code.

    Staff never choose the password: the patient does, with the code. Only the demo seed
    passes `password` (its accounts have a documented demo password) and gets no code.
    """
    team_ids = list(dict.fromkeys(data.get("care_team") or []))
    if creator.role in STAFF_ROLES and creator.id not in team_ids:
        team_ids.insert(0, creator.id)
    staff = {u.id: u for u in session.scalars(select(User).where(User.id.in_(team_ids)))}
    for index, staff_id in enumerate(team_ids):
        _check_staff(staff.get(staff_id), staff_id, f"care_team.{index}")
    if not team_ids:
        raise Invalid("care_team", "a patient needs at least one physio or clinician")

    user = create_user(
        session,
        email=data["email"],
        display_name=data["display_name"],
        role="patient",
        password=password,
    )
    patient = Patient(
        user=user,
        timezone=data.get("timezone", "UTC"),
        created_by_id=creator.id,
        date_of_birth=data.get("date_of_birth"),
    )
    patient.care_team = [CareTeamMember(staff_id=staff_id) for staff_id in team_ids]
    session.add(patient)
    activation = None if password else codes.issue(session, user, "activation", code_ttl, creator)
    session.commit()
    return patient, activation


def _check_staff(member: User | None, staff_id: int, field: str) -> None:
    if member is None or member.role not in STAFF_ROLES or not member.is_active:
        raise Invalid(field, f"user {staff_id} is not an active physio or clinician")


def care_team_patient(session: Session, user: User, patient_id: int) -> Patient:
    """Return a patient whose care team this user may change: an admin any, staff their own."""
    if user.role != "admin":
        return patient_for(session, user, patient_id)
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"Patient {patient_id} not found.")
    return patient


def add_to_care_team(session: Session, patient: Patient, staff_id: int) -> Patient:
    """Give an active physio or clinician access to a patient's record (no-op if they have it)."""
    if all(member.staff_id != staff_id for member in patient.care_team):
        _check_staff(session.get(User, staff_id), staff_id, "staff_id")
        patient.care_team.append(CareTeamMember(staff_id=staff_id))
    session.commit()
    return patient


def remove_from_care_team(session: Session, patient: Patient, staff_id: int) -> None:
    """End a staff member's access to a patient's record at once; the last one stays.

    Removing someone who is not in the team changes nothing (they have no access either way).
    """
    member = next((m for m in patient.care_team if m.staff_id == staff_id), None)
    if member is None:
        return
    if len(patient.care_team) == 1:
        raise Conflict("A patient needs at least one physio or clinician: add another first.")
    patient.care_team.remove(member)
    session.commit()


def list_users(session: Session) -> list[User]:
    """Return every account, staff first, by name (disabled ones included and marked)."""
    order = case({"admin": 0, "clinician": 1, "physio": 2}, value=User.role, else_=3)
    return list(
        session.scalars(
            select(User).options(selectinload(User.patient)).order_by(order, User.display_name)
        )
    )


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
