"""The change feed behind sync: what changed, in commit order."""

from collections.abc import Iterable

from sqlalchemy import insert, text
from sqlalchemy.orm import Session, scoped_session

from server.models import Change

# Any constant: the advisory lock that orders change-feed writers on PostgreSQL.
_FEED_LOCK = 7_465_821


def record_change(session: Session, kind: str, ref_id: int, patient_id: int | None) -> None:
    """Append a change; ids become visible in increasing order so no reader skips one."""
    lock_feed(session)
    session.add(Change(kind=kind, ref_id=ref_id, patient_id=patient_id))


def record_changes(session: Session, kind: str, refs: Iterable[tuple[int, int]]) -> None:
    """Append one change per (ref_id, patient_id) in one statement (a batch of alerts)."""
    record_feed(session, [(kind, ref, patient) for ref, patient in refs])


def record_feed(session: Session, changes: Iterable[tuple[str, int, int | None]]) -> None:
    """Append one change per (kind, ref_id, patient_id), in order, in one statement.

    A Core insert of the table: the ORM's bulk path would cost more than the statement.
    """
    rows = [{"kind": kind, "ref_id": ref, "patient_id": patient} for kind, ref, patient in changes]
    if not rows:
        return
    lock_feed(session)
    session.execute(_INSERT_CHANGES, rows)


_INSERT_CHANGES = insert(Change.__table__)


def lock_feed(session: Session) -> None:
    """Take the feed lock (PostgreSQL; held until commit) before any row lock on an alert.

    Every writer that locks an alert row (an acknowledgement, a decision, a report adding
    evidence) also appends to the feed; taking the feed lock first, always, means no two of
    them can each hold what the other waits for (a deadlock).
    """
    if session.get_bind().dialect.name == "postgresql":
        real = session() if isinstance(session, scoped_session) else session
        real.connection()  # begins the transaction, if none yet
        # A lock taken in a savepoint goes when the savepoint is rolled back: keyed by both.
        held = (real.get_transaction(), real.get_nested_transaction())
        if real.info.get("stride_feed_lock") == held:
            return  # held until this transaction ends: asking again is a wasted round trip
        real.info["stride_feed_lock"] = held
        # Serialise feed writers until commit: otherwise a later id could commit before an
        # earlier one and a reader's cursor would jump over the earlier one for ever. (On
        # SQLite, BEGIN IMMEDIATE already lets one writer at a time.)
        # Keyed by the schema too, like the scheduler's lock: deployments (or test runs) that
        # share one database in separate schemas never wait on each other's feed.
        lock = "SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"
        session.execute(text(lock), {"key": _FEED_LOCK})
