"""Schemathesis from the outside: its CLI against gunicorn, signed in over HTTP as each role.

The server runs the production recipe (server/gunicorn_conf.py, 2 workers) on this run's fresh
database (SQLite or PostgreSQL), seeded with the demo data and swept, so alerts exist. The
harness is tools/outside_schemathesis.py: every check, every phase, a few examples per
operation, the token-revoking operations last. tests/api/test_schemathesis.py runs in-process
with more examples; this run adds what only a real server shows (HTTP parsing, headers,
gunicorn, the stateful phase's chains of calls).
"""

import re

import pytest
import requests
from sqlalchemy import select

from server.extensions import db
from server.models import Alert
from tests.conftest import swept_demo
from tests.integration.live_server import gunicorn
from tools import outside_schemathesis as harness

# Bounded by examples, not time: the whole run is several minutes on two busy cores, past the
# suite's 300 s per test.
pytestmark = pytest.mark.timeout(1800)

# Classes of failure still expected while other work is pending: none. A 422 for a rule that
# OpenAPI cannot state is expected only on the operations tools/outside_schemathesis.py lists
# in SEMANTIC_REFUSALS, with the rule; any failure of any class fails the test.
PENDING: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(app, database_url, tmp_path_factory):
    """Start gunicorn on a free port over the demo data, swept; yield its base URL."""
    with app.app_context():
        swept_demo(db.session)
        assert db.session.scalar(select(Alert.id).limit(1)), "the sweep raised no alert"
        db.session.remove()
    log = tmp_path_factory.mktemp("gunicorn") / "web.log"
    with gunicorn(database_url, log, workers=2) as base:
        yield base


def test_the_docs_page_and_its_assets_come_from_the_server(server):
    page = requests.get(f"{server}/api/v1/docs", timeout=10)
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert not re.search(r"https?://", page.text), "the docs page names another host"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) == 4, assets
    for url in assets:
        assert url.startswith("/api/v1/docs/assets/"), url
        asset = requests.get(server + url, timeout=10)
        assert asset.status_code == 200, url
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
    api = requests.get(f"{server}/api/v1/openapi.json", timeout=10)
    assert api.headers["Cache-Control"] == "no-store"
    assert api.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture(scope="module")
def tokens(app, server):
    """Two tokens per role and one for the harness' own test, all made before any run.

    First: the runs' generated sign-ins fail, and enough failures throttle this address.
    Patient, physio and clinician sign in over HTTP. The admin signs in with a second factor,
    whose codes work once per 30 s (tests/api/test_mfa.py signs in that way): its token is
    issued as a sign-in issues it, and given to the harness as `--token admin=...` would be.
    """
    from datetime import timedelta

    from server.models import User
    from server.services import auth

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == harness.DEMO_LOGINS["admin"]))
        given = {"admin": auth.issue_token(db.session, admin, timedelta(hours=4))[0]}
        db.session.commit()
        db.session.remove()
    logins = {
        role: (email, harness.DEMO_PASSWORD)
        for role, email in harness.DEMO_LOGINS.items()
        if role != "admin"
    }
    pairs = harness.tokens_for(server, given, logins)
    assert set(pairs) == set(harness.ROLES)
    return {**pairs, "control": harness.sign_in(server, *logins["patient"])}


def test_the_harness_reports_an_undeclared_status_and_a_wrong_body(server, tokens, tmp_path):
    """A document that leaves out GET /patients/{id}'s 403/404 and misstates /me's body."""

    def edit(document):
        del document["paths"]["/api/v1/patients/{patient_id}"]["get"]["responses"]["404"]
        del document["paths"]["/api/v1/patients/{patient_id}"]["get"]["responses"]["403"]
        me = document["paths"]["/api/v1/me"]["get"]["responses"]["200"]
        me["content"]["application/json"]["schema"] = {"type": "object", "required": ["nothing"]}

    token = tokens["control"]
    only = r"/patients/\{patient_id\}$|/me$"
    [result] = harness.run(server, {"patient": (token, token)}, tmp_path, only=only, edit=edit)
    assert not result.ok
    assert "ST103 Undocumented status code: GET /api/v1/patients/{patient_id}" in result.failures
    assert "ST108 Response violates schema: GET /api/v1/me" in result.failures


def test_schemathesis_from_outside_finds_nothing(server, tokens, tmp_path):
    roles = {role: tokens[role] for role in harness.ROLES}
    results = harness.run(server, roles, tmp_path)
    summary = harness.report(results)
    print(summary)
    assert [r.name for r in results] == [*harness.ROLES, *(f"{r}-last" for r in harness.ROLES)]
    unexpected = [
        f"{r.name}: {line}"
        for r in results
        for line in r.failures + r.errors
        if line.split(" ", 1)[0] not in PENDING
    ]
    assert not unexpected, summary
    assert all(r.ok or r.failures for r in results), summary  # no run ended without a report
    pending = [f"{r.name}: {line}" for r in results for line in r.failures]
    if pending:
        pytest.xfail("only failures that other parts of issue 12 fix:\n" + "\n".join(pending))
