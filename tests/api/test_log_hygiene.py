"""No password, token, pain score or note ever reaches the logs, even at DEBUG.

The flow runs against a real HTTP server (werkzeug's, in a thread) so its access log is in the
records too, alongside SQLAlchemy's statement log (enabled by DEBUG) and the app's own logs.
"""

import hashlib
import logging
import re
import threading
import traceback
import uuid
from contextlib import contextmanager
from datetime import date

import pytest
import requests
from sqlalchemy import event
from werkzeug.serving import make_server

from server.extensions import db
from server.models import User
from tests.conftest import PASSWORD

NOTE = "NOTE-zebra-marmalade-4711"
SYNC_NOTE = "SYNC-NOTE-quokka-8812"
BAD_NOTE = "BAD-NOTE-okapi-3391"
CRASH_NOTE = "CRASH-NOTE-narwhal-5150"


# A score next to its name, as a dumped payload or a repr would show it ("nprs": 7, nprs=7).
SCORE = re.compile(r"nprs['\"]?\s*[:=]\s*\d", re.IGNORECASE)


def _text(record: logging.LogRecord) -> str:
    """Return everything a handler could write for a record, traceback included."""
    text = record.getMessage()
    if record.exc_info:
        text += "".join(traceback.format_exception(*record.exc_info))
    return text


@pytest.fixture()
def server_url(clean_app):
    server = make_server("127.0.0.1", 0, clean_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/v1"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _pain(nprs, note):
    today = date.today().isoformat()
    return {
        "id": str(uuid.uuid4()),
        "local_date": today,
        "nprs": nprs,
        "context": "sitting",
        "note": note,
    }


@contextmanager
def database_failing_on(marker: str, engine):
    """Make the database refuse a pain-log insert whose values contain `marker`, as a broken
    one would: the driver's error names the statement and, unless hidden, its values."""

    def break_statement(conn, cursor, statement, parameters, context, executemany):
        if marker in repr(parameters):
            statement = statement.replace("pain_logs", "no_such_table")
        return statement, parameters

    event.listen(engine, "before_cursor_execute", break_statement, retval=True)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", break_statement)


def test_flow_logs_no_password_token_or_pain(clean_app, patient, server_url, caplog):
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy keeps its own loggers at WARNING; an operator chasing a bug turns SQL on.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    http = requests.Session()
    signed_in = http.post(
        f"{server_url}/auth/tokens", json={"email": "pat@example.org", "password": PASSWORD}
    )
    assert signed_in.status_code == 201
    token = signed_in.json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    pid = signed_in.json()["user"]["patient_id"]
    logs_url = f"{server_url}/patients/{pid}/pain-logs"

    assert http.post(logs_url, json=_pain(7, NOTE)).status_code == 201
    pushed = {"id": str(uuid.uuid4()), "type": "pain_log", "data": _pain(9, SYNC_NOTE)}
    pushed["data"].pop("id")
    synced = http.post(f"{server_url}/sync", json={"cursor": 0, "events": [pushed]})
    assert synced.json()["results"][0]["status"] == "created"
    assert http.get(logs_url).status_code == 200
    # Errors: a refused body, a wrong password, a forged token, and a database failure.
    assert http.post(logs_url, json=_pain(11, BAD_NOTE)).status_code == 422
    wrong = {"email": "pat@example.org", "password": PASSWORD + "x"}
    assert requests.post(f"{server_url}/auth/tokens", json=wrong).status_code == 401
    forged = requests.get(f"{server_url}/me", headers={"Authorization": f"Bearer {token}x"})
    assert forged.status_code == 401
    with clean_app.app_context():
        engine = db.engine
        stored = db.session.query(User).filter_by(email="pat@example.org").one().password_hash
    with database_failing_on(CRASH_NOTE, engine):
        assert http.post(logs_url, json=_pain(8, CRASH_NOTE)).status_code == 500
    secrets = {
        "password": PASSWORD,
        "password hash": stored.split("$")[-1],
        "token": token,
        "token hash": hashlib.sha256(token.encode()).hexdigest(),
        "note": NOTE,
        "synced note": SYNC_NOTE,
        "refused note": BAD_NOTE,
        "note of a failed insert": CRASH_NOTE,
    }
    records = [(r.name, _text(r)) for r in caplog.records]
    for name, message in records:
        for what, value in secrets.items():
            assert value not in message, f"{what} in a {name} log record: {message[:300]}"
        assert not SCORE.search(message), f"a pain score in a {name} log record: {message[:300]}"
    access = [message for name, message in records if name == "werkzeug"]
    assert any("/pain-logs" in line for line in access), "the access log was not captured"
    assert any(name == "sqlalchemy.engine.Engine" for name, _ in records), "SQL log not captured"
    assert any(name == "server.api.errors" for name, _ in records), "the 500 was not logged"
