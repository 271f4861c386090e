"""The app runs where the server's libraries are not: a phone has no Flask, SQLAlchemy or psycopg.

Each test starts a child Python (`python -m tests.mobile.test_standalone`) that first puts a
finder at the head of `sys.meta_path` refusing the server and its libraries, records every
attempt to import one (even one an app module catches), then imports every module of mobile/
and domain/ and the entry point main.py, and runs the real app under Xvfb. The child prints
what the app showed as JSON; the test reads it. The server the app talks to is the real one,
serving from this (the parent) process over loopback HTTP.
"""

import importlib
import importlib.abc
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

# Only the standard library, pytest and these test helpers before the child's finder is in place.
from tests.mobile.conftest_ui import SIZE, x_display
from tests.unit.test_app_layering import SERVER_LIBS

__all__ = ["x_display"]  # a fixture, used by name below
ROOT = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT_S = 300


# -- the child: no server libraries, the whole app, one window


class ServerLibrariesAbsent(importlib.abc.MetaPathFinder):
    """Refuse to find the server and its libraries, and remember who asked."""

    def __init__(self):
        self.attempts: list[str] = []

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in SERVER_LIBS:
            return None
        asker = next(
            (
                f"{f.filename}:{f.lineno}"
                for f in reversed(traceback.extract_stack()[:-1])
                if "importlib" not in f.filename and f.filename != __file__
            ),
            "?",
        )
        self.attempts.append(f"{name} (from {asker})")
        raise ImportError(f"{name} is not installed on a phone")


