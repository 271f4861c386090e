"""Engine tuning per dialect (SQLite pragmas, write-locking transactions) and backups."""

import os
import re
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine


def configure_engine(engine: Engine) -> None:
    """Apply the pragmas and transaction mode this product relies on."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed log survives power loss (NORMAL could drop the last commits).
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Take the write lock up front: a deferred read-then-write fails at once with
        # "database is locked" when another connection committed in between.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def backup_sqlite(database: str, target: str) -> dict[str, int]:
    """Copy a live SQLite database to `target` (online backup API); return rows per table.

    The copy is one step under one read transaction: consistent even while the server writes
    (WAL lets writers go on). It is checked and only then moved into place.
    """
    partial = target + ".partial"
    if os.path.exists(partial):
        os.remove(partial)
    source = sqlite3.connect(database)
    copy = sqlite3.connect(partial)
    try:
        source.execute("PRAGMA busy_timeout=10000")
        source.backup(copy)
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise RuntimeError(f"the copy failed its integrity check: {verdict}")
        tables = [
            name
            for (name,) in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]
        counts = {t: copy.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)
    return counts


def pg_dump_command(url: URL, target: str) -> tuple[list[str], dict[str, str]]:
    """Return the pg_dump arguments and environment that back up the database at `url`."""
    args = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"]
    for option, value in (("--host", url.host), ("--port", url.port), ("--username", url.username)):
        if value:
            args.append(f"{option}={value}")
    # A deployment kept in its own schema (search_path in the URL's options) dumps that schema.
    match = re.search(r"search_path=([\w,]+)", str(url.query.get("options", "")))
    if match:
        args += [f"--schema={name}" for name in match.group(1).split(",")]
    args.append(f"--dbname={url.database}")
    # The password goes through the environment, never the command line (visible to `ps`).
    env = {"PGPASSWORD": url.password} if url.password else {}
    return args, env
