"""The change feed behind sync: what changed, in commit order."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.models import Change

# Any constant: the advisory lock that orders change-feed writers on PostgreSQL.
_FEED_LOCK = 7_465_821


def record_change(session: Session, kind: str, ref_id: int, patient_id: int | None) -> None:
    """Append a change; ids become visible in increasing order so no reader skips one."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise feed writers until commit: otherwise a later id could commit before an
        # earlier one and a reader's cursor would jump over the earlier one for ever.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FEED_LOCK})
    session.add(Change(kind=kind, ref_id=ref_id, patient_id=patient_id))
