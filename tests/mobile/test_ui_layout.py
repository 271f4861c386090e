"""Screens fit their window: two panes for staff on a wide one, large text on a small phone.

Wide: the physio's patient list stays on the left while a patient opens on the right (the
clinician's queue and an alert likewise), the window may change width at any time, and every
control a finger can see still takes its touch. Large text: at 360x640 with every text size at
130 % (STRIDE_FONT_SCALE, read once when the app starts, hence a child process) no text on a
patient's screens is cut short, clipped or drawn outside its box, and nothing sticks out of the
window. The child (`python -m tests.mobile.test_ui_layout`) tours the screens with real taps
and prints what it found as JSON.
"""

import json
import sys
import traceback

import pytest

from tests.mobile.conftest import DEMO_CLINICIAN, DEMO_PASSWORD, DEMO_PHYSIO
from tests.mobile.conftest_ui import (
    _rect,
    idle,
    open_dialog,
    pump,
    scroll_into_view,
    settle,
    stride_app,
    tap,
    x_display,
)
from tests.mobile.test_reachability import (
    VISITED,
    button,
    close,
    go_tab,
    open_screen,
    probe,
    screen,
    seen,
    sign_in,
    today_cards,
    top_layer,
)
from tests.mobile.test_screens import PASSWORD, make_patient
from tests.mobile.test_standalone import run_child

__all__ = ["stride_app", "x_display"]  # fixtures used by name below
PHONE, SMALL, TABLET = (420, 860), (360, 640), (1024, 768)
LARGE_TEXT = "1.3"


def resize(app, size: tuple[int, int]) -> None:
    """Give the window another size, as turning a tablet or dragging a desktop window does."""
    from kivy.core.window import Window

    Window.size = size
    pump(lambda: tuple(app.root.size) == size, timeout=5, what=f"the window at {size}")
    pump(seconds=0.3)  # the layout follows over a frame or two


def left_of(widget, other) -> bool:
    """Tell whether a widget lies wholly to the left of another one, in window coordinates."""
    return _rect(widget)[2] <= _rect(other)[0] + 1


def probe_wide(app, what: str) -> None:
    """Touch every visible control (test_reachability's probe) without adding to its tours."""
    try:
        probe(app, "wide window", what)
    finally:
        VISITED.pop("wide window", None)  # its tours check their own screens only


# -- two panes on a wide window


@pytest.fixture
def phone_window_after(stride_app):
    """Give the window its phone size back after each test, passed or failed: the app is
    shared by the whole session and the next module expects a phone."""
    yield
    from kivy.core.window import Window

    if tuple(Window.size) != PHONE:
        resize(stride_app, PHONE)


def test_a_physio_on_a_wide_window_keeps_the_list_beside_the_patient(
    stride_app, live_server, phone_window_after
):
    app, shell = stride_app, stride_app.root
    resize(app, PHONE)
    sign_in(app, live_server.url, DEMO_PHYSIO, DEMO_PASSWORD, "patients")
    assert not shell.split
    resize(app, TABLET)
    side, sm = shell.ids.side, shell.ids.sm
    pump(lambda: shell.split and side.current == "patients", what="the list on the left")
    assert sm.current == "choose" and shell.screen_title == "My patients"
    rows = list(reversed(side.current_screen.ids.rows.children))
    first, second = rows[0], rows[1]
    assert left_of(first, sm), "the list and the right pane overlap"
    tap(first)
    pump(lambda: sm.current == "patient" and screen(app).data and idle(app), what="a patient")
    detail = screen(app)
    assert first.get_root_window() is not None, "the list left the window"
    assert left_of(side, detail) and shell.screen_title == f"My patients · {first.name}"
    assert shell.ids.back.get_root_window() is None, "Back to a list that is in view"
    probe_wide(app, "the patient list beside a patient")
    tap(second)
    pump(lambda: detail.data and detail.patient["display_name"] == second.name and idle(app))
    assert shell.screen_title == f"My patients · {second.name}"
    resize(app, PHONE)  # the window narrows: one screen at a time, Back to the list
    pump(lambda: not shell.split and sm.current == "patient", what="the patient alone")
    assert shell.screen_title == second.name
    tap(shell.ids.back)
    open_screen(app, "patients")
    assert _rect(screen(app))[2] - _rect(screen(app))[0] == PHONE[0]


