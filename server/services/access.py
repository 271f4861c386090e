"""Object-level scoping (OWASP API1): who may reach which patient."""

from functools import cache

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, or_, select
from sqlalchemy.orm import Session

from server.models import CareTeamMember, Patient, User
from server.models.users import ROLES
from server.services.errors import Forbidden, NotFound


def visible_patient_ids(user: User) -> Select:
    """Return a SELECT of the patient ids this user may see."""
    return visible_to(user.role).params(viewer_id=user.id)


@cache
def visible_to(role: str) -> Select:
    """Return a SELECT of the patient ids a user of this role may see, for :viewer_id.

    Built once per role, for statements that are built once and bound per call.
    """
    rule = visible_for(role, bindparam("viewer_id"))
    # Admins run the service; they do not read clinical records.
    return select(Patient.id).where(false()) if rule is None else rule


def visible_for(role: str, viewer: ColumnElement) -> Select | None:
    """Return a SELECT of the patient ids a user of this role may see, the user's id `viewer`.

    `viewer` is a bound parameter, or a column of the enclosing statement (the caller's id
    read with its token in the same query): the SELECT then correlates to that statement.
    None: the role sees no patient (admins).
    """
    if role == "patient":
        return select(Patient.id).where(Patient.user_id == viewer).correlate_except(Patient)
    if role in ("physio", "clinician"):
        return (
            select(CareTeamMember.patient_id)
            .where(CareTeamMember.staff_id == viewer)
            .correlate_except(CareTeamMember)
        )
    return None


def visible_to_caller(
    patient_id: ColumnElement, role: ColumnElement, viewer: ColumnElement
) -> ColumnElement:
    """Whether `patient_id` is visible to a user whose `role` and id are columns of the query.

    The rules of `visible_to`, one per role, for a statement that reads the caller's token
    and what it asks for at once; a role that sees no patient adds none.
    """
    rules = ((name, visible_for(name, viewer)) for name in ROLES)
    return or_(
        false(),
        *(and_(role == name, patient_id.in_(rule)) for name, rule in rules if rule is not None),
    )


def patient_for(session: Session, user: User, patient_id: int) -> Patient:
    """Return the patient if the user may see them; a 404 otherwise (no existence leak)."""
    if user.role == "admin":
        raise Forbidden("Admins do not have access to clinical records.")
    if user.role == "patient":  # their own record only (loaded with the token)
        patient = user.patient if user.patient and user.patient.id == patient_id else None
    else:
        patient = session.scalar(
            select(Patient).where(
                Patient.id == patient_id, Patient.id.in_(visible_patient_ids(user))
            )
        )
    if patient is None:
        raise NotFound(f"Patient {patient_id} not found.")
    return patient


def require_role(user: User, *roles: str) -> None:
    """Refuse the call unless the user has one of the roles."""
    if user.role not in roles:
        raise Forbidden(f"This action needs the role {' or '.join(roles)}.")
