"""Count the database round trips of one request to each endpoint that bench/api.py measures.

Runs the app in-process (Flask's test client) on a fresh copy of the demo data and listens on
the engine: each statement (before_cursor_execute), each pool checkout (with pool_pre_ping on,
one "SELECT 1" before the request's first statement), each transaction's BEGIN (psycopg sends it
as its own round trip before the first statement, except in the autocommit of read mode; on
SQLite server/database.py sends it), each COMMIT and each ROLLBACK that is sent (SQLAlchemy
resets a connection returned to the pool with one, which psycopg sends only when a transaction
is still open).
Prints the counts per request, averaged over a few requests after a warm-up, with the
statements of the last request.

    .venv/bin/python bench/roundtrips.py [--postgres postgresql+psycopg://USER@HOST:5432/DB]
"""

import argparse
import os
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import event  # noqa: E402

from bench.api import bench_database, prepare, sync_body  # noqa: E402
from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402

REPEATS = 5


def main() -> None:
    """Seed, send each request a few times, print its round trips by kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (a private schema is used)")
    args = parser.parse_args()
    with bench_database(args.postgres, "stride-bench-rt-") as database_url:
        setup = prepare(database_url)
        measure(database_url, setup, "PostgreSQL" if args.postgres else "SQLite")


def measure(database_url: str, setup: dict, name: str) -> None:
    """Print the round trips of each endpoint's request."""
    os.environ["DATABASE_URL"] = database_url  # the pool settings follow it, as in production
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    counts: Counter = Counter()
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
        ping = engine.pool._pre_ping  # as configured from DATABASE_URL (see --help)

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(conn, cursor, statement, parameters, context, executemany):
            if statement.split(None, 1)[0].upper() == "BEGIN":
                counts["BEGIN"] += 1  # SQLite's BEGIN IMMEDIATE (a write transaction)
                return
            if not database_url.startswith("sqlite"):
                driver = conn.connection.driver_connection
                if not driver.autocommit and driver.info.transaction_status == 0:
                    # No transaction open yet: psycopg sends BEGIN first, a round trip of its
                    # own (also when server/database.py's begin_writing switched a read-mode
                    # transaction to writing in place, which SQLAlchemy sees no "begin" for).
                    counts["BEGIN"] += 1
            counts["statements"] += 1
            statements.append(" ".join(statement.split())[:110])

        def sent(conn) -> bool:
            """Whether psycopg sends this transaction's BEGIN, COMMIT or ROLLBACK.

            Not in autocommit (read mode, server/database.py), nor with no transaction open.
            """
            if database_url.startswith("sqlite"):
                return True
            driver = conn.connection.driver_connection
            return not driver.autocommit and driver.info.transaction_status != 0

        @event.listens_for(engine, "begin")
        def _begin(conn):
            if database_url.startswith("sqlite") and conn.info.get("query_only"):
                # server/database.py sends a read mode's BEGIN straight to sqlite3, which no
                # statement listener sees (its COMMIT in begin_writing neither).
                counts["BEGIN"] += 1

        @event.listens_for(engine, "commit")
        def _commit(conn):
            if sent(conn):
                counts["COMMIT"] += 1

        @event.listens_for(engine, "rollback")
        def _rollback(conn):
            if sent(conn):
                counts["ROLLBACK"] += 1  # the end of a read transaction (the session closes)

        @event.listens_for(engine.pool, "checkout")
        def _checkout(dbapi_connection, record, proxy):
            if ping:
                counts["pre-ping"] += 1

        @event.listens_for(engine.pool, "reset")
        def _reset(dbapi_connection, record, state):
            info = getattr(dbapi_connection, "info", None)
            if info is None or info.transaction_status != 0:  # psycopg skips it when idle
                counts["ROLLBACK (reset)"] += 1

    client = app.test_client()
    headers = {"Authorization": f"Bearer {setup['token']}"}
    schedule = (
        f"/api/v1/plans/{setup['plan_id']}/schedule?from={setup['today']}&to={setup['week_end']}"
    )
    cursor = client.post("/api/v1/sync", json={"cursor": 0}, headers=headers).json["cursor"]

    def push():
        """Push 20 events with the cursor of the last answer, as the app does."""
        nonlocal cursor
        answer = client.post(
            "/api/v1/sync",
            data=sync_body(setup, cursor),
            headers={**headers, "Content-Type": "application/json"},
        )
        if answer.status_code == 200:
            cursor = answer.json["cursor"]
        return answer

    requests = [
        ("schedule, same week", lambda: client.get(schedule, headers=headers)),
        ("sync, 20 events", push),
    ]
    print(f"{name}: round trips per request (mean of {REPEATS}, after a warm-up)")
    for label, send in requests:
        assert send().status_code == 200
        counts.clear()
        for _ in range(REPEATS):
            statements.clear()
            answer = send()
            assert answer.status_code == 200, answer.get_data(as_text=True)
        total = sum(counts.values()) / REPEATS
        parts = ", ".join(f"{k} {v / REPEATS:g}" for k, v in sorted(counts.items()))
        print(f"  {label:22} {total:5g}  ({parts})")
        for statement in statements:
            print(f"      {statement}")


if __name__ == "__main__":
    main()
