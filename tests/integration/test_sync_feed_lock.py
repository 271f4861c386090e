"""PostgreSQL: a sync push holds the change feed's lock while it writes, not while it pulls."""

import uuid
from datetime import date

import pytest
from sqlalchemy import event, text

from server.extensions import db
from server.services.changes import _FEED_LOCK
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL's feed lock only")

_TRY_LOCK = "SELECT pg_try_advisory_xact_lock(:key, hashtext(current_schema()))"


def test_a_sync_push_releases_the_feed_lock_before_its_pull(clean_app, patient, plan):
    """Feed writers wait for the lock one at a time (server/services/changes.py): a push that
    kept it while reading its page of changes would keep every other device's push waiting.
    (tests/integration/test_sqlite_transactions.py checks the same of SQLite's write lock.)
    """
    probes: list[bool] = []
    with clean_app.app_context():
        engine = db.engine

    def probe(_conn, _cursor, statement, *_):
        if statement.startswith("SELECT changes.id"):
            with engine.connect() as other:  # another worker's connection
                probes.append(other.scalar(text(_TRY_LOCK), {"key": _FEED_LOCK}))
                other.rollback()

    pain = {"local_date": date.today().isoformat(), "nprs": 4, "context": "rest"}
    pushed = {"id": str(uuid.uuid4()), "type": "pain_log", "data": pain}
    event.listen(engine, "before_cursor_execute", probe)
    try:
        body = patient.post("/sync", json={"cursor": 0, "events": [pushed]}).get_json()
    finally:
        event.remove(engine, "before_cursor_execute", probe)
    assert [r["status"] for r in body["results"]] == ["created"]
    assert probes == [True], "the pull ran while the push held the feed lock"
    assert [log["id"] for log in body["changes"]["pain_logs"]] == [pushed["id"]]
