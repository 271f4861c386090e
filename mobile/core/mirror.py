"""The Store's log mirror: the device's own events and the server's history, by UUID.

States of a mirrored row: pending (in the outbox), synced (acknowledged), server (pulled from the
server's history) and rejected (refused by the server: hidden, kept in the rejected list).
"""

import json
from datetime import UTC, datetime

from domain import postop, redflags
from mobile.core.formatting import as_date

_SERVER_ONLY = ("id", "patient_id")


def _level(row: dict, questions: dict) -> str:
    """Return a check's stored level, or the highest level of its yes answers."""
    # The device stores the level it triaged and the server sends its own; only a row of an
    # older app version has neither, and a yes to a question no longer asked counts as urgent
    # (every yes of the old check was), never as nothing.
    if row.get("level"):
        return row["level"]
    answers = row.get("answers") or {}
    levels = (questions[k].level if k in questions else "urgent" for k, v in answers.items() if v)
    return redflags.highest(levels)


def _server_time(value: str | None) -> str | None:
    """Return a server timestamp in one sortable form (UTC, microseconds always written)."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class LogMirror:
    """Mixin of Store: reading and merging the local copy of the patient's logs."""

    def _mirror(self, db, event_id, event_type, owner, data, received_at, state) -> None:
        db.execute(
            "INSERT INTO logs (id, type, owner, local_date, data, received_at, state)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (event_id, event_type, owner, data["local_date"], json.dumps(data), received_at, state),
        )

    def _logs(self, event_type: str, date_from, date_to) -> list[dict]:
        lo = as_date(date_from).isoformat() if date_from else "0000-00-00"
        hi = as_date(date_to).isoformat() if date_to else "9999-99-99"
        # Server time orders what the server has; entries not yet received come after, in order.
        rows = self._rows(
            "SELECT id, data, received_at, state FROM logs WHERE owner IS ? AND type = ?"
            " AND local_date BETWEEN ? AND ? AND state != 'rejected'"
            " ORDER BY received_at IS NULL, received_at, seq",
            self._owner(),
            event_type,
            lo,
            hi,
        )
        replaced = self._superseded(event_type)
        return [
            {**json.loads(data), "id": i, "received_at": received, "pending": state == "pending"}
            for i, data, received, state in rows
            if i not in replaced
        ]

    def _superseded(self, event_type: str) -> set[str]:
        """Return the ids of this type's logs that a later log corrects (on any date).

        A correction replaces what it corrects everywhere the app uses logs (Today, progress,
        the nerve follow-up), as on the server. LIKE narrows the rows before JSON is parsed.
        """
        rows = self._rows(
            "SELECT data FROM logs WHERE owner IS ? AND type = ? AND state != 'rejected'"
            ' AND data LIKE \'%"supersedes": "%\'',
            self._owner(),
            event_type,
        )
        return {json.loads(data)["supersedes"] for (data,) in rows} - {None}

    def exercise_logs(self, date_from=None, date_to=None) -> list[dict]:
        """Return exercise logs between two local dates (inclusive), in receive order."""
        return self._logs("exercise_log", date_from, date_to)

    def pain_logs(self, date_from=None, date_to=None) -> list[dict]:
        """Return pain logs between two local dates (inclusive), in receive order."""
        return self._logs("pain_log", date_from, date_to)

    def red_flag_checks(self, date_from=None, date_to=None) -> list[dict]:
        """Return red-flag checks between two local dates, each with its triage level."""
        rows = self._logs("red_flag_check", date_from, date_to)
        for row in rows:
            row["level"] = _level(row, redflags.QUESTIONS_BY_KEY)
        return rows

    def postop_checks(self, date_from=None, date_to=None) -> list[dict]:
        """Return post-operative checks between two local dates, each with its triage level."""
        rows = self._logs("postop_check", date_from, date_to)
        for row in rows:
            row["level"] = _level(row, postop.QUESTIONS_BY_KEY)
        return rows

    def outcome_measures(self, date_from=None, date_to=None) -> list[dict]:
        """Return the LEFS and PGIC answers between two local dates, each with its score."""
        return self._logs("outcome_measure", date_from, date_to)

    def merge_history(
        self,
        exercise_logs: list[dict],
        pain_logs: list[dict],
        red_flag_checks: list[dict] = (),
        postop_checks: list[dict] = (),
        outcome_measures: list[dict] = (),
    ) -> None:
        """Upsert server log rows by UUID; the device's own entries are updated, never doubled."""
        owner = self._owner()
        kinds = (
            ("exercise_log", exercise_logs),
            ("pain_log", pain_logs),
            ("red_flag_check", red_flag_checks),
            ("postop_check", postop_checks),
            ("outcome_measure", outcome_measures),
        )
        with self._tx() as db:
            for event_type, rows in kinds:
                for row in rows:
                    event_id = str(row["id"])
                    data = {k: v for k, v in row.items() if k not in _SERVER_ONLY}
                    received = _server_time(data.pop("received_at", None))
                    found = db.execute("SELECT state FROM logs WHERE id = ?", (event_id,))
                    state = found.fetchone()
                    if state is None:
                        self._mirror(db, event_id, event_type, owner, data, received, "server")
                        continue
                    new_state = "pending" if state[0] == "pending" else "server"
                    db.execute(
                        "UPDATE logs SET data = ?, received_at = ?, state = ?, local_date = ?"
                        " WHERE id = ?",
                        (json.dumps(data), received, new_state, data["local_date"], event_id),
                    )
