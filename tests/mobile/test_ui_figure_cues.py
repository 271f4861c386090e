"""The phone draws the pelvic floor's lift and release, the belly and the worktop from
domain.figures, as the review sheet does (read from the FigureView's canvas in a real window)."""

import pytest

from domain.figures import CUE_COLORS, Figure, cue_shapes, figure_points, worktop_box
from server.protocols.loader import validate_files
from tests.mobile.conftest_ui import pump, stride_app, x_display
from tests.unit.shipped_protocols import PROTOCOLS_DIR

__all__ = ["stride_app", "x_display"]  # fixtures used by name below


def shipped_figure(protocol_id: str, exercise_id: str) -> Figure:
    docs, problems = validate_files([str(PROTOCOLS_DIR)])
    assert problems == []
    doc = next(d for d in docs.values() if d["id"] == protocol_id)
    exercise = next(e for p in doc["phases"] for e in p["exercises"] if e["id"] == exercise_id)
    return Figure.from_dict(exercise["figure"])


@pytest.fixture()
def figure_view(stride_app):
    """A FigureView on top of the app's window, 300 by 300 pixels; taken away afterwards."""
    from kivy.core.window import Window

    from mobile.widgets.figure import FigureView

    view = FigureView(size_hint=(None, None), size=(300, 300), pos=(40, 200))
    Window.add_widget(view)
    pump(seconds=0.1)
    yield view
    Window.remove_widget(view)
    pump(seconds=0.1)


def drawn_cue(view, part: str, under: bool = False):
    color, shape = view._cues[part, under]
    points = shape.points if hasattr(shape, "points") else shape.vertices
    return tuple(color.rgba[:3]), list(points)


def test_the_phone_draws_the_pelvic_floor_let_go_and_lifted(figure_view):
    figure = shipped_figure("pelvic-floor-downtraining", "contract-release-standing")
    figure_view.figure = figure
    pump(seconds=0.1)
    let_go_color, let_go = drawn_cue(figure_view, "pelvic_floor")
    figure_view.pose = figure.pose("gentle_lift")
    pump(seconds=0.1)
    lifted_color, lifted = drawn_cue(figure_view, "pelvic_floor")
    assert let_go_color == pytest.approx(CUE_COLORS["let_go"])
    assert lifted_color == pytest.approx(CUE_COLORS["lifted"])
    # The sling on the canvas is domain's, placed in the widget; lifted, its middle is higher.
    cue = next(
        c for c in cue_shapes(figure, figure.pose("gentle_lift")) if c.part == "pelvic_floor"
    )
    expected = [v for p in cue.points for v in figure_view._px(p)]
    assert lifted == pytest.approx(expected)
    middle = len(lifted) // 2 | 1  # a y value
    assert lifted[middle] - let_go[middle] > 10  # pixels, on a figure 300 pixels high
    zone_color, zone = drawn_cue(figure_view, "pelvic_zone", under=True)  # the tinted zone
    assert len(zone) > 30 * 4 and zone_color != lifted_color  # filled, in a paler tint


def test_the_phone_draws_the_belly_rising_and_the_worktop_under_the_hand(figure_view):
    figure = shipped_figure("pelvic-floor-downtraining", "belly-breathing-sitting-standing")
    figure_view.figure = figure
    pump(seconds=0.1)
    _, out = drawn_cue(figure_view, "belly", under=True)
    figure_view.pose = figure.pose("breath_in")
    pump(seconds=0.1)
    _, breathed_in = drawn_cue(figure_view, "belly", under=True)
    xs = lambda vertices: vertices[0::4]  # noqa: E731 (x of each mesh vertex)
    assert max(xs(breathed_in)) - max(xs(out)) > 5  # sitting, facing right: the belly swells

    from kivy.graphics import Rectangle

    stance = shipped_figure("piriformis-neural-gliding", "mirror-single-leg-stance")
    figure_view.figure = stance
    pump(seconds=0.1)
    left, _, top = worktop_box(stance, figure_points(stance, stance.start), "hand_left")
    _, y_top = figure_view._px((left, top))
    tops = [r.pos[1] + r.size[1] for r in figure_view.canvas.children if isinstance(r, Rectangle)]
    assert any(abs(t - y_top) < 1 for t in tops), (y_top, tops)  # the worktop's top at the hand
