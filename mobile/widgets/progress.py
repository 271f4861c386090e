"""A rounded progress track and the circular hold-timer ring."""

from kivy.metrics import dp
from kivy.properties import BoundedNumericProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget

from mobile.widgets import theme


def _clamp(value):
    return min(max(value, 0), 1)


class ProgressTrack(Widget):
    """A thin rounded bar filled to `value` (0..1)."""

    value = BoundedNumericProperty(0.0, min=0.0, max=1.0, errorhandler=_clamp)
    color = ColorProperty(theme.PRIMARY)
    track_color = ColorProperty(theme.PRIMARY_SOFT)
    thickness = NumericProperty(dp(10))


class HoldRing(Widget):
    """A ring that fills as a hold or rest runs, with the seconds left in the middle."""

    progress = BoundedNumericProperty(0.0, min=0.0, max=1.0, errorhandler=_clamp)
    color = ColorProperty(theme.PRIMARY)
    track_color = ColorProperty(theme.PRIMARY_SOFT)
    big_text = StringProperty("")
    small_text = StringProperty("")
    thickness = NumericProperty(dp(10))
