"""The device's SQLite store: session, pulled plans and protocols, the outbox and a log mirror.

Every action is written here first, so it works offline: `enqueue` puts the event in the outbox
and mirrors it into the local log table in one transaction, so Today and Progress show it at once.
Data is kept per owner (server URL + user id): another account signing in on the same device
never sees, or pushes, the first account's entries.
"""

import json
import sqlite3
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from mobile.core.mirror import LogMirror
from mobile.core.outbox import (
    EVENT_TYPES,
    FIRST,
    NORMAL,
    URGENT,
    Outbox,
    add_hold,
    add_priority,
)

__all__ = ["EVENT_TYPES", "FIRST", "NORMAL", "PULLED_LOGS", "URGENT", "Store"]
# The keys of a pull's `changes` that carry logs, in the order `merge_history` takes them.
PULLED_LOGS = (
    "exercise_logs",
    "pain_logs",
    "red_flag_checks",
    "postop_checks",
    "outcome_measures",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS plans (id INTEGER PRIMARY KEY, status TEXT, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS protocols (
    protocol_id TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (protocol_id, version));
CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    owner TEXT, patient_id INTEGER, data TEXT NOT NULL, queued_at TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS rejected (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, owner TEXT, data TEXT NOT NULL,
    message TEXT NOT NULL, errors TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    owner TEXT, local_date TEXT NOT NULL, data TEXT NOT NULL, received_at TEXT,
    state TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS logs_by_date ON logs (owner, type, local_date);
"""


class Store(Outbox, LogMirror):
    """One local SQLite file, safe to share between the UI thread and a sync worker."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: an entry the patient saw saved must survive a power cut, not just a crash.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        with self._lock:
            self._db.executescript(_SCHEMA)
        with self._tx() as db:
            add_priority(db)
            add_hold(db)

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, *args: Any) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _meta(self, key: str, default: Any = None) -> Any:
        row = self._rows("SELECT value FROM meta WHERE key = ?", key)
        return json.loads(row[0][0]) if row else default

    def _set_meta(self, db: sqlite3.Connection, key: str, value: Any) -> None:
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def _owner(self) -> str | None:
        session = self.get_session()
        return f"{session['server_url']}#{session['user']['id']}" if session else None

    # -- session, cursor, settings

    def get_session(self) -> dict | None:
        """Return {server_url, token, user} of the signed-in account, or None."""
        return self._meta("session")

    def save_session(self, server_url: str, token: str, user: dict) -> None:
        """Remember a sign-in; another account or server starts from an empty pull."""
        owner = f"{server_url}#{user['id']}"
        with self._tx() as db:
            if self._meta("owner") != owner:
                for table in ("plans", "protocols", "alerts"):
                    db.execute(f"DELETE FROM {table}")
                self._set_meta(db, "cursor", 0)
                self._set_meta(db, "owner", owner)
            self._set_meta(db, "session", {"server_url": server_url, "token": token, "user": user})

    def clear_session(self) -> None:
        """Forget the token (sign out); entries waiting to sync stay for the same account."""
        with self._tx() as db:
            db.execute("DELETE FROM meta WHERE key = 'session'")

    def get_cursor(self) -> int:
        """Return the change-feed cursor of the last applied pull."""
        return int(self._meta("cursor", 0))

    def set_cursor(self, n: int) -> None:
        """Store the change-feed cursor."""
        with self._tx() as db:
            self._set_meta(db, "cursor", int(n))

    def update_user(self, user: dict) -> None:
        """Refresh the signed-in user's record (GET /me) without touching the token."""
        with self._tx() as db:
            session = self.get_session()
            if session and session["user"].get("id") == user.get("id"):
                self._set_meta(db, "session", {**session, "user": user})

    def account_value(self, key: str, default: Any = None) -> Any:
        """Return a JSON-able value kept for the signed-in account only."""
        return self._meta(f"account:{self._owner()}:{key}", default)

    def update_account_value(self, key: str, change: Callable[[Any], Any]) -> Any:
        """Replace an account value with `change(old)` atomically (None deletes it)."""
        name = f"account:{self._owner()}:{key}"
        with self._tx() as db:
            value = change(self._meta(name))
            if value is None:
                db.execute("DELETE FROM meta WHERE key = ?", (name,))
            else:
                self._set_meta(db, name, value)
        return value

    def get_setting(self, key: str, default: Any = None) -> Any:
        """Return a JSON-able app setting."""
        return self._meta(f"setting:{key}", default)

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-able app setting."""
        with self._tx() as db:
            self._set_meta(db, f"setting:{key}", value)

    # -- pulled data

    def apply_changes(self, changes: dict) -> None:
        """Upsert the plans, protocol versions, alerts and logs of a pull, by id."""
        self.merge_history(*(changes.get(key) or () for key in PULLED_LOGS))
        with self._tx() as db:
            for version in changes.get("protocol_versions") or ():
                db.execute(
                    "INSERT OR REPLACE INTO protocols VALUES (?, ?, ?)",
                    (version["id"], version["version"], json.dumps(version)),
                )
            for plan in changes.get("plans") or ():
                db.execute(
                    "INSERT OR REPLACE INTO plans VALUES (?, ?, ?)",
                    (plan["id"], plan.get("status"), json.dumps(plan)),
                )
            for alert in changes.get("alerts") or ():
                db.execute(
                    "INSERT OR REPLACE INTO alerts VALUES (?, ?)", (alert["id"], json.dumps(alert))
                )

    def plans(self) -> list[dict]:
        """Return every stored plan, oldest first."""
        return [json.loads(r[0]) for r in self._rows("SELECT doc FROM plans ORDER BY id")]

    def active_plan(self) -> dict | None:
        """Return the newest active plan, or None."""
        rows = self._rows("SELECT doc FROM plans WHERE status = 'active' ORDER BY id DESC LIMIT 1")
        return json.loads(rows[0][0]) if rows else None

    def protocol(self, protocol_id: str, version: int) -> dict | None:
        """Return the content document of a protocol version, or None if not pulled yet."""
        rows = self._rows(
            "SELECT doc FROM protocols WHERE protocol_id = ? AND version = ?", protocol_id, version
        )
        return json.loads(rows[0][0]).get("content") if rows else None

    def alerts(self) -> list[dict]:
        """Return the pulled alerts, newest first."""
        return [json.loads(r[0]) for r in self._rows("SELECT doc FROM alerts ORDER BY id DESC")]
