"""A request on PostgreSQL survives a pooled connection that died (the database restarted).

Production runs without pool_pre_ping on PostgreSQL (one round trip less per request,
docs/deploy.md): a dead connection is instead met by the request's first statement, the token
lookup, which is then tried once more on a fresh connection. The caller never sees a 500.
"""

import uuid

import pytest
from sqlalchemy import create_engine, text

from server import create_app
from server.config import engine_options
from server.extensions import db
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="SQLite connections are files in the process: they never die"
)


@pytest.mark.parametrize("read", ["me", "schedule"])
def test_a_request_after_the_database_dropped_the_connections_is_answered(
    database_url, patient, plan, read
):
    """Both token lookups retry: the usual one (/me) and the schedule's one query with its key."""
    path = "/api/v1/me" if read == "me" else f"/api/v1/plans/{plan['id']}/schedule"
    name = f"stride-dead-{uuid.uuid4().hex[:8]}"
    options = engine_options(database_url)
    assert not options["pool_pre_ping"]  # the production settings, without the ping
    options["connect_args"] = {"application_name": name}
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    app = create_app({"TESTING": True, **config})
    client = app.test_client()
    assert client.get(path, headers=patient.headers).status_code == 200
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": name},
            ).scalar_one()
        assert killed >= 1  # the app's pooled connections are gone

        answer = client.get(path, headers=patient.headers)

        assert answer.status_code == 200, answer.get_data(as_text=True)
        if read == "me":
            assert answer.json["email"] == patient.user["email"]
        else:
            assert answer.json["plan_id"] == plan["id"]
    finally:
        admin.dispose()
        with app.app_context():
            db.engine.dispose()
