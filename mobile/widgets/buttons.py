"""Rounded buttons and choice chips whose look lives in kv/widgets.kv."""

from kivy.metrics import dp
from kivy.properties import ColorProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.label import Label

from mobile.widgets import theme
from mobile.widgets.fit import FitText

# variant -> (background, text, outline)
VARIANTS = {
    "primary": (theme.PRIMARY, theme.ON_PRIMARY, theme.PRIMARY),
    "secondary": (theme.PRIMARY_SOFT, theme.PRIMARY_DARK, theme.PRIMARY_SOFT),
    "ghost": (theme.SURFACE, theme.PRIMARY_DARK, theme.LINE),
    "success": (theme.SUCCESS, theme.ON_PRIMARY, theme.SUCCESS),
    "warn": (theme.WARN_SOFT, theme.WARN, theme.WARN_LINE),
    "danger": (theme.DANGER, theme.ON_PRIMARY, theme.DANGER),
    "danger_soft": (theme.DANGER_SOFT, theme.DANGER, theme.DANGER_SOFT),
    "on_danger": (theme.ON_PRIMARY, theme.DANGER, theme.ON_PRIMARY),
    "on_danger_ghost": (theme.DANGER, theme.ON_PRIMARY, theme.ON_PRIMARY),
}


def _darker(color, by: float = 0.12):
    r, g, b, a = color
    return (max(r - by, 0), max(g - by, 0), max(b - by, 0), a)


class RoundButton(FitText, ButtonBehavior, Label):
    """A finger-sized rounded button drawn on the canvas (never Kivy's grey default).

    Its label shrinks a little to fit before it is cut short (FitText): large text on a
    small phone keeps "Partial" whole.
    """

    variant = OptionProperty("primary", options=list(VARIANTS))
    bg_color = ColorProperty(theme.PRIMARY)
    pressed_color = ColorProperty(theme.PRIMARY_DARK)
    line_color = ColorProperty(theme.PRIMARY)
    radius = NumericProperty(dp(12))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_variant(self, self.variant)

    def on_variant(self, _widget, variant):
        """Take the colours of the variant."""
        bg, fg, line = VARIANTS[variant]
        self.bg_color, self.color, self.line_color = bg, fg, line
        self.pressed_color = _darker(bg)


class ChoiceChip(FitText, ToggleButtonBehavior, Label):
    """A rounded toggle for one choice among several (context, answers, reasons).

    Its label wraps; a word too long for one line shrinks a little first (FitText).
    """

    value = StringProperty("")
    tone = OptionProperty("primary", options=["primary", "danger", "success"])

    def selected_color(self):
        """Return the fill of the chip when chosen."""
        return {"primary": theme.PRIMARY, "danger": theme.DANGER, "success": theme.SUCCESS}[
            self.tone
        ]
