"""Kivy fixtures for the screen tests: an X display, ONE app per process, and finger helpers.

Imported by tests/mobile/test_screens.py; tests/mobile/conftest.py has already pointed
KIVY_HOME at a temp dir and set KIVY_NO_ARGS before anything imports kivy.
"""

import os
import shutil
import subprocess
import time

import pytest

SIZE = (420, 860)


@pytest.fixture(scope="session")
def x_display():
    """Use the DISPLAY we run under, or start Xvfb for the session (skip if there is none)."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb"):
        pytest.skip("screen tests need an X server: install xvfb (apt-get install xvfb)")
    read, write = os.pipe()
    screen = f"{SIZE[0]}x{SIZE[1]}x24"
    # -displayfd: Xvfb picks a free display number and writes it to us when it is ready.
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    os.environ["DISPLAY"] = f":{number}"
    yield os.environ["DISPLAY"]
    server.terminate()
    server.wait(10)


def pump(until=None, seconds: float = 0.0, timeout: float = 20.0, what="the app"):
    """Run frames until `until()` is true (or for `seconds`); fail after `timeout`."""
    # `what` names the awaited state in the failure message (a callable: what was seen).
    from kivy.base import EventLoop

    deadline = time.monotonic() + (timeout if until else seconds)
    while True:
        EventLoop.idle()
        if until is not None and until():
            return
        if time.monotonic() >= deadline:
            if until is not None:
                shown = what() if callable(what) else what
                raise AssertionError(f"timed out after {timeout} s waiting for {shown}")
            return


def press(widget) -> None:
    """Tap a button or chip as a finger would (press, then release)."""
    assert not widget.disabled, f"{widget!r} is disabled"
    widget.trigger_action(0)


def idle(app) -> bool:
    """Tell whether no background call or sync is in flight."""
    from mobile.screens.background import in_flight

    return in_flight() == 0 and not app.sync.running


def open_dialog(kind: str):
    """Return the open modal dialog of a class name."""
    from kivy.core.window import Window

    found = [w for w in Window.children if type(w).__name__ == kind]
    assert found, f"no {kind} is open"
    return found[0]


@pytest.fixture(scope="module")
def stride_app(x_display, live_server, tmp_path_factory):
    """Start the one StrideApp of this process against the live server; stop it at the end."""
    from kivy.config import Config

    Config.set("graphics", "width", str(SIZE[0]))
    Config.set("graphics", "height", str(SIZE[1]))
    from mobile.app import StrideApp

    app = StrideApp(server_url=live_server.url, data_dir=str(tmp_path_factory.mktemp("device")))
    app._run_prepare()  # build and on_start, without entering Kivy's blocking main loop
    pump(lambda: app.root.ids.sm.current == "signin", what="the sign-in screen")
    yield app
    app.stop()
    pump(seconds=0.1)