def test_a_clinician_on_a_wide_window_keeps_the_queue_beside_the_alert(
    stride_app, live_server, phone_window_after
):
    app, shell = stride_app, stride_app.root
    resize(app, TABLET)
    sign_in(app, live_server.url, DEMO_CLINICIAN, DEMO_PASSWORD, "choose")
    side, sm = shell.ids.side, shell.ids.sm
    pump(lambda: side.current == "alerts" and idle(app), what="the queue on the left")
    probe_wide(app, "the alert queue beside the prompt")
    row = next(iter(reversed(side.current_screen.ids.rows.children)))
    tap(row)
    pump(lambda: sm.current == "alert" and screen(app).rationale and idle(app), what="an alert")
    assert row.get_root_window() is not None and left_of(side, screen(app))
    probe_wide(app, "the alert queue beside an alert")
    tap(next(t for t in shell.ids.tabs.children if t.target == "patients"))
    pump(lambda: side.current == "patients" and sm.current == "choose" and idle(app))
    assert shell.screen_title == "Patients"  # its list on the left, the right pane waits
    resize(app, PHONE)
    pump(lambda: not shell.split and sm.current == "patients", what="the list alone")
    assert not sm.has_screen("choose")


# -- a small phone with large text


def cut_off(label) -> str:
    """Return how a label's text is cut short, clipped or out of its box ("" when it is not)."""
    text = label.text.strip()
    if not text or not seen(label):
        return ""
    width = label.text_size[0] or None
    if label.shorten:
        needs, room = measure(label, None)[0], width or label.width
        return f"cut short (needs {needs:.0f} px, has {room:.0f})" if needs > room + 1 else ""
    if label.max_lines and measure(label, width)[1] > label.texture_size[1] + 1:
        return "cut short (lines left out)"
    broken = [w for w in text.split() if width and measure(label, None, w)[0] > width + 1]
    if broken:
        return f"{broken[0]!r} broken across lines"
    if label.text_size[1] is not None and measure(label, width)[1] > label.text_size[1] + 1:
        return "clipped at the bottom"
    if label.texture_size[0] > label.width + 1 or label.texture_size[1] > label.height + 1:
        return "larger than its box"
    return ""


def measure(label, width, text=None):
    """Return the size the label's text (or this text) needs at a width (None: one line), uncut."""
    from kivy.core.text import Label as CoreLabel
    from kivy.core.text.markup import MarkupLabel
    from kivy.uix.label import Label

    options = {name: getattr(label, name) for name in Label._font_properties}
    options.update(text_size=(width, None), usersize=(width, None), shorten=False, max_lines=0)
    options["text"] = label.text if text is None else text
    core = (MarkupLabel if label.markup else CoreLabel)(**options)
    core.refresh()
    return core.content_size


def off_window(widget) -> bool:
    """Tell whether a drawn widget sticks out of the window at the left or the right."""
    from kivy.core.window import Window

    left, _bottom, right, _top = _rect(widget)
    return seen(widget) and (left < -1 or right > Window.width + 1)


def problems_on_show(app, what: str) -> list[str]:
    """Return every text cut off and every widget out of the window on what is on show."""
    from kivy.uix.label import Label

    settle(app.root.ids.sm.current_screen)  # no slide or dialog fade under way
    found = []
    for widget in top_layer().walk(restrict=True):
        how = cut_off(widget) if isinstance(widget, Label) else ""
        if not how and off_window(widget):
            how = "out of the window"
        if how:
            text = getattr(widget, "text", "")
            found.append(f"{what}: {type(widget).__name__} {text[:50]!r} {how}")
    return found


