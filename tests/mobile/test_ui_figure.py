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
    _rect,
    describe,
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
from tests.mobile.test_ui_exercise import FakeClock, HeardPlayer, window_size

__all__ = ["stride_app", "window_size", "x_display"]  # fixtures used by name below


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


def test_the_figure_is_large_clear_of_the_text_and_in_place_with_a_pain_score_and_through_a_rest(
    stride_app, live_server, patient, window_size
):
    # With "Pain before: 2" under the sets done, the text around the figure is at its longest:
    # on a phone, a small phone and a tablet the figure's box must touch neither the name, the
    # ring, the text nor the buttons, the figure must be drawn large (a standing height at
    # least a fifth of the window's height: design choice, the old 75 px box drew it at 15 %),
    # and it must stand where it stood when the one-line rest follows the two-line hold.
    from kivy.core.window import Window

    for size in ((420, 860), (360, 640), (1024, 768)):
        window_size(size)
        exercise = start_from_today(stride_app, "supine-piriformis-stretch")
        plus = next(b for b in on_screen(exercise.ids.pain_before, "+"))
        for _ in range(3):  # nothing, then 0, 1, 2
            tap(plus)
        assert exercise.ids.pain_before.value == 2
        tap(exercise.ids.toggle)  # Start: a 30 s hold
        exercise.now.advance(10.0)
        frames()
        view = exercise.ids.figure
        assert "Pain before: 2" in exercise.counter_text
        assert view.get_root_window() is Window, f"{size}: the figure is not on show"
        assert_drawn_inside(view, f"{size}, holding")
        texts = [w for w in on_screen(exercise.ids.timer, kind=None) if _is_text(w)]
        assert any("Pain before: 2" in w.text for w in texts), size
        for other in [exercise.ids.ring, exercise.ids.toggle, *texts]:
            assert not overlap(_rect(view), _rect(other)), (size, describe(other))
        scale = view._frame[1]
        assert scale >= 0.2 * Window.height, f"{size}: a standing height is {scale:.0f} px"
        holding = _rect(view)
        exercise.now.advance(21.0)
        pump(lambda e=exercise: e.mode == "rest", timeout=5, what="the rest")
        frames()
        assert exercise.small_text.count("\n") == 0  # "Rest 15 s": one line
        assert _rect(view) == pytest.approx(holding), size
        tap(exercise.ids.toggle)  # Pause
        tap(stride_app.root.ids.back)


def _is_text(widget) -> bool:
    from kivy.uix.label import Label

    return isinstance(widget, Label) and bool(widget.text.strip()) and widget.width > 0


def overlap(a, b) -> bool:
    """Tell whether two (left, bottom, right, top) boxes share more than an edge."""
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def drawn_extent(view) -> tuple[float, float, float, float]:
    """Return (left, bottom, right, top) of the points of every line and shape the canvas draws."""
    from kivy.graphics import Ellipse, Line, Rectangle

    xs, ys = [], []
    for part in view.canvas.children:
        if isinstance(part, Line) and part.points:
            xs += part.points[0::2]
            ys += part.points[1::2]
        elif isinstance(part, Ellipse | Rectangle):
            xs += [part.pos[0], part.pos[0] + part.size[0]]
            ys += [part.pos[1], part.pos[1] + part.size[1]]
    return min(xs), min(ys), max(xs), max(ys)


def assert_drawn_inside(view, what: str) -> None:
    left, bottom, right, top = drawn_extent(view)
    box = (view.x, view.y, view.right, view.top)
    inside = box[0] - 0.5 <= left and right <= box[2] + 0.5 and box[1] <= bottom and top <= box[3]
    assert inside, f"{what}: drawn over {(left, bottom, right, top)}, the widget is {box}"


def test_after_the_window_narrows_the_next_exercise_draws_its_figure_inside_its_widget(
    stride_app, live_server, patient, window_size
):
    # A tablet made narrower, and a phone-sized window made narrower with the figure across
    # the card both times (its box keeps its x and changes its width alone: the old FigureView
    # drew it for the width it had before, until Start).
    sm = stride_app.root.ids.sm
    for wide, narrow in (((1024, 768), (600, 768)), ((420, 860), (380, 860))):
        window_size(wide)
        first = start_from_today(stride_app, "supine-piriformis-stretch")
        frames(0.3)
        assert_drawn_inside(first.ids.figure, f"{wide}: the first exercise")
        tap(stride_app.root.ids.back)
        pump(lambda: sm.current == "today" and not sm.transition.is_active, what="Today")
        frames(0.3)
        window_size(narrow)
        second = start_from_today(stride_app, "side-lying-clamshell")
        frames(0.3)
        assert second.mode == "ready"
        assert_drawn_inside(second.ids.figure, f"{narrow}: the second exercise, before Start")
        tap(stride_app.root.ids.back)


