"""Kivy fixtures for the screen tests: an X display, ONE app per process, and finger helpers.

Imported by tests/mobile/test_screens.py; tests/mobile/conftest.py has already pointed
KIVY_HOME at a temp dir and set KIVY_NO_ARGS before anything imports kivy.
"""

import functools
import os
import shutil
import subprocess
import time

import pytest

SIZE = (420, 860)
# The X screen has room for the largest window a test makes (a 1024 x 768 tablet): the parts of
# a window past the screen's edge are not kept, so a screenshot of them reads undefined pixels.
XVFB_SCREEN = "1280x1024x24"


@pytest.fixture(scope="session")
def x_display():
    """Use the DISPLAY we run under, or start Xvfb for the session (skip if there is none)."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb"):
        pytest.skip("screen tests need an X server: install xvfb (apt-get install xvfb)")
    read, write = os.pipe()
    screen = XVFB_SCREEN
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
    """Fire a button's action directly (only where no finger could: a tour's setup step)."""
    assert not widget.disabled, f"{widget!r} is disabled"
    widget.trigger_action(0)


def describe(widget) -> str:
    """Return a widget's class and text, for failure messages."""
    text = getattr(widget, "text", "")
    return f"{type(widget).__name__}({text[:40]!r})" if text else type(widget).__name__


def _rect(widget) -> tuple[float, float, float, float]:
    """Return (left, bottom, right, top) of a widget in window coordinates."""
    left, bottom = widget.to_window(widget.x, widget.y)
    right, top = widget.to_window(widget.right, widget.top)
    return left, bottom, right, top


def _scroll_views(widget) -> list:
    from kivy.uix.scrollview import ScrollView

    views, node = [], widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            views.append(node)
        node = node.parent
    return views


def _inside(point, rect) -> bool:
    x, y = point
    left, bottom, right, top = rect
    return left <= x <= right and bottom <= y <= top


def settle(widget) -> None:
    """Wait until the widget stays put: no transition moves it, the layout is done with it."""
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView
    from kivy.uix.screenmanager import ScreenManager

    def fading() -> bool:  # a dialog fading in or out already or still takes the touches
        return any(isinstance(w, ModalView) and w._anim_alpha < 1 for w in Window.children)

    pump(lambda: not fading(), timeout=5, what="a dialog to finish opening or closing")
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScreenManager):
            pump(lambda m=node: not m.transition.is_active, timeout=5, what="the transition")
        node = node.parent
    seen = [None]

    def still() -> bool:
        now = (_rect(widget), widget.size)
        same, seen[0] = now == seen[0], now
        return same

    pump(still, timeout=5, what=f"{describe(widget)} to stay put")


def _in_view(widget, view) -> bool:
    """Tell whether the widget is wholly in the view's visible part (its middle, if taller)."""
    left, bottom, right, top = _rect(widget)
    v_left, v_bottom, v_right, v_top = _rect(view)
    if top - bottom > v_top - v_bottom:
        x, y = widget.to_window(*widget.center)
        return v_left < x < v_right and v_bottom < y < v_top
    return v_left <= left and right <= v_right and v_bottom <= bottom and top <= v_top


def scroll_into_view(widget) -> None:
    """Scroll every ScrollView around the widget until a finger can see all of it."""
    from kivy.metrics import dp

    for view in _scroll_views(widget):
        if _in_view(widget, view):
            continue
        view.scroll_to(widget, padding=dp(16), animate=False)
        pump(
            lambda v=view: _in_view(widget, v),
            timeout=5,
            what=f"{describe(widget)} to scroll into view",
        )


@functools.cache
def _finger():
    """Return the touch class (built on first use: Kivy must not load before the window)."""
    from kivy.tests.common import UnitTestTouch

    class FingerTouch(UnitTestTouch):
        """A touch that records every widget that grabs it: the ones that handle it."""

        def __init__(self, x, y):
            self.grabbed = []
            super().__init__(x, y)

        def grab(self, class_instance, exclusive=False):
            self.grabbed.append(class_instance.__self__)
            super().grab(class_instance, exclusive)

    return FingerTouch


def tap(widget, at=None, hold: float = 0.12) -> None:
    """Touch a widget through the Window as a finger does, and check it got the touch.

    `at` is the point to touch, in the widget's own position coordinates (its centre by
    default). The widget must be in the window's widget tree and enabled; a ScrollView around
    it is scrolled first. The touch goes down, stays `hold` seconds (past ScrollView's 55 ms wait
    before it hands a still touch to its children) and lifts; the widget must have grabbed it.
    """
    from kivy.base import EventLoop
    from kivy.core.window import Window

    assert widget.get_root_window() is Window, f"{describe(widget)} is not on screen"
    assert not widget.disabled, f"{describe(widget)} is disabled"
    settle(widget)
    scroll_into_view(widget)
    assert widget.get_root_window() is Window, f"{describe(widget)} left the screen meanwhile"
    x, y = widget.to_window(*(at or widget.center))
    assert _inside((x, y), (0, 0, Window.width - 1, Window.height - 1)), (
        f"{describe(widget)} is off the window at ({x:.0f}, {y:.0f})"
    )
    touch = _finger()(x, y)
    EventLoop.post_dispatch_input("begin", touch)
    pump(seconds=hold)
    EventLoop.post_dispatch_input("end", touch)
    pump(seconds=0.05)
    target = widget.__self__  # ids hand out weak proxies; grabs record the widget itself
    got = [describe(w) for w in touch.grabbed if not _is_scroll_view(w)] or "nothing"
    assert any(w is target for w in touch.grabbed), (
        f"a touch at ({x:.0f}, {y:.0f}) meant for {describe(widget)} went to {got}"
    )


def _is_scroll_view(widget) -> bool:
    from kivy.uix.scrollview import ScrollView

    return isinstance(widget, ScrollView)


def on_screen(root, text: str | None = None, kind: str | None = None) -> list:
    """Return the widgets in the tree under `root` with this text and/or class name."""
    return [
        w
        for w in root.walk(restrict=True)
        if (text is None or getattr(w, "text", None) == text)
        and (kind is None or type(w).__name__ == kind)
    ]


def the(root, text: str | None = None, kind: str | None = None):
    """Return the one widget in the tree under `root` with this text and/or class name."""
    found = on_screen(root, text, kind)
    assert len(found) == 1, f"expected one {kind or 'widget'} {text!r}, found {len(found)}"
    return found[0]


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
    from kivy.core.window import Window

    from mobile.app import StrideApp

    app = StrideApp(server_url=live_server.url, data_dir=str(tmp_path_factory.mktemp("device")))
    app._run_prepare()  # build and on_start, without entering Kivy's blocking main loop
    assert Window.children == [app.root], f"the window holds more than this app: {Window.children}"
    pump(lambda: app.root.ids.sm.current == "signin", what="the sign-in screen")
    yield app
    app.stop()
    # App.stop removes the window's children while it iterates over them, so with a dialog
    # still open it skips every other one and the old Shell stays in the window, under the
    # next module's (its screens are then found, and touched, beside the new ones).
    for child in list(Window.children):
        Window.remove_widget(child)
    pump(seconds=0.1)
