"""FigureView: an exercise's demonstration figure drawn with canvas lines, offline.

The figure and its poses come from the protocol (domain.figures); the exercise screen sets
`pose` every frame while the hold timer runs, the Today card shows one still. The canvas
instructions are made once per figure and size and only their points move, so a frame costs a
few dozen additions, not a rebuild.

The instructions are remade once before the next frame after the widget moves or resizes, not
inside the `pos`/`size` callbacks: there `center_x` and `right` can still hold the old width (a
layout that changes the width alone left the figure drawn for the old one), and one layout pass
changes the position and the size several times.
"""

import functools

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, Mesh, Quad, Rectangle
from kivy.metrics import dp
from kivy.properties import ObjectProperty
from kivy.uix.widget import Widget

from domain.figures import (
    LENGTHS,
    LIMB_WIDTH,
    STEP_TREAD,
    WEIGHT_COLOR,
    WORKTOP,
    ankle_weight_shape,
    cue_color,
    cue_shapes,
    figure_points,
    mat_box,
    segments,
    worktop_box,
)
from mobile.widgets import theme

PROP_COLOR = (0.69, 0.59, 0.47, 1)
BAND_COLOR = (0.80, 0.27, 0.27, 1)
FAR_ALPHA = 0.45  # the far limbs of a side view, lighter


@functools.lru_cache(maxsize=128)
def _frame(figure) -> tuple[float, float, float]:
    """Return the width and height every key pose fits in, margins included, and the middle x."""
    xs, ys = [], []
    for pose in figure.poses:
        for x, y in figure_points(figure, pose).values():
            xs.append(x)
            ys.append(y)
    top = max(ys) + LENGTHS["head"]
    return max(max(xs) - min(xs), 0.3) + 0.2, max(top, 0.3) + 0.12, (min(xs) + max(xs)) / 2


def span(figure) -> tuple[float, float]:
    """Return the box (width, height, in standing heights) a figure is drawn to fill."""
    span_x, span_y, _middle = _frame(figure)
    return span_x, span_y


