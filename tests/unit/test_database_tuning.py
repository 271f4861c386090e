"""PostgreSQL tuning that rests on a library's internals fails here, not silently in production."""

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from server.database import configure_engine
from server.models import ExerciseLog


def test_psycopg_parses_a_twenty_log_insert_once():
    """A sync push's multi-row INSERT is parsed the first time only (server.database)."""
    queries = pytest.importorskip("psycopg._queries")
    from psycopg.adapt import Transformer

    # No connection is made: configuring an engine only sets listeners and the constants.
    configure_engine(create_engine("postgresql+psycopg://stride@127.0.0.1:9/none"))
    columns = [c.key for c in ExerciseLog.__table__.columns if c.key != "id"]
    rows = [dict.fromkeys(columns, 1) for _ in range(20)]  # 20 logs, as SQLAlchemy batches them
    compiled = insert(ExerciseLog.__table__).values(rows).compile(dialect=pg_psycopg.dialect())
    query, params = str(compiled).encode(), compiled.params
    assert len(params) == 20 * len(columns)
    converter = queries.PostgresQuery(Transformer())
    converter.convert(query, params)
    hits = queries._query2pg.cache_info().hits
    converter.convert(query, params)
    assert queries._query2pg.cache_info().hits == hits + 1, "psycopg parsed it again"
