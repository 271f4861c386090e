"""The exercise's figure moves with the hold timer in a real window, and stands still paused.

The patient's clock is a fake the test moves on by hand (as in test_ui_exercise.py); the figure
is read from what the window draws (the canvas lines of the FigureView), not from the screen's
own numbers. Set STRIDE_FIGURE_SHOTS to a folder to keep a screenshot at several moments of a
hold.
"""

import math
import os

import pytest

from domain.figures import LENGTHS, segments
from tests.mobile.conftest_ui import (
    on_screen,
    pump,
    scroll_into_view,
    stride_app,
    tap,
    x_display,
)
from tests.mobile.test_screens import (
    PASSWORD,
    card_of,
    go_tab,
    make_patient,
    screen,
    sign_in,
    synced,
)
from tests.mobile.test_ui_exercise import FakeClock, HeardPlayer

__all__ = ["stride_app", "x_display"]  # fixtures used by name below


@pytest.fixture(scope="module")
def patient(live_server):
    """A patient in the first week of the piriformis plan: stretches held 30 s, rests of 15 s."""
    return make_patient(live_server, "Fern Figure", "piriformis-neural-gliding", 2)


def drawn(figure_view) -> list[tuple[float, ...]]:
    """Return the points of every line the figure's canvas draws now."""
    return [tuple(round(p, 1) for p in line.points) for line in figure_view._bones.values()]


def shoot(name: str) -> None:
    folder = os.environ.get("STRIDE_FIGURE_SHOTS")
    if folder:
        from kivy.core.window import Window

        pump(seconds=0.2)
        Window.screenshot(os.path.join(folder, f"{name}.png"))


def frames(seconds: float = 0.1) -> None:
    pump(seconds=seconds)


def test_the_figure_holds_with_the_hold_rests_with_the_rest_and_stops_when_paused(
    stride_app, live_server, patient
):
    sign_in(stride_app, live_server.url, patient["email"], PASSWORD)
    sm = stride_app.root.ids.sm
    pump(lambda: sm.current == "today" and synced(stride_app), what="Today after sign-in")
    today = screen(stride_app, "today")
    pump(lambda: today.view is not None and synced(stride_app), what="Today after sync")
    card = card_of(today, "supine-piriformis-stretch")
    assert card.figure is not None and drawn(card.ids.still)  # the still on the Today card
    scroll_into_view(card)
    shoot("0-today")
    tap(next(b for b in on_screen(card, "Start", "RoundButton")))
    exercise = screen(stride_app)
    exercise.now, exercise.player = FakeClock(), HeardPlayer(exercise.player)
    view = exercise.ids.figure
    frames()
    lying = drawn(view)  # on the back, knees bent
    assert lying and exercise.mode == "ready"
    shoot("1-ready")

    tap(exercise.ids.toggle)  # Start: the first 30 s hold
    assert exercise.mode == "hold"
    exercise.now.advance(1.0)
    frames()
    on_the_way_up = drawn(view)
    assert on_the_way_up != lying
    shoot("2-moving-up")
    exercise.now.advance(9.0)
    frames()
    held = drawn(view)
    assert held != on_the_way_up
    shoot("3-holding")
    exercise.now.advance(10.0)
    frames()
    assert drawn(view) == held  # a hold holds still

    tap(exercise.ids.toggle)  # Pause
    assert exercise.mode == "paused"
    exercise.now.advance(15.0)
    frames(0.3)
    assert drawn(view) == held  # paused, it does not move however long the pause

    tap(exercise.ids.toggle)  # Continue: the last 10 s of the hold, then the rest
    exercise.now.advance(10.5)
    pump(lambda: exercise.mode == "rest", timeout=5, what="the rest")
    exercise.now.advance(0.5)
    frames()
    going_down = drawn(view)
    assert going_down not in (held, lying)
    shoot("4-moving-down")
    exercise.now.advance(5.0)
    frames()
    assert drawn(view) == lying  # rests lying down, as the rep began
    shoot("5-resting")
    tap(exercise.ids.toggle)
    assert exercise.mode == "paused"


