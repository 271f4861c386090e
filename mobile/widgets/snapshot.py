"""Snapshot: a box that draws its content into a texture once and shows the texture each frame.

Kivy draws the whole window every frame. On a software renderer (Mesa's llvmpipe: a desktop
without a GPU, a virtual machine, the test and benchmark X server) that costs in proportion to
the pixels filled, and a page of cards and text fills its area several times over (the scroll
view's stencil, the cards, each label). Wrapped in a Snapshot, the content is drawn into an Fbo
only when something in it changes (it scrolls, a label's text changes); on the frames between,
for instance while the exercise's figure moves above it, it costs one copy of its area.

Children keep the coordinates of the Snapshot's parent, so touches, `to_window` and layouts
work as without it: the Fbo's content is moved by the Snapshot's position, and the texture is
drawn back at that position.
"""

from contextlib import contextmanager

from kivy.graphics import (
    ClearBuffers,
    ClearColor,
    Color,
    Fbo,
    InstructionGroup,
    PopMatrix,
    PushMatrix,
    Rectangle,
    StencilUse,
    Translate,
)
from kivy.properties import ColorProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.widgets import theme


class Snapshot(BoxLayout):
    """A box whose children are drawn through an Fbo that is redrawn only when they change."""

    # What is behind the box, opaque: the texture is cleared to it, so text edges blend with
    # the colour they will be seen on (a transparent Fbo would darken them).
    backdrop = ColorProperty(theme.BG)

    def __init__(self, **kwargs):
        self.fbo = Fbo(size=(1, 1), with_stencilbuffer=True)
        with self.fbo.before:
            self._clear = ClearColor(*theme.BG)
            ClearBuffers()
            PushMatrix()
            self._shift = Translate(0, 0)
        with self.fbo.after:
            PopMatrix()
        super().__init__(**kwargs)
        self.canvas.add(self.fbo)  # drawn (when it changed) before its texture is shown
        self._clip = InstructionGroup()  # see clipped_from_outside
        self.canvas.add(self._clip)
        with self.canvas:
            Color(1, 1, 1, 1)
            self._shown = Rectangle(texture=self.fbo.texture, pos=self.pos, size=(1, 1))
        self.bind(pos=self._place, size=self._place)
        self._place()

    def clipped_from_outside(self, clipped: bool) -> None:
        """Say whether a stencil around the box clips it (mobile/widgets/screens.py, a slide).

        Drawing into the Fbo leaves the window's stencil test off (the page's own scroll view
        pops its stencil in there), so while a stencil clips the box, the test is set again
        before the texture: without it the page was drawn over the margins of a tablet's
        column as a screen slid in (tests/mobile/test_ui_figure.py). Only then: left on after
        the page, the test costs a software renderer a third of every frame.
        """
        self._clip.clear()
        if clipped:
            self._clip.add(StencilUse())

    def on_backdrop(self, *_args) -> None:
        self._clear.rgba = self.backdrop

    def _place(self, *_args) -> None:
        width, height = max(1, int(self.width)), max(1, int(self.height))
        if tuple(self.fbo.size) != (width, height):
            self.fbo.size = (width, height)
        self._shift.xy = (-self.x, -self.y)
        self._shown.texture = self.fbo.texture
        self._shown.pos, self._shown.size = self.pos, (width, height)

    # Children draw into the Fbo, not into this box's canvas (as kivy.uix.effectwidget does).

    @contextmanager
    def _drawing_into_fbo(self):
        canvas, self.canvas = self.canvas, self.fbo
        try:
            yield
        finally:
            self.canvas = canvas

    def add_widget(self, widget, *args, **kwargs):
        with self._drawing_into_fbo():
            return super().add_widget(widget, *args, **kwargs)

    def remove_widget(self, widget, *args, **kwargs):
        with self._drawing_into_fbo():
            return super().remove_widget(widget, *args, **kwargs)
