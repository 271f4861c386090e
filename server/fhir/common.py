"""What every FHIR mapping shares: resource ids and references, and moments in local time.

A resource is named `ResourceType/id` everywhere: a reference is that text, a Bundle entry's
fullUrl is the canonical base followed by it, so a reference resolves to the entry whose
fullUrl ends with it (FHIR R4 Bundle, "Resolving references in Bundles"). Ids are built from
Stride's row ids, so every export of a record names its resources the same way.
"""

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from fhir.resources.R4B.reference import Reference

from server.fhir.identity import CANONICAL_BASE, patient_resource_id
from server.fhir.serialize import shared


def full_url(resource_type: str, resource_id: str) -> str:
    """Return the fullUrl of a Bundle entry."""
    return f"{CANONICAL_BASE}/{resource_type}/{resource_id}"


# A reference repeats on many resources (every pain score names its Patient twice): each is
# built and validated once and shared, like the concepts of `codes`, never changed after it is made.
@lru_cache(maxsize=4096)
@shared
def ref(resource_type: str, resource_id: str, display: str | None = None) -> Reference:
    """Return a reference to a resource of the same export (shared: do not change it)."""
    return Reference(reference=f"{resource_type}/{resource_id}", display=display)


def patient_ref(patient_id: int) -> Reference:
    """Return the reference to the Patient of a Stride patient (shared: do not change it)."""
    return ref("Patient", patient_resource_id(patient_id))


def staff_id(user_id: int) -> str:
    """Return the Practitioner.id of a staff member."""
    return f"stride-staff-{user_id}"


def staff_ref(user_id: int | None, staff: dict) -> Reference | None:
    """Return a reference to an exported Practitioner, or None when the user is not one."""
    if user_id is None or user_id not in staff:
        return None
    return ref("Practitioner", staff_id(user_id), staff[user_id].display_name)


def local_moment(moment: datetime | None, timezone: str, local_date: date) -> str:
    """Return when something happened, in the patient's time zone, as a FHIR dateTime.

    The device's moment is given in local time with its offset when it falls on the local date
    the patient gave; otherwise (no moment, or a device clock that disagrees) only the local
    date is given, which is what the patient reported.
    """
    if moment is not None:
        local = moment.astimezone(ZoneInfo(timezone))
        if local.date() == local_date:
            return local.isoformat(timespec="seconds")
    return local_date.isoformat()


def instant(moment: datetime | None) -> str | None:
    """Return a server moment (aware UTC) as a FHIR instant."""
    return moment.isoformat(timespec="seconds") if moment is not None else None
