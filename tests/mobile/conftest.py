"""Mobile fixtures: the REAL server over loopback HTTP, a device store, signed-in patients.

Kivy fixtures (for the screen tests) may be appended below; keep these at the top.
"""

import atexit
import os
import shutil
import tempfile

# Before anything imports kivy: it would parse pytest's argv and write to ~/.kivy otherwise.
_KIVY_HOME = tempfile.mkdtemp(prefix="stride-kivy-")
atexit.register(shutil.rmtree, _KIVY_HOME, ignore_errors=True)
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_HOME", _KIVY_HOME)

import itertools  # noqa: E402
import threading  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

import pytest  # noqa: E402

from mobile.core.api import ApiClient  # noqa: E402
from mobile.core.store import Store  # noqa: E402

DEMO_PASSWORD = "stride-demo-1"
DEMO_PATIENT = "amelia.hughes@stride.example"
DEMO_PHYSIO = "physio@stride.example"
DEMO_CLINICIAN = "clinician@stride.example"
_numbers = itertools.count(1)


@dataclass
class LiveServer:
    """A Stride server answering over real HTTP on 127.0.0.1."""

    url: str
    app: object
    db_path: str


def start_server(db_path: str, seed: bool = True):
    """Start the real app on a migrated SQLite file with protocols (and demo data)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from server import create_app
    from server.demo import seed_demo
    from server.extensions import db
    from server.protocols.loader import validate_files
    from server.services.protocols import load_documents

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "TESTING": True})
    with app.app_context():
        upgrade()
        docs, problems = validate_files(None)
        assert not problems, problems
        load_documents(db.session, list(docs.values()))
        if seed:
            seed_demo(db.session, None)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="live-server", daemon=True)
    thread.start()

    def stop():
        httpd.shutdown()
        thread.join(10)
        httpd.server_close()
        with app.app_context():
            db.engine.dispose()

    return LiveServer(f"http://127.0.0.1:{httpd.server_port}", app, db_path), stop


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Yield the real server (demo data seeded) over HTTP for the whole session."""
    server, stop = start_server(str(tmp_path_factory.mktemp("live") / "server.sqlite3"))
    yield server
    stop()


@pytest.fixture()
def store(tmp_path):
    """Yield an empty device store in a temporary user-data dir."""
    device = Store(str(tmp_path / "device.sqlite3"))
    yield device
    device.close()


def sign_in_store(store: Store, server_url: str, email: str, password: str) -> ApiClient:
    """Sign in as the app does and remember the session in the store."""
    client = ApiClient(server_url)
    answer = client.sign_in(email, password)
    store.save_session(server_url, answer["token"], answer["user"])
    return client


@pytest.fixture()
def demo_patient_store(live_server, store):
    """Return the store signed in as the demo patient (nothing pulled yet)."""
    sign_in_store(store, live_server.url, DEMO_PATIENT, DEMO_PASSWORD)
    return store


@pytest.fixture()
def new_patient(live_server):
    """Make a patient with no history and a piriformis plan that started 14 days ago."""

    def make(protocol_id="piriformis-neural-gliding", days_ago=14, timezone="UTC"):
        physio = ApiClient(live_server.url)
        physio.sign_in(DEMO_PHYSIO, DEMO_PASSWORD)
        email = f"device.test.{next(_numbers)}.{os.getpid()}@example.org"
        password = "a phone in my pocket"
        created = physio.post(
            "/patients", {"email": email, "display_name": "Device Test", "timezone": timezone}
        )
        ApiClient(live_server.url).activate(email, created["activation"]["code"], password)
        start = datetime.now(UTC).date() - timedelta(days=days_ago)
        plan = physio.post(
            f"/patients/{created['id']}/plans",
            {"protocol_id": protocol_id, "start_date": start.isoformat()},
        )
        return {"email": email, "password": password, "patient_id": created["id"], "plan": plan}

    return make


@pytest.fixture()
def patient_store(live_server, store, new_patient):
    """Return (store, patient) signed in as a fresh patient with a plan (nothing pulled yet)."""
    patient = new_patient()
    sign_in_store(store, live_server.url, patient["email"], patient["password"])
    return store, patient


@pytest.fixture()
def load_plan(store):
    """Put a plan on a shipped protocol (protocols/*.yaml) into the store, as a pull would."""
    from server.protocols.loader import load_protocol_file, protocols_dir

    def load(protocol_id, start, surgery=None, revisions=(), plan_id=1, status="active"):
        content, problems = load_protocol_file(protocols_dir() / f"{protocol_id}.yaml")
        assert not problems, problems
        first = {"number": 1, "effective_from": start.isoformat(), "adjustments": {}}
        plan = {
            "id": plan_id,
            "patient_id": 1,
            "protocol_id": protocol_id,
            "protocol_version": content["version"],
            "start_date": start.isoformat(),
            "surgery_date": surgery and surgery.isoformat(),
            "end_date": None,
            "status": status,
            "revisions": [first, *revisions],
        }
        version = {"id": protocol_id, "version": content["version"], "content": content}
        store.apply_changes({"plans": [plan], "protocol_versions": [version]})
        return plan, content

    return load
