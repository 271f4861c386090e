"""Engine tuning per dialect (SQLite pragmas, read and write transactions) and backups.

On SQLite a transaction starts in one of two modes, chosen when it begins:
- write (the default): "BEGIN IMMEDIATE" takes the write lock up front, so a read-then-write
  never fails with "database is locked"; writers queue for the lock (busy_timeout).
- read: a plain deferred "BEGIN" under "PRAGMA query_only", so readers never wait for a
  writer (WAL) and a stray write fails loudly instead of risking that error.
A request that mostly reads (every GET, and a sync push while it checks its events) starts in
read mode with `start_reading()` and calls `begin_writing(session)` right before it writes.
On PostgreSQL a read-mode transaction is no transaction at all: the connection runs in
autocommit, so a GET sends neither BEGIN nor the final ROLLBACK (two of a cached schedule's four
round trips). At READ COMMITTED, the isolation the app uses, each statement sees its own
snapshot in a transaction too, so reads see nothing different; `begin_writing` ends read mode,
and the writes that follow run in one transaction as before.
"""

import os
import re
import sqlite3
import time
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, scoped_session

# How this context's next SQLite transaction begins: True = read mode (see the docstring).
_reading: ContextVar[bool] = ContextVar("stride_sqlite_reading", default=False)


def start_reading() -> object:
    """Begin this context's next transactions in read mode; return a token for `reset`."""
    return _reading.set(True)


def reset(token: object) -> None:
    """Return to the mode that was in force before `start_reading()` gave `token`."""
    _reading.reset(token)


def begin_writing(session: Session | scoped_session) -> None:
    """From here on, write: on SQLite, end a read transaction and take the write lock next.

    Objects loaded while reading stay loaded (the read transaction ends without expiring
    them); anything added to the session before this call cannot be written (query_only)
    and fails here. Decisions that a concurrent change could invalidate must be re-checked
    in the write transaction or guarded by a constraint.
    """
    if not _reading.get():
        return
    _reading.set(False)
    real = session() if isinstance(session, scoped_session) else session
    if real.get_transaction() is None:
        return
    if real.new or real.dirty or real.deleted:
        real.flush()  # written in read mode: refused (SQLite's query_only), as the docstring says
    # The session's transaction goes on, now writing: switched in place on its connection, with
    # no ORM commit and begin (about a twentieth of a sync push's CPU).
    connection = real.connection()  # the transaction's own; one begun just now already writes
    if connection.dialect.name == "sqlite":
        if connection.info.get("query_only", False):
            dbapi_connection = connection.connection.dbapi_connection
            dbapi_connection.execute("COMMIT")  # ends the read snapshot; nothing was written
            dbapi_connection.execute("PRAGMA query_only=0")
            connection.info["query_only"] = False
            # Through SQLAlchemy: a lock not granted in busy_timeout raises as any statement.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        if driver.autocommit:
            driver.autocommit = False  # the next statement opens the transaction
    else:
        keep = real.expire_on_commit
        real.expire_on_commit = False
        try:
            real.commit()  # ends the read snapshot; nothing to write
        finally:
            real.expire_on_commit = keep


def configure_engine(engine: Engine) -> None:
    """Apply the pragmas and transaction mode this product relies on."""
    if engine.dialect.name == "postgresql":
        ping_when_idle(engine)
        read_in_autocommit(engine)
        keep_parsed_inserts()
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
        reading = _reading.get()
        if connection.info.get("query_only", False) != reading:
            connection.exec_driver_sql(f"PRAGMA query_only={int(reading)}")
            connection.info["query_only"] = reading
        if reading:
            # A deferred BEGIN takes no lock and cannot wait or fail: sent straight to sqlite3,
            # without a statement's trip through SQLAlchemy (a tenth of a cached read's CPU).
            connection.connection.dbapi_connection.execute("BEGIN")
            return
        # Writing takes the write lock up front: a deferred read-then-write fails at once with
        # "database is locked" when another connection committed in between.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_in_autocommit(engine: Engine) -> None:
    """Run PostgreSQL read-mode transactions in autocommit (no BEGIN, no ROLLBACK sent).

    Set as each transaction begins, before its first statement: psycopg then sends no BEGIN
    of its own, and its commit and rollback send nothing while no transaction is open. A
    transaction begun outside read mode (a write, the sweep, the scheduler) turns it off again.
    """

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        driver = connection.connection.driver_connection
        reading = _reading.get()
        if driver.autocommit != reading:
            driver.autocommit = reading


# The longest statement, and the most parameters, whose parse psycopg keeps (it keeps 128).
# A sync push's multi-row INSERT of 20 exercise logs has 440 parameters and about 13 kB.
PARSED_MAX_PARAMS = 500
PARSED_MAX_LENGTH = 16_384


def keep_parsed_inserts() -> None:
    """Let psycopg keep its parse of statements of up to PARSED_MAX_PARAMS parameters.

    psycopg turns every "%(name)s" of a statement into PostgreSQL's "$n" with a regular
    expression and keeps the result only for statements of at most 50 parameters and 4 kB
    (psycopg/_queries.py). SQLAlchemy sends a batch of rows as one multi-row INSERT with a
    parameter per value, so every sync push parsed its INSERTs again: about a fifth of its
    CPU. psycopg reads these two module constants on every statement; raising them is all
    that is needed. Bounded: psycopg keeps 128 parses, and one at these limits takes about
    120 kB (the statement, its rewrite and its parts), so at most about 16 MB a worker; the
    22 INSERTs of 1 to 22 exercise logs take 1.2 MB. pyproject.toml holds psycopg below 3.4,
    and tests/unit/test_database_tuning.py fails if the constants go away.
    """
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_PARAMS = max(
        _queries.MAX_CACHED_STATEMENT_PARAMS, PARSED_MAX_PARAMS
    )
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(
        _queries.MAX_CACHED_STATEMENT_LENGTH, PARSED_MAX_LENGTH
    )


# A pooled connection idle for longer than this is pinged before use (PostgreSQL).
PING_AFTER_IDLE = float(os.environ.get("STRIDE_DB_PING_AFTER_IDLE", 30))


def ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle (instead of pool_pre_ping).

    Under load a connection goes back to work within milliseconds and is not pinged: no extra
    round trip per request. One that sat idle for PING_AFTER_IDLE seconds or more (a quiet
    night, a restarted or failed-over database) is pinged first, and replaced when dead.
    """

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection, record):
        if record is not None:
            record.info["stride_idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("stride_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and checks out a fresh one.
            raise DisconnectionError("the pooled connection is dead") from error


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
