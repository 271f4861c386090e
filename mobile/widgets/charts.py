"""Canvas charts: a pain trend (daily dots, 7-day median, baseline) and weekly adherence bars."""

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.metrics import dp, sp
from kivy.properties import (
    ColorProperty,
    ListProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from mobile.widgets import theme

_TEXTURES: dict = {}


def text_texture(text: str, size: float, color=theme.MUTED, bold: bool = False):
    """Return a cached texture of a short label drawn on a chart."""
    key = (text, size, tuple(color), bold)
    if key not in _TEXTURES:
        label = CoreLabel(text=text, font_size=size, color=color, bold=bold)
        label.refresh()
        _TEXTURES[key] = label.texture
    return _TEXTURES[key]


def _draw_text(text, x, y, size=None, color=theme.MUTED, anchor="center", bold=False):
    """Draw `text` with its anchor point ("center", "left", "right") at (x, y)."""
    texture = text_texture(text, size or sp(12), color, bold)
    w, h = texture.size
    left = {"center": x - w / 2, "left": x, "right": x - w}[anchor]
    Color(1, 1, 1, 1)
    Rectangle(texture=texture, pos=(left, y - h / 2), size=(w, h))


def _dashed(x0, x1, y):
    """Draw a horizontal dashed line (Kivy dashes only work at width 1)."""
    dash, gap, width = dp(6), dp(4), dp(1.2)
    x = x0
    while x < x1:
        Line(points=[x, y, min(x + dash, x1), y], width=width)
        x += dash + gap


class _Chart(Widget):
    """Redraw on the next frame whenever data, size or position change."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._redraw = Clock.create_trigger(lambda _dt: self.draw(), 0)
        self.bind(pos=self._redraw, size=self._redraw)

    def draw(self):
        """Draw the whole chart (subclasses)."""
        raise NotImplementedError


class PainChart(_Chart):
    """NPRS 0-10 over time: `points` is [(x, value|None, median|None)], x in days."""

    points = ListProperty()
    baseline = ObjectProperty(None, allownone=True)
    current = ObjectProperty(None, allownone=True)
    x_labels = ListProperty()  # [(x, text)]
    empty_text = StringProperty("No pain logged yet")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(points=self._redraw, baseline=self._redraw, x_labels=self._redraw)
        self.bind(current=self._redraw)

    def draw(self):
        """Draw grid, baseline, daily dots and the median line."""
        self.canvas.clear()
        left, bottom = self.x + dp(30), self.y + dp(24)
        width, height = self.width - dp(40), self.height - dp(34)
        if width <= 0 or height <= 0:
            return
        xs = [p[0] for p in self.points] or [0, 1]
        x_min, x_max = min(xs), max(max(xs), min(xs) + 1)

        def px(x):
            return left + (x - x_min) / (x_max - x_min) * width

        def py(v):
            return bottom + v / 10.0 * height

        with self.canvas:
            for v in range(0, 11, 2):
                Color(*theme.CHART_GRID)
                Line(points=[left, py(v), left + width, py(v)], width=1)
                _draw_text(str(v), left - dp(8), py(v), anchor="right")
            for x, text in self.x_labels:
                _draw_text(text, px(x), self.y + dp(9))
            if not self.points:
                _draw_text(self.empty_text, left + width / 2, bottom + height / 2, sp(14))
                return
            # Baseline last, so it stays visible when the current median equals it.
            for value, color in ((self.current, theme.INFO), (self.baseline, theme.CHART_BASELINE)):
                if value is not None:
                    Color(*color)
                    _dashed(left, left + width, py(value))
            Color(*theme.CHART_DOT)
            r = dp(3.5)
            for x, value, _median in self.points:
                if value is not None:
                    Ellipse(pos=(px(x) - r, py(value) - r), size=(2 * r, 2 * r))
            Color(*theme.CHART_MEDIAN)
            run: list[float] = []
            for x, _value, median in [*self.points, (None, None, None)]:
                if median is None:
                    if len(run) >= 4:
                        Line(points=run, width=dp(1.6), joint="round", cap="round")
                    run = []
                else:
                    run += [px(x), py(median)]


class AdherenceBars(_Chart):
    """Weekly adherence: `weeks` is [(label, ratio|None)]; None means nothing was due."""

    weeks = ListProperty()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(weeks=self._redraw)

    def draw(self):
        """Draw one rounded bar per week with its percentage above it."""
        self.canvas.clear()
        bottom, top_pad = self.y + dp(24), dp(22)
        height = self.height - dp(24) - top_pad
        n = len(self.weeks)
        if n == 0 or height <= 0:
            return
        slot = self.width / n
        bar = min(slot * 0.62, dp(34))
        with self.canvas:
            Color(*theme.CHART_GRID)
            Line(points=[self.x, bottom, self.right, bottom], width=1)
            for i, (label, ratio) in enumerate(self.weeks):
                cx = self.x + slot * (i + 0.5)
                _draw_text(label, cx, self.y + dp(10))
                if ratio is None:
                    Color(*theme.LINE)
                    Line(rounded_rectangle=(cx - bar / 2, bottom, bar, dp(8), dp(3)), width=1)
                    _draw_text("–", cx, bottom + dp(18))
                    continue
                h = max(height * ratio, dp(4))
                Color(*self.color_for(ratio))
                RoundedRectangle(
                    pos=(cx - bar / 2, bottom), size=(bar, h), radius=[dp(5), dp(5), 0, 0]
                )
                _draw_text(f"{round(ratio * 100)}%", cx, bottom + h + dp(10), sp(11), theme.TEXT)

    @staticmethod
    def color_for(ratio: float):
        """Return the bar colour: calm when most sets were done, warmer as fewer were."""
        if ratio >= 0.7:
            return theme.PRIMARY
        if ratio >= 0.5:
            return theme.WARN_LINE
        return theme.CHART_BASELINE


class LegendKey(BoxLayout):
    """A chart legend entry: a dot, a line or a dashed line, then its label."""

    text = StringProperty("")
    kind = OptionProperty("dot", options=["dot", "line", "dash"])
    ink = ColorProperty(theme.CHART_DOT)
