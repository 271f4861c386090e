"""A sync push holds the writers' lock while it writes its events, not while it pulls.

Writers take that lock one at a time: SQLite's write lock (BEGIN IMMEDIATE, server/database.py)
and, on PostgreSQL, the change feed's lock (server/services/changes.py). A push that kept it
while reading its page of changes would keep every other device's push waiting that long.
"""

import sqlite3
import uuid
from datetime import date

from sqlalchemy import event, text

from server.extensions import db
from server.services.changes import _FEED_LOCK
from tests.conftest import BACKEND

_TRY_FEED_LOCK = "SELECT pg_try_advisory_xact_lock(:key, hashtext(current_schema()))"


def _lock_is_free(engine) -> bool:
    """Return whether another worker could take the writers' lock right now, without waiting."""
    if BACKEND == "postgres":
        with engine.connect() as other:
            free = other.scalar(text(_TRY_FEED_LOCK), {"key": _FEED_LOCK})
            other.rollback()  # lets the lock go again
            return free
    other = sqlite3.connect(engine.url.database, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # fails at once while a writer holds the lock
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_a_sync_push_frees_the_writers_lock_before_its_pull(clean_app, patient, plan):
    probes: list[bool] = []
    with clean_app.app_context():
        engine = db.engine

    def probe(_conn, _cursor, statement, *_):
        if statement.startswith("SELECT changes.id"):  # the pull's read of the feed
            probes.append(_lock_is_free(engine))

    pain = {"local_date": date.today().isoformat(), "nprs": 4, "context": "rest"}
    pushed = {"id": str(uuid.uuid4()), "type": "pain_log", "data": pain}
    event.listen(engine, "before_cursor_execute", probe)
    try:
        body = patient.post("/sync", json={"cursor": 0, "events": [pushed]}).get_json()
    finally:
        event.remove(engine, "before_cursor_execute", probe)
    assert [r["status"] for r in body["results"]] == ["created"]
    assert probes == [True], "the pull ran while the push held the writers' lock"
    # The pull sees the push it answers.
    assert [log["id"] for log in body["changes"]["pain_logs"]] == [pushed["id"]]