def import_everything() -> list[str]:
    """Import main.py and every module of mobile/ and domain/; return their names."""
    names = ["main"]
    for package in ("domain", "mobile"):
        module = importlib.import_module(package)
        names.append(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            names.append(info.name)
    for name in names:
        importlib.import_module(name)
    return names


def on_show(app) -> dict:
    """Return what the app shows: the screen, its texts, Today's exercises and the sync line."""
    screen = app.root.ids.sm.current_screen
    view = getattr(screen, "view", None)
    return {
        "screen": screen.name,
        "texts": [w.text for w in screen.walk(restrict=True) if getattr(w, "text", "")],
        "exercises": [item.name for item in view.items] if view is not None else [],
        "sync_tone": app.sync_tone,
    }


def run_app(args, report: dict) -> None:
    """Start the app and note what it shows once Today has its plan and the sync is done."""
    from kivy.clock import Clock

    import main
    from mobile.app import StrideApp
    from mobile.screens.background import in_flight

    main.trust_certifi()
    app = StrideApp(
        server_url=args.get("server"),
        email=args.get("email"),
        password=args.get("password"),
        data_dir=args["data_dir"],
    )
    waited = [0.0]

    def look(dt):
        waited[0] += dt
        sm = app.root.ids.sm
        today = sm.get_screen("today") if sm.has_screen("today") else None
        state = app.engine.state() if app.engine is not None else None
        tried = state is not None and (state.last_success or state.last_error)
        settled = tried and in_flight() == 0 and not app.sync.running
        if (today is not None and today.view is not None and settled) or waited[0] > 60:
            report.update(on_show(app))
            app.stop()
            return False
        return True

    def start_looking(*_args) -> None:  # returns None: a true value would stop on_start
        Clock.schedule_interval(look, 0.25)

    app.bind(on_start=start_looking)
    app.run()


def child(argv: list[str]) -> None:
    """Run in the child: block, import, start, and print the report as the last line."""
    finder = ServerLibrariesAbsent()
    sys.meta_path.insert(0, finder)
    args = json.loads(argv[0])
    report: dict = {"imported": [], "error": ""}
    try:
        from kivy.config import Config  # before a module's import opens the window

        Config.set("graphics", "width", str(SIZE[0]))
        Config.set("graphics", "height", str(SIZE[1]))
        for extra in args.get("extra_paths", []):
            sys.path.insert(0, extra)
        report["imported"] = import_everything() + [
            importlib.import_module(m).__name__ for m in args.get("extra_modules", [])
        ]
        if args.get("start", True):
            run_app(args, report)
    except Exception:
        report["error"] = traceback.format_exc()
    report["attempts"] = finder.attempts
    report["loaded"] = sorted(m for m in sys.modules if m.split(".")[0] in SERVER_LIBS)
    print(json.dumps(report))


# -- the parent: the real server, a device folder, and what the child saw


def run_child(args: dict, module: str = __name__, **env: str) -> dict:
    """Run `python -m module` with JSON arguments (and extra environment); return its report.

    The child prints its report as one JSON line, last; Kivy's console log stays on so that a
    failure before the report shows in the assertion.
    """
    env = dict(os.environ, KIVY_NO_ARGS="1", **env)
    env.pop("KIVY_NO_CONSOLELOG", None)
    env["KIVY_HOME"] = tempfile.mkdtemp(prefix="stride-child-kivy-")
    done = subprocess.run(
        [sys.executable, "-m", module, json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
    )
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and lines, f"the child failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1])


def plan_names(store) -> list[str]:
    """Pull the plan into a store here; return the exercise names of its day (UTC, as planned)."""
    from datetime import UTC, datetime

    from mobile.core.sync import SyncEngine
    from mobile.core.today import today_view

    SyncEngine(store).sync_once()
    return [item.name for item in today_view(store, datetime.now(UTC).date()).items]


def assert_standalone(report: dict) -> None:
    """Fail on any import of a server library, attempted or done, and on a failed start."""
    assert not report["error"], report["error"]
    assert not report["attempts"], "app modules import server libraries:\n" + "\n".join(
        report["attempts"]
    )
    assert not report["loaded"], report["loaded"]
    assert "mobile.app" in report["imported"] and "domain.schedule" in report["imported"]


def test_a_patient_signs_in_and_sees_today_without_server_libraries(
    x_display, live_server, new_patient, store, tmp_path
):
    from tests.mobile.conftest import sign_in_store

    patient = new_patient()
    sign_in_store(store, live_server.url, patient["email"], patient["password"])
    expected = plan_names(store)
    report = run_child(
        {
            "server": live_server.url,
            "email": patient["email"],
            "password": patient["password"],
            "data_dir": str(tmp_path / "phone"),
        }
    )
    assert_standalone(report)
    assert report["screen"] == "today", report
    assert expected and report["exercises"] == expected, report["texts"]
    assert report["sync_tone"] == "ok"
    assert any(expected[0] in text for text in report["texts"]), "the first exercise is not drawn"


def test_a_remembered_patient_sees_today_offline_without_server_libraries(x_display, tmp_path):
    from mobile.core.store import Store
    from tests.mobile.conftest import sign_in_store, start_server
    from tests.mobile.test_screens import PASSWORD, make_patient

    server, stop = start_server(str(tmp_path / "server.sqlite3"))  # this test's own server
    try:
        patient = make_patient(server, "Noor Offline", "piriformis-neural-gliding", 14)
        phone = tmp_path / "phone"
        phone.mkdir()
        device = Store(str(phone / "stride.sqlite3"))  # where the app keeps its store
        sign_in_store(device, server.url, patient["email"], PASSWORD)
        expected = plan_names(device)
        device.close()
    finally:
        stop()  # the server is gone: the phone is offline
    report = run_child({"data_dir": str(phone)})
    assert_standalone(report)
    assert report["screen"] == "today", report
    assert expected and report["exercises"] == expected, report["texts"]
    assert report["sync_tone"] == "offline"


def test_the_child_catches_a_server_import_even_when_it_is_caught(tmp_path):
    (tmp_path / "sneaky.py").write_text(
        "try:\n    import sqlalchemy\nexcept ImportError:\n    sqlalchemy = None\n"
    )
    report = run_child(
        {"extra_paths": [str(tmp_path)], "extra_modules": ["sneaky"], "start": False}
    )
    assert not report["error"], report["error"]
    assert [a.split(" ")[0] for a in report["attempts"]] == ["sqlalchemy"]
    assert "sneaky.py" in report["attempts"][0]


if __name__ == "__main__":
    child(sys.argv[1:])