def test_on_a_tablet_a_screen_sliding_in_never_shows_outside_the_middle_column(
    stride_app, live_server, patient, window_size, tmp_path
):
    # The screens slide inside a 760 dp column; its margins must stay background while they
    # do (the column clips its screens only during a slide: mobile/widgets/screens.py).
    from kivy.core.window import Window
    from PIL import Image

    from mobile.widgets import theme

    window_size((1024, 768))
    go_tab(stride_app, "today")
    sm = stride_app.root.ids.sm
    pump(lambda: sm.current == "today" and not sm.transition.is_active, what="Today")
    card = card_of(screen(stride_app, "today"), "supine-piriformis-stretch")
    scroll_into_view(card)
    panes, bg = stride_app.root.ids.panes, [round(c * 255) for c in theme.BG[:3]]
    assert panes.padding[0] > 100, panes.padding  # the column has margins at this size

    def margins_off(name: str) -> list:
        """Points of the margins beside the column not drawn in the background colour."""
        shot = Image.open(Window.screenshot(str(tmp_path / name))).convert("RGB")
        columns = [int(panes.padding[0]) // 2, Window.width - int(panes.padding[2]) // 2]
        rows = range(int(Window.height - sm.top) + 10, int(Window.height - sm.y) - 10, 7)
        return [
            (x, y)
            for x in columns
            for y in rows
            if max(abs(a - b) for a, b in zip(shot.getpixel((x, y)), bg, strict=True)) > 6
        ]

    # Still, the margins are background once the X server has the new size (it can lag
    # behind Window.size by a few frames): only then does a shot of the slide mean anything.
    pump(lambda: not margins_off("still.png"), timeout=10, what="a still frame of the new size")
    # A slow slide: on a loaded machine one late frame would end a short one before its shot.
    sm.transition.duration, duration = 3.0, sm.transition.duration
    tap(next(b for b in on_screen(card, "Start", "RoundButton")))
    assert sm.transition.is_active, "the slide ended before it could be seen"
    pump(seconds=0.5)
    assert sm.transition.is_active
    off = margins_off("slide.png")
    assert not off, f"drawn in the margins while sliding, at {len(off)} points, e.g. {off[:3]}"
    pump(lambda: not sm.transition.is_active, what="the end of the slide")
    sm.transition.duration = duration
    tap(stride_app.root.ids.back)


def test_the_steps_under_the_moving_figure_are_drawn_and_follow_a_swipe(
    stride_app, live_server, patient, tmp_path
):
    # The steps' page is drawn through a texture kept while the figure moves above it
    # (mobile/widgets/snapshot.py): it must show the cards, and show them moved after a swipe.
    from kivy.core.window import Window
    from PIL import Image, ImageChops

    from tests.mobile.test_ui_exercise import swipe_to_bottom

    exercise = start_from_today(stride_app, "supine-piriformis-stretch")
    tap(exercise.ids.toggle)  # Start: the figure moves on every frame
    exercise.now.advance(0.5)
    frames(0.3)
    page = exercise.ids.page

    def seen() -> Image.Image:
        frames(0.7)  # the scroll bar fades out over half a second
        left, bottom, right, top = (round(v) for v in _rect(page))
        shot = Image.open(Window.screenshot(str(tmp_path / "page.png"))).convert("RGB")
        return shot.crop((left, Window.height - top, right, Window.height - bottom))

    before = seen()
    white = before.histogram()[255]  # pixels with full red: the white cards, not the grey page
    assert white > 0.3 * before.width * before.height, "the steps' cards are not drawn"
    swipe_to_bottom(page)
    after = seen()
    assert ImageChops.difference(before, after).getbbox(), "the steps look the same after a swipe"
    tap(exercise.ids.toggle)  # Pause


def test_a_figure_whose_box_narrows_in_place_is_drawn_inside_its_new_width(stride_app, patient):
    # Its x stays and its width alone changes (as when a window narrows with the figure across
    # the card): in a size callback `center_x` can still hold the old width.
    from mobile.widgets.figure import FigureView

    figure = start_from_today(stride_app, "side-lying-clamshell").figure
    tap(stride_app.root.ids.back)
    view = FigureView(size_hint=(None, None), pos=(200, 0), size=(800, 120))
    view.figure = figure
    frames(0.2)
    assert_drawn_inside(view, "800 wide")
    view.width = 400
    frames(0.2)
    assert_drawn_inside(view, "narrowed to 400")


def test_an_ankle_weight_is_drawn_over_the_leg_and_lifts_with_it(stride_app, patient):
    # The side-lying abduction with an ankle weight: the cuff the window draws is the shared
    # geometry's, round the top ankle, and it rises with the leg.
    import yaml
    from kivy.core.window import Window
    from kivy.graphics import Quad

    from domain.figures import Figure, ankle_weight_shape, figure_points
    from mobile.widgets.figure import FigureView
    from tests.unit.shipped_protocols import PROTOCOLS_DIR

    doc = yaml.safe_load((PROTOCOLS_DIR / "ischiofemoral-impingement.yaml").read_text())
    exercise = next(
        e
        for phase in doc["phases"]
        for e in phase["exercises"]
        if e["id"] == "weighted-side-lying-abduction"
    )
    figure = Figure.from_dict(exercise["figure"])
    view = FigureView(size_hint=(None, None), pos=(40, 40), size=(600, 300))
    view.figure = figure
    Window.add_widget(view)
    try:
        cuffs = []
        for pose in figure.poses:
            view.pose = pose
            frames(0.2)
            drawn_quads = [i for i in view.canvas.children if isinstance(i, Quad)]
            assert len(drawn_quads) == 1
            expected = ankle_weight_shape(figure_points(figure, pose), "ankle_right")
            assert drawn_quads[0].points == pytest.approx(
                [v for p in expected for v in view._px(p)]
            )
            cuffs.append(drawn_quads[0].points)
        # Drawn after (over) the leg's bones.
        order = list(view.canvas.children)
        assert order.index(drawn_quads[0]) > order.index(view._bones["shank_right"])
        lifted = sum(cuffs[1][1::2]) / 4 - sum(cuffs[0][1::2]) / 4
        assert lifted > 20, lifted  # up with the leg, in pixels
    finally:
        Window.remove_widget(view)
