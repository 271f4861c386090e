"""Text that shrinks a little before it is cut short or broken inside a word.

On a small phone with the text size turned up, a button label such as "Partial" or a header
title would end in "…", and a chip's "Fluoroscopy" would break into "Fluoroscop" and "y". A
FitText label first scales its font down until its text (or, for wrapping text, its longest
word) fits its width, but never below MIN_SCALE of the size it was given (the person asked for
large text); only beyond that does the label's own `shorten` or wrapping take over.
"""

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.label import Label

# Design choice: 130 % text still shows at least at 91 % of the normal size.
MIN_SCALE = 0.7


class FitText:
    """Mixin for a Label: fit the text to the width by scaling the font down a little."""

    fit_margin = NumericProperty(0)  # width beside the text that it may not use (padding)
    fit_words = BooleanProperty(False)  # wrapping text: only its longest word must fit a line

    def __init__(self, **kwargs):
        self._given_size = None  # the font size the kv rules or the caller set
        self._fitting = False
        super().__init__(**kwargs)
        self._given_size = self.font_size
        self._refit = Clock.create_trigger(self._fit, -1)
        for name in ("width", "text", "bold", "font_name", "fit_margin", "fit_words"):
            self.fbind(name, self._refit)
        self.fbind("font_size", self._font_size_set)
        self._refit()

    def _font_size_set(self, _widget, size) -> None:
        if not self._fitting:  # set from outside: the new size to fit from
            self._given_size = size
            self._refit()

    def _fit(self, *_args) -> None:
        given, room = self._given_size, self.width - self.fit_margin
        size = given
        # Whole pixels, measured again at each size: glyphs do not scale in proportion, and a
        # text exactly as wide as its room still wraps. (room 0: not laid out yet.)
        while room > 0 and size - 1 >= given * MIN_SCALE and self._needed(size) > room - 1:
            size -= 1
        self._fitting = True
        self.font_size = size
        self._fitting = False

    def _needed(self, size: float) -> float:
        pieces = self.text.split() if self.fit_words else [self.text]
        return max((needed_width(self, size, piece) for piece in pieces if piece), default=0)


def needed_width(label, font_size: float, text: str) -> float:
    """Return the width a text takes on one line in a label's font at a font size."""
    core = CoreLabel(font_size=font_size, font_name=label.font_name, bold=label.bold)
    return core.get_extents(text)[0]


class FitLabel(FitText, Label):
    """A one-line label that shrinks its text a little before it is cut short."""