def test_a_clamshell_on_the_phone_bends_the_knees_and_opens_the_top_one(
    stride_app, live_server, patient
):
    # The phone draws the front view's depth joints from domain.figures, as the review sheet
    # does: the lines on the canvas are that geometry's segments, placed in the widget.
    exercise = start_from_today(stride_app, "side-lying-clamshell")
    view = exercise.ids.figure
    frames()
    figure = view.figure
    expected = {s.part: (*view._px(s.a), *view._px(s.b)) for s in segments(figure, figure.start)}
    lines = {part: tuple(line.points) for part, line in view._bones.items()}
    assert lines.keys() == expected.keys()
    assert all(lines[part] == pytest.approx(expected[part]) for part in expected)
    start = points_drawn(view)
    shoot("clamshell-0-start")

    tap(exercise.ids.toggle)  # Start: a 3 s hold, the knee opens in the first second
    exercise.now.advance(2.0)
    frames()
    opened = points_drawn(view)
    shoot("clamshell-1-open")
    gap = math.dist(start["knee_left"], start["knee_right"])
    assert math.dist(opened["knee_left"], opened["knee_right"]) > 2 * gap  # the shell opens
    assert math.dist(opened["ankle_left"], opened["ankle_right"]) < gap  # the feet stay together
    bent = math.dist(start["hip_right"], start["ankle_right"])
    assert bent < 0.8 * (LENGTHS["thigh"] + LENGTHS["shank"]) * view._frame[1]  # knees bent
    tap(exercise.ids.toggle)  # Pause


def start_from_today(stride_app, exercise_id: str):
    """Go to Today, tap the exercise card's Start; return the exercise screen on a fake clock."""
    go_tab(stride_app, "today")
    pump(lambda: stride_app.root.ids.sm.current == "today", what="Today")
    card = card_of(screen(stride_app, "today"), exercise_id)
    scroll_into_view(card)
    tap(next(b for b in on_screen(card, "Start", "RoundButton")))
    exercise = screen(stride_app)
    exercise.now, exercise.player = FakeClock(), HeardPlayer(exercise.player)
    return exercise


def points_drawn(view) -> dict[str, tuple[float, float]]:
    """Return the hips, knees and ankles where the canvas draws the thighs and shanks."""
    bones = {part: line.points for part, line in view._bones.items()}
    found = {}
    for side in ("left", "right"):
        thigh, shank = bones[f"thigh_{side}"], bones[f"shank_{side}"]
        found[f"hip_{side}"], found[f"knee_{side}"] = tuple(thigh[:2]), tuple(thigh[2:])
        found[f"ankle_{side}"] = tuple(shank[2:])
    return found


def test_the_figure_stays_beside_the_ring_and_in_place_with_a_pain_score_and_through_a_rest(
    stride_app, live_server, patient
):
    # With "Pain before: 2" under the sets done, the text beside the ring is at its longest:
    # the figure must still sit within the ring's height (not up against the exercise's name)
    # and stand where it stood when the one-line rest follows the two-line hold.
    exercise = start_from_today(stride_app, "supine-piriformis-stretch")
    plus = next(b for b in on_screen(exercise.ids.pain_before, "+"))
    for _ in range(3):  # nothing, then 0, 1, 2
        tap(plus)
    assert exercise.ids.pain_before.value == 2

    def top(widget) -> float:
        return widget.to_window(widget.x, widget.top)[1]

    tap(exercise.ids.toggle)  # Start: a 30 s hold
    exercise.now.advance(10.0)
    frames()
    ring, view = exercise.ids.ring, exercise.ids.figure
    assert "Pain before: 2" in exercise.counter_text
    assert top(view) <= top(ring) + 0.5, (top(view), top(ring))
    holding = view.to_window(*view.pos)
    exercise.now.advance(21.0)
    pump(lambda: exercise.mode == "rest", timeout=5, what="the rest")
    frames()
    assert exercise.small_text.count("\n") == 0  # "Rest 15 s": one line
    assert view.to_window(*view.pos) == pytest.approx(holding)
    tap(exercise.ids.toggle)  # Pause