def large_text_tour(app, server_url: str, people: dict, looked_at: list, problems: list) -> None:
    """Visit a patient's screens and dialogs, noting what was looked at and what is cut off."""

    def look(what):
        looked_at.append(what)
        problems.extend(problems_on_show(app, what))

    look("sign-in")
    sign_in(app, server_url, people["patient"], PASSWORD, "today")
    look("Today")
    first = today_cards(app)[0]
    tap(button(first, "Skip"))
    look("the skip dialog")
    close(open_dialog("ChoiceDialog"))
    tap(button(first, "Start"))
    open_screen(app, "exercise")
    look("the exercise")
    exercise = screen(app)
    if not exercise.ids.toggle.disabled:
        tap(exercise.ids.toggle)
        look("the exercise, running")
    tap(exercise.ids.stop_button)
    look("the stop dialog")
    close(open_dialog("ChoiceDialog"))
    tap(app.root.ids.back)
    open_screen(app, "today")
    for tab, what in (("pain", "the pain check-in"), ("redflag", "the red-flag check")):
        go_tab(app, tab)
        look(what)
    go_tab(app, "progress")
    look("progress")
    go_tab(app, "today")
    tap(app.root.ids.reminder_times)
    open_screen(app, "reminders")
    look("the reminder times")
    tap(app.root.ids.back)
    open_screen(app, "today")
    tap(screen(app).ids.start_lefs)
    open_screen(app, "outcome")
    look("the LEFS")
    form = screen(app)
    scroll_into_view(form.cards[-1])
    look("the LEFS, its last items")
    tap(app.root.ids.back)
    open_screen(app, "today")
    go_tab(app, "redflag")
    check = screen(app)
    yes = next(c for c in check.cards["saddle_numbness"].ids.chips.children if c.text == "Yes")
    scroll_into_view(yes)
    tap(yes)
    open_screen(app, "urgent")
    look("the urgent advice")
    sign_in(app, server_url, people["postop"], PASSWORD, "today")
    start = screen(app).ids.start_postop
    pump(lambda: start.get_root_window() is not None, what="the daily check offered")
    look("Today after surgery")
    tap(start)
    open_screen(app, "postop")
    look("the post-operative check")


def child(argv: list[str]) -> None:
    """In the child: start the app at 360x640 (text already scaled), tour, print the report."""
    args = json.loads(argv[0])
    from kivy.config import Config

    Config.set("graphics", "width", str(SMALL[0]))
    Config.set("graphics", "height", str(SMALL[1]))
    from kivy.metrics import Metrics

    from mobile.app import StrideApp

    app = StrideApp(server_url=args["server"], data_dir=args["data_dir"])
    app._run_prepare()
    pump(lambda: app.root.ids.sm.current == "signin", what="the sign-in screen")
    report = {"fontscale": Metrics.fontscale, "size": list(app.root.size), "error": ""}
    looked_at, problems = [], []
    try:
        large_text_tour(app, args["server"], args, looked_at, problems)
    except Exception:  # Kivy's logger swallows stderr: the parent reads the failure here
        report["error"] = traceback.format_exc()
    finally:
        app.stop()
    report["looked_at"], report["problems"] = looked_at, problems
    print(json.dumps(report))


def test_a_patients_screens_fit_a_small_phone_with_text_at_130_percent(
    x_display, live_server, tmp_path
):
    people = {
        "patient": make_patient(live_server, "Lee Layout", "ischiofemoral-impingement", 14),
        "postop": make_patient(live_server, "Max Layout", "hamstring-repair", 20, surgery=True),
    }
    args = {"server": live_server.url, "data_dir": str(tmp_path / "phone")}
    args |= {role: who["email"] for role, who in people.items()}
    report = run_child(args, __name__, STRIDE_FONT_SCALE=LARGE_TEXT)
    assert not report["error"], report["error"] + "\nseen so far: " + ", ".join(report["problems"])
    assert report["fontscale"] == float(LARGE_TEXT) and report["size"] == list(SMALL)
    assert len(report["looked_at"]) >= 12, report["looked_at"]
    assert not report["problems"], "cut off at 360x640, text at 130 %:\n  " + "\n  ".join(
        report["problems"]
    )


if __name__ == "__main__":
    child(sys.argv[1:])
