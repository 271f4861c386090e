"""One-line text that shrinks a little before it is cut short.

On a small phone with the text size turned up, a button label such as "Partial" or a header
title would end in "…". A FitText label first scales its font down to fit its width, but never
below MIN_SCALE of the size it was given (the person asked for large text); only beyond that does
the label's own `shorten` cut it.
"""

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.properties import NumericProperty
from kivy.uix.label import Label

# Design choice: 130 % text still shows at least at 91 % of the normal size.
MIN_SCALE = 0.7


class FitText:
    """Mixin for a one-line Label: fit the text to the width by scaling the font down a little."""

    fit_margin = NumericProperty(0)  # width beside the text that it may not use (padding)

    def __init__(self, **kwargs):
        self._given_size = None  # the font size the kv rules or the caller set
        self._fitting = False
        super().__init__(**kwargs)
        self._given_size = self.font_size
        self._refit = Clock.create_trigger(self._fit, -1)
        for name in ("width", "text", "bold", "font_name", "fit_margin"):
            self.fbind(name, self._refit)
        self.fbind("font_size", self._font_size_set)
        self._refit()

    def _font_size_set(self, _widget, size) -> None:
        if not self._fitting:  # set from outside: the new size to fit from
            self._given_size = size
            self._refit()

    def _fit(self, *_args) -> None:
        given = self._given_size
        room = self.width - self.fit_margin
        needed = needed_width(self, given) if self.text else 0
        scale = max(MIN_SCALE, room / needed) if needed > room > 0 else 1.0  # room 0: no layout yet
        self._fitting = True
        self.font_size = given * scale
        self._fitting = False


def needed_width(label, font_size: float) -> float:
    """Return the width a label's text takes on one line at a font size."""
    core = CoreLabel(font_size=font_size, font_name=label.font_name, bold=label.bold)
    return core.get_extents(label.text)[0]


class FitLabel(FitText, Label):
    """A one-line label that shrinks its text a little before it is cut short."""
