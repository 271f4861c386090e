"""Screens: a ScreenManager that clips its screens to itself only while one slides in or out.

Kivy's ScreenManager draws a stencil around its screens on every frame (a rectangle over its
whole area, twice), so a screen sliding in never shows outside the manager. Between
transitions the screen on show fills the manager exactly and there is nothing to clip; on a
software renderer (Mesa's llvmpipe) those two rectangles and the stencil test on everything
inside were a fifth of each frame of the exercise screen. The kv rule `<-Screens>` (widgets.kv)
drops the stencil of Kivy's own rule; this class draws it while a transition runs.
"""

from kivy.graphics import (
    InstructionGroup,
    Rectangle,
    StencilPop,
    StencilPush,
    StencilUnUse,
    StencilUse,
)
from kivy.uix.screenmanager import ScreenManager

from mobile.widgets.snapshot import Snapshot


class Screens(ScreenManager):
    """A ScreenManager whose stencil is drawn only while a transition is active."""

    def __init__(self, **kwargs):
        self._push, self._pop = InstructionGroup(), InstructionGroup()
        self._area, self._undo = Rectangle(), Rectangle()
        for part in (StencilPush(), self._area, StencilUse()):
            self._push.add(part)
        for part in (StencilUnUse(), self._undo, StencilPop()):
            self._pop.add(part)
        self._clipping = False
        self._watched = None
        super().__init__(**kwargs)
        self.bind(pos=self._fit, size=self._fit, transition=self._watch)
        self._watch()
        self._fit()

    def _fit(self, *_args) -> None:
        for rect in (self._area, self._undo):
            rect.pos, rect.size = self.pos, self.size

    def _watch(self, *_args) -> None:
        """Follow the transition in use (it can be replaced)."""
        if self._watched is not None:
            self._watched.unbind(is_active=self._clip)
        self._watched = self.transition
        self._watched.bind(is_active=self._clip)
        self._clip(self._watched, self._watched.is_active)

    def _clip(self, _transition, active: bool) -> None:
        if active and not self._clipping:
            self.canvas.before.insert(0, self._push)
            self.canvas.after.add(self._pop)
        elif not active and self._clipping:
            self.canvas.before.remove(self._push)
            self.canvas.after.remove(self._pop)
        self._clipping = bool(active)
        for widget in self.walk(restrict=True):  # both screens of a slide are children by now
            if isinstance(widget, Snapshot):
                widget.clipped_from_outside(self._clipping)
