"""The app's palette and type scale, shared by the .kv rules and the canvas widgets."""

import os

from kivy.metrics import Metrics, dp, sp
from kivy.utils import get_color_from_hex as _hex

BG = _hex("#F3F5F4")
SURFACE = _hex("#FFFFFF")
LINE = _hex("#DCE3E1")
TEXT = _hex("#1D2A2F")
MUTED = _hex("#5A6B70")
ON_PRIMARY = _hex("#FFFFFF")

PRIMARY = _hex("#23676B")
PRIMARY_DARK = _hex("#184B4E")
PRIMARY_SOFT = _hex("#DDEDEC")

SUCCESS = _hex("#2F7D57")
SUCCESS_SOFT = _hex("#DEF1E6")
WARN = _hex("#9A6A12")
WARN_SOFT = _hex("#FFF2D6")
WARN_LINE = _hex("#E9C46A")
DANGER = _hex("#B3261E")
DANGER_SOFT = _hex("#FBE4E1")
INFO = _hex("#36648B")
INFO_SOFT = _hex("#E2ECF5")

# Chart inks: the daily dots stay light so the median line reads as the trend.
CHART_DOT = _hex("#8FB8BA")
CHART_MEDIAN = PRIMARY
CHART_BASELINE = _hex("#C07A2C")
CHART_GRID = _hex("#E6EBEA")

SEVERITY_COLORS = {"urgent": DANGER, "review": WARN, "info": INFO}
SEVERITY_SOFT = {"urgent": DANGER_SOFT, "review": WARN_SOFT, "info": INFO_SOFT}
STATUS_COLORS = {"done": SUCCESS, "partial": WARN, "skipped": MUTED, "todo": LINE}


def scale_text() -> float:
    """Apply STRIDE_FONT_SCALE on top of the device's text size; return the resulting scale.

    Every text size goes through `sp` (the FONT_* below, "15sp" in the .kv rules), and Kivy's `sp`
    follows Metrics.fontscale, which on a phone is the user's font-size setting. One factor here
    scales all of it, so a desktop window or a test can show what a patient with large text sees.
    It must run before any size is computed: this module is imported before the .kv rules load.
    """
    raw = os.environ.get("STRIDE_FONT_SCALE", "").strip()
    try:
        factor = float(raw) if raw else 1.0
    except ValueError:
        raise ValueError(f"STRIDE_FONT_SCALE must be a number such as 1.3, not {raw!r}") from None
    if not 0.5 <= factor <= 3:
        raise ValueError(f"STRIDE_FONT_SCALE must be between 0.5 and 3, not {factor}")
    if factor != 1.0:
        Metrics.fontscale = Metrics.fontscale * factor
    return Metrics.fontscale


FONT_SCALE = scale_text()
RADIUS = dp(14)
TOUCH = dp(48)
PAD = dp(16)

FONT_TITLE = sp(22)
FONT_HEADING = sp(18)
FONT_BODY = sp(16)
FONT_SMALL = sp(14)
FONT_TINY = sp(12)


def soft(color, alpha: float = 0.12):
    """Return `color` at a low alpha, for tinted backgrounds."""
    return (*color[:3], alpha)
