"""Small line charts drawn with reportlab.graphics: vector, and no plotting library to load.

A chart is a Drawing that platypus lays out like an image; its labels stay text in the PDF.
"""

from dataclasses import dataclass, field

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors

INK = colors.HexColor("#1f2933")
GRID = colors.HexColor("#d9dee3")
LINE = colors.HexColor("#1d4ed8")
TARGET = colors.HexColor("#15803d")
PHASE = colors.HexColor("#f1f5f9")
MUTED = colors.HexColor("#52606d")


@dataclass
class Chart:
    """A line over weeks of care, with an optional target line and shaded phases."""

    title: str
    y_label: str
    y_max: float
    points: list[tuple[float, float]]  # (week, value)
    weeks: int
    y_step: float = 2
    target: tuple[float, str] | None = None  # (value, label)
    phases: list[tuple[int, str]] = field(default_factory=list)  # (start week, title)
    empty_text: str = "Nothing recorded"


LEFT, BOTTOM, TOP, RIGHT = 30, 26, 30, 8


def draw(chart: Chart, width: float, height: float) -> Drawing:
    """Return the chart as a Drawing of `width` x `height` points."""
    d = Drawing(width, height)
    x0, y0 = LEFT, BOTTOM
    plot_w, plot_h = width - LEFT - RIGHT, height - BOTTOM - TOP
    weeks = max(chart.weeks, max((w for w, _ in chart.points), default=1), 1)

    def x(week: float) -> float:
        return x0 + plot_w * (week - 0.5) / weeks if weeks > 1 else x0 + plot_w / 2

    def y(value: float) -> float:
        return y0 + plot_h * min(max(value, 0), chart.y_max) / chart.y_max

    d.add(String(0, height - 12, chart.title, fontName="Helvetica-Bold", fontSize=9, fillColor=INK))
    _phases(d, chart, weeks, x0, y0, plot_w, plot_h)
    value = 0.0
    while value <= chart.y_max + 1e-9:
        d.add(Line(x0, y(value), x0 + plot_w, y(value), strokeColor=GRID, strokeWidth=0.5))
        d.add(String(x0 - 4, y(value) - 3, f"{value:g}", fontSize=7, textAnchor="end"))
        value += chart.y_step
    d.add(String(4, y0 + plot_h / 2, chart.y_label, fontSize=7, fillColor=MUTED))
    step = max(1, round(weeks / 8))
    for week in range(1, weeks + 1, step):
        d.add(String(x(week), y0 - 10, str(week), fontSize=7, textAnchor="middle"))
    d.add(String(x0 + plot_w / 2, 2, "Week of care", fontSize=7, textAnchor="middle"))
    if chart.target is not None:
        level, label = chart.target
        d.add(
            Line(
                x0,
                y(level),
                x0 + plot_w,
                y(level),
                strokeColor=TARGET,
                strokeWidth=1,
                strokeDashArray=(4, 2),
            )
        )
        d.add(
            String(x0 + plot_w, y(level) + 3, label, fontSize=7, fillColor=TARGET, textAnchor="end")
        )
    if not chart.points:
        d.add(
            String(
                x0 + plot_w / 2,
                y0 + plot_h / 2,
                chart.empty_text,
                fontSize=8,
                fillColor=MUTED,
                textAnchor="middle",
            )
        )
        return d
    flat = [c for week, val in chart.points for c in (x(week), y(val))]
    if len(chart.points) > 1:
        d.add(PolyLine(flat, strokeColor=LINE, strokeWidth=1.5))
    for week, val in chart.points:
        d.add(Circle(x(week), y(val), 2, fillColor=LINE, strokeColor=LINE))
    return d


def _phases(d: Drawing, chart: Chart, weeks: int, x0, y0, plot_w, plot_h) -> None:
    """Shade every other phase and number each at the top, when there is more than one.

    Titles do not fit a narrow band; the packet lists them under the chart by number.
    """
    shown = [(w, t) for w, t in chart.phases if w < weeks]
    if len(shown) < 2:
        return
    bounds = [max(w, 0) for w, _ in shown] + [weeks]
    for i in range(len(shown)):
        left = x0 + plot_w * bounds[i] / weeks
        right = x0 + plot_w * bounds[i + 1] / weeks
        if i % 2:
            d.add(Rect(left, y0, right - left, plot_h, fillColor=PHASE, strokeColor=None))
        d.add(String(left + 2, y0 + plot_h + 4, f"Phase {i + 1}", fontSize=6, fillColor=MUTED))
