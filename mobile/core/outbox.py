"""The Store's outbox: events waiting for /sync, their priority, and the server's refusals."""

import json
import sqlite3
import time
import uuid
from datetime import UTC, datetime

from mobile.core.formatting import as_date

EVENT_TYPES = ("exercise_log", "pain_log", "red_flag_check", "postop_check", "outcome_measure")
# Outbox priorities, highest sent first: a warning sign a person must act on today, then the
# other safety checks, then everything else. Stored per row so the order needs no parsing.
URGENT = 2
FIRST = 1
NORMAL = 0
_FIRST_TYPES = ("red_flag_check", "postop_check")


def add_priority(db: sqlite3.Connection) -> None:
    """Give an outbox made by an older app version its priority column."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
    if "priority" in columns:
        return
    db.execute("ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")
    # Older versions sent red-flag checks first, and any yes in them needed care today.
    rows = db.execute("SELECT seq, data FROM outbox WHERE type = 'red_flag_check'").fetchall()
    for seq, data in rows:
        answers = json.loads(data).get("answers") or {}
        priority = URGENT if any(answers.values()) else FIRST
        db.execute("UPDATE outbox SET priority = ? WHERE seq = ?", (priority, seq))


def add_hold(db: sqlite3.Connection) -> None:
    """Give an outbox made by an older app version its hold column (the undo window)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
    if "hold_until" not in columns:
        db.execute("ALTER TABLE outbox ADD COLUMN hold_until REAL")


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Outbox:
    """Mixin of Store: queueing events, reading the outbox and applying /sync results."""

    def enqueue(
        self,
        event_type: str,
        data: dict,
        patient_id: int | None = None,
        priority: int | None = None,
        local: dict | None = None,
        hold_s: float = 0,
    ) -> str:
        """Queue an event for sync and mirror it into the local logs; return its new UUID.

        `hold_s` keeps the event out of every push for that long (wall-clock seconds, so the
        hold survives the app closing): until then it can be withdrawn without a trace.
        """
        if event_type not in EVENT_TYPES:
            raise ValueError(f"unknown event type: {event_type!r}")
        if priority is None:
            priority = FIRST if event_type in _FIRST_TYPES else NORMAL
        event_id = str(uuid.uuid4())
        data = {**data, "recorded_at": data.get("recorded_at") or _now()}
        data["local_date"] = as_date(data["local_date"]).isoformat()
        owner, body = self._owner(), json.dumps(data)
        hold_until = time.time() + hold_s if hold_s > 0 else None
        with self._tx() as db:
            db.execute(
                "INSERT INTO outbox"
                " (id, type, owner, patient_id, data, queued_at, priority, hold_until)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (event_id, event_type, owner, patient_id, body, _now(), priority, hold_until),
            )
            # `local` is what only the mirror keeps (the offline triage level, a stop sign's
            # text), never sent: the server decides those itself.
            mirrored = {**(local or {}), **data}
            self._mirror(db, event_id, event_type, owner, mirrored, None, "pending")
        return event_id

    def outbox(self, limit: int = 500) -> list[dict]:
        """Return events ready for /sync (none still held): highest priority, then oldest first."""
        rows = self._rows(
            "SELECT id, type, patient_id, data FROM outbox WHERE owner IS ?"
            " AND (hold_until IS NULL OR hold_until <= ?)"
            " ORDER BY priority DESC, seq LIMIT ?",
            self._owner(),
            time.time(),
            limit,
        )
        events = []
        for event_id, event_type, patient_id, data in rows:
            event = {"id": event_id, "type": event_type, "data": json.loads(data)}
            if patient_id is not None:
                event["patient_id"] = patient_id
            events.append(event)
        return events

    def withdraw(self, event_id: str) -> bool:
        """Take back a held event and its mirrored log; tell whether it was still held.

        Held rows are never read for a push, and this deletes only a row whose hold has not
        ended (both decided under the store's lock), so a withdrawn event was never sent.
        """
        with self._tx() as db:
            gone = db.execute(
                "DELETE FROM outbox WHERE id = ? AND hold_until > ?", (event_id, time.time())
            ).rowcount
            if gone:
                db.execute("DELETE FROM logs WHERE id = ? AND state = 'pending'", (event_id,))
        return bool(gone)

    def release(self, ids: list[str] | None = None) -> None:
        """End the hold of these events (default: all of this account's): the next push sends."""
        with self._tx() as db:
            if ids is None:
                db.execute("UPDATE outbox SET hold_until = NULL WHERE owner IS ?", (self._owner(),))
            for event_id in ids or ():
                db.execute("UPDATE outbox SET hold_until = NULL WHERE id = ?", (event_id,))

    def pending_count(self) -> int:
        """Return how many events wait to sync."""
        return self._rows("SELECT COUNT(*) FROM outbox WHERE owner IS ?", self._owner())[0][0]

    def urgent_count(self) -> int:
        """Return how many events that a person must act on today wait to sync."""
        sql = "SELECT COUNT(*) FROM outbox WHERE owner IS ? AND priority >= ?"
        return self._rows(sql, self._owner(), URGENT)[0][0]

    def acknowledge(self, results: list[dict]) -> None:
        """Apply /sync results: stored events leave the outbox, refused ones move to rejected."""
        with self._tx() as db:
            for result in results:
                event_id, status = str(result.get("id")), result.get("status")
                if status in ("created", "duplicate"):
                    db.execute("DELETE FROM outbox WHERE id = ?", (event_id,))
                    db.execute(
                        "UPDATE logs SET state = 'synced' WHERE id = ? AND state = 'pending'",
                        (event_id,),
                    )
                elif status == "rejected":
                    row = db.execute(
                        "SELECT type, owner, data FROM outbox WHERE id = ?", (event_id,)
                    ).fetchone()
                    if row is None:
                        continue
                    db.execute(
                        "INSERT OR REPLACE INTO rejected VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            event_id,
                            *row,
                            str(result.get("message") or "refused"),
                            json.dumps(result.get("errors") or {}),
                            _now(),
                        ),
                    )
                    db.execute("DELETE FROM outbox WHERE id = ?", (event_id,))
                    db.execute("UPDATE logs SET state = 'rejected' WHERE id = ?", (event_id,))

    def rejected(self) -> list[dict]:
        """Return the events the server refused, with its message and field errors."""
        rows = self._rows(
            "SELECT id, type, data, message, errors, at FROM rejected WHERE owner IS ? ORDER BY at",
            self._owner(),
        )
        return [
            {
                "id": i,
                "type": t,
                "data": json.loads(d),
                "message": m,
                "errors": json.loads(e),
                "at": at,
            }
            for i, t, d, m, e, at in rows
        ]

    def dismiss_rejected(self, ids: list[str] | None = None) -> None:
        """Forget refused events once the patient has seen them (all of them by default)."""
        with self._tx() as db:
            if ids is None:
                db.execute("DELETE FROM rejected WHERE owner IS ?", (self._owner(),))
            for event_id in ids or ():
                db.execute("DELETE FROM rejected WHERE id = ?", (event_id,))
