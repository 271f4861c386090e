"""Reveal: a section that leaves the widget tree while hidden, so it can never catch a touch.

Kivy has no "hidden": a widget made transparent, zero-high or disabled stays in the tree, keeps
the touches that land on it and pushes its siblings apart. A `Reveal` with `shown` False takes
its children out of the tree and steps out of its parent (so the parent's spacing closes up);
shown again, it returns to the same place among its siblings. Declare it in kv around what
comes and goes:

    Reveal:
        shown: bool(root.notice)
        NoticeBox:
            ...
"""

from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout


def _in_order(parent) -> list:
    """Return a parent's children first-added first (Kivy keeps them the other way round)."""
    return parent.content if isinstance(parent, Reveal) else list(reversed(parent.children))


def _order(parent) -> list:
    """Return (and remember) the order of a parent's children, hidden Reveals in their place."""
    # Kept on the parent: it also keeps a stepped-out Reveal alive (kv ids are weak proxies).
    current = _in_order(parent)
    order = list(getattr(parent, "_reveal_order", ()))
    for i, widget in enumerate(current):  # children added since: after their neighbour
        if widget not in order:
            order.insert(order.index(current[i - 1]) + 1 if i else 0, widget)
    parent._reveal_order = [
        w
        for w in order
        if w in current or (isinstance(w, Reveal) and w._place is parent)  # out, not gone
    ]
    return parent._reveal_order


class Reveal(BoxLayout):
    """A vertical box whose content is in the widget tree only while `shown` is True."""

    shown = BooleanProperty(True)

    def __init__(self, **kwargs):
        self._held: list = []  # children while hidden, first-added first
        self._place = None  # the parent we stepped out of, while hidden
        super().__init__(**kwargs)

    @property
    def content(self) -> list:
        """Return the children first-added first, whether in the tree or held."""
        return list(reversed(self.children)) if self.shown else list(self._held)

    # -- children, in the tree or held aside while hidden

    def add_widget(self, widget, index=0, canvas=None):
        """Add a child; while hidden it is held and enters the tree when shown."""
        if self.shown:
            return super().add_widget(widget, index=index, canvas=canvas)
        self._held.insert(len(self._held) - min(index, len(self._held)), widget)
        return None

    def remove_widget(self, widget):
        """Remove a child, in the tree or held."""
        if widget in self._held:
            self._held.remove(widget)
        else:
            super().remove_widget(widget)

    def clear_widgets(self, children=None):
        """Remove every child (or the given ones), in the tree or held."""
        if children is None:
            self._held = []
            super().clear_widgets()
            return
        self._held = [w for w in self._held if w not in children]
        super().clear_widgets([w for w in children if w in self.children])

    def on_shown(self, _widget, shown: bool) -> None:
        """Put the content back in the tree, or take it (and this box) out."""
        if shown:
            held, self._held = self._held, []
            for widget in held:
                super().add_widget(widget)
            for widget in held:  # hidden while we were: out again, now its place is known
                if isinstance(widget, Reveal) and not widget.shown:
                    widget._step_out()
            self._return()
        else:
            self._held = list(reversed(self.children))
            for widget in self._held:
                super().remove_widget(widget)
            self._step_out()

    # -- the box itself leaves its parent and comes back to the same place

    def _step_out(self) -> None:
        parent = self.parent
        if parent is None:
            return  # not placed yet (built in Python): an empty zero-high box until shown
        _order(parent)  # remember where we were before leaving
        self._place = parent
        parent.remove_widget(self)

    def _return(self) -> None:
        parent, self._place = self._place, None
        if parent is None or self.parent is not None:
            return
        self._place = parent  # still "out, not gone" while the order is read
        order = _order(parent)
        self._place = None
        present = _in_order(parent)
        later = [w for w in order[order.index(self) + 1 :] if w in present]
        # Just before the nearest later sibling still there; at the end when none is.
        after = present.index(later[0]) if later else len(present)
        parent.add_widget(self, index=len(present) - after)