class FigureView(Widget):
    """Draw `figure` in `pose` (None: nothing), scaled so every key pose fits the widget."""

    figure = ObjectProperty(None, allownone=True)
    pose = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs):
        self._bones: dict = {}
        self._weights: list = []
        self._built = None  # the figure the instructions are for (a new one waits for them)
        self._frame = (0.0, 0.0, 1.0, 1.0)
        self._remake = Clock.create_trigger(self._rebuild, -1)  # before the next frame
        super().__init__(**kwargs)
        self.bind(pos=self._remake, size=self._remake)

    def on_figure(self, *_args) -> None:
        self._remake()

    def on_pose(self, *_args) -> None:
        self._draw()

    def _rebuild(self, *_args) -> None:
        """Make the instructions for this figure and size, then draw the pose."""
        self.canvas.clear()
        self._bones, self._weights = {}, []
        figure = self._built = self.figure
        if figure is None:
            return
        span_x, span_y, middle = _frame(figure)
        scale = min(self.width / span_x, self.height / span_y)
        self._frame = (middle, scale)
        self._width = max(dp(2), LIMB_WIDTH * scale)
        with self.canvas:
            self._props(figure)
            self._make_cues(figure, under=True)
            ink = theme.PRIMARY[:3]
            for seg in segments(figure, figure.start):
                Color(*ink, 1 if seg.near else FAR_ALPHA)
                self._bones[seg.part] = Line(points=[], width=self._width / 2, cap="round")
            Color(*ink, 1)
            self._head = Ellipse(size=(0, 0))
            Color(*WEIGHT_COLOR, 1)  # over the leg it is strapped to, moved in _draw
            self._weights = [
                (prop.at, Quad(points=[0] * 8))
                for prop in figure.props
                if prop.name == "ankle_weight"
            ]
            self._make_cues(figure, under=False)
        self._draw()

    def _px(self, point) -> tuple[float, float]:
        cx, scale = self._frame
        middle = self.x + self.width / 2  # not center_x: see the module's docstring
        return (middle + (point[0] - cx) * scale, self.y + dp(4) + point[1] * scale)

    def _props(self, figure) -> None:
        """Draw the furniture where its point is in the start pose (bands move, see _draw)."""
        fixed = figure_points(figure, figure.start)
        floor = self.y + dp(4)
        self._bands = []
        for prop in figure.props:
            if prop.name == "ankle_weight":  # over the leg: made with the bones
                continue
            if prop.name in ("band", "crutch"):  # on the moving figure: drawn in _draw
                Color(*(BAND_COLOR if prop.name == "band" else PROP_COLOR))
                self._bands.append(
                    (prop, Line(points=[], width=dp(1.2 if prop.name == "band" else 2)))
                )
                continue
            at = fixed.get(prop.at or "")
            Color(*PROP_COLOR)
            if prop.name == "mat":  # the floor seen from above, under the figure
                left, bottom, right, top = mat_box(figure)
                (x0, y0), (x1, y1) = self._px((left, bottom)), self._px((right, top))
                Color(*PROP_COLOR[:3], 0.3)
                Rectangle(pos=(x0, y0), size=(x1 - x0, y1 - y0))
            elif prop.name == "floor":
                Line(points=[self.x, floor, self.x + self.width, floor], width=dp(1.2))
            elif at is None:
                continue
            elif prop.name == "chair":
                x, y = self._px(at)
                Rectangle(pos=(x - dp(12), floor), size=(dp(24), max(0, y - floor)))
            elif prop.name == "step":
                back, front = STEP_TREAD[figure.view]
                x0, y = self._px((at[0] + back, at[1]))
                x1, _ = self._px((at[0] + front, at[1]))
                Rectangle(pos=(x0, floor), size=(x1 - x0, max(0, y - floor)))
            elif prop.name == "worktop":
                left, right, top = worktop_box(figure, fixed, prop.at)
                (x0, y), (x1, _) = self._px((left, top)), self._px((right, top))
                # It may reach past the widget.
                x0, x1 = max(x0, self.x), min(x1, self.x + self.width)
                slab = WORKTOP["slab"] * self._frame[1]
                Color(*PROP_COLOR[:3], 0.45)  # the cupboard, lighter than its top
                Rectangle(pos=(x0 + dp(2), floor), size=(x1 - x0 - dp(4), max(0, y - slab - floor)))
                Color(*PROP_COLOR)
                Rectangle(pos=(x0, y - slab), size=(x1 - x0, slab))
            elif prop.name == "wall":
                x, _ = self._px(at)
                Rectangle(pos=(x + self._width, floor), size=(dp(4), self.height - dp(4)))
            else:  # cushion, towel
                x, y = self._px(at)
                w, h = (dp(14), dp(5)) if prop.name == "cushion" else (dp(9), dp(4))
                Ellipse(pos=(x - w, y - h - self._width / 2), size=(2 * w, 2 * h))

    def _draw(self, *_args) -> None:
        """Move the instructions to the pose on show."""
        figure, pose = self.figure, self.pose or (self.figure.start if self.figure else None)
        if figure is None or figure is not self._built or not self._bones:
            return
        for seg in segments(figure, pose):
            line = self._bones.get(seg.part)
            if line is not None:
                line.points = [*self._px(seg.a), *self._px(seg.b)]
        pts = figure_points(figure, pose)
        for prop, line in self._bands:
            a = self._px(pts[prop.at]) if prop.at else None
            if a is None:
                continue
            if prop.name == "crutch":  # from the hand to the floor, a little outwards
                out = dp(6) if a[0] > self._px(pts["pelvis"])[0] else -dp(6)
                line.points = [a[0], a[1] + dp(8), a[0] + out, self.y + dp(4)]
            elif prop.to:
                line.points = [*a, *self._px(pts[prop.to])]
            else:
                line.ellipse = (a[0] - dp(5), a[1] - dp(3), dp(10), dp(6))
        for at, quad in self._weights:
            quad.points = [v for p in ankle_weight_shape(pts, at) for v in self._px(p)]
        r = LENGTHS["head"] * self._frame[1]
        hx, hy = self._px(pts["head"])
        self._head.pos, self._head.size = (hx - r, hy - r), (2 * r, 2 * r)
        self._draw_cues(pose)

    def _make_cues(self, figure, under: bool) -> None:
        """Make the instructions of the figure's cues (domain.figures.cue_shapes): under the
        bones the belly and the pelvic zone's tint, over them the zone's ring and the pelvic
        floor's sling."""
        if under:
            self._cues = {}
        for cue in cue_shapes(figure, figure.start):
            if under and cue.part in ("belly", "pelvic_zone"):
                self._cues[cue.part, True] = (Color(), Mesh(mode="triangle_fan"))
            elif not under and cue.part in ("pelvic_zone", "pelvic_floor"):
                width = dp(1) if cue.part == "pelvic_zone" else self._width / 2
                self._cues[cue.part, False] = (Color(), Line(width=width, cap="round"))

    def _draw_cues(self, pose) -> None:
        """Move the cues to the pose on show, coloured by their level."""
        if not getattr(self, "_cues", None):
            return  # a figure without cues costs nothing more a frame
        for cue in cue_shapes(self.figure, pose):
            rgb = cue_color(cue)
            pts = [self._px(p) for p in cue.points]
            for under in (True, False):
                color, shape = getattr(self, "_cues", {}).get((cue.part, under), (None, None))
                if shape is None:
                    continue
                if isinstance(shape, Mesh):  # filled, from its middle
                    mx = sum(x for x, _ in pts) / len(pts)
                    my = sum(y for _, y in pts) / len(pts)
                    fan = [(mx, my), *pts, pts[0]]
                    shape.vertices = [v for x, y in fan for v in (x, y, 0, 0)]
                    shape.indices = list(range(len(fan)))
                    pale = 0.8 if cue.part == "pelvic_zone" else 0.0
                    color.rgba = (*(c + (1 - c) * pale for c in rgb), 1)
                else:
                    shape.points = [v for p in (pts + pts[:1] if cue.closed else pts) for v in p]
                    color.rgba = (*(c + (1 - c) * (0.4 if cue.closed else 0.0) for c in rgb), 1)
