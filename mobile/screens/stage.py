"""Where the exercise screen puts the demonstration figure, and how large.

The timer card holds the hold ring, the step and counter text, and the figure. A figure lying
on the floor is wide and low, one standing is narrow and tall, and the card is narrow on a
phone and wide on a tablet; so the card tries each arrangement and keeps the one that draws
the figure largest in the room it has (`mobile.core.stage.arrange`, pure):

- `beside`: the figure to the right of the ring, the text in two lines under them once the
  timer has started (before, the pain score before is there, and the ring shows the dose);
- `wide`: ring, text, then the figure, in one row (a wide card);
- `above`: the figure across the card, the ring and the text under it;
- `none`: no figure: the ring and the text.

The room is what the screen leaves once the rest of the card (name, pain score, buttons) and a
share for the steps below are taken; it is worked out from the card's widgets as they are in
the ready state, so the figure keeps its size and place from the start through every hold,
rest and pause (the pain score's room goes to the steps once the timer runs).
"""

from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.properties import NumericProperty, OptionProperty

from mobile.core.stage import PLACES, arrange, one_line  # noqa: F401 (one_line: exercise.kv)
from mobile.widgets import theme
from mobile.widgets.figure import span

# Design choices: the steps below keep at least this share of the screen's height; the ring is
# this share of it, within these bounds (its "40sp" count fits a 120 dp ring at 130 % text).
STEPS_SHARE = 0.28
RING_SHARE, RING_MIN, RING_MAX = 0.24, dp(120), dp(168)
GAP = dp(14)  # between the ring, the text and the figure in a row
ROW_GAP = dp(8)  # between the rows of the area (the card's spacing)


class FigureStage:
    """The exercise screen's layout of its timer card around the figure (the .kv reads these).

    Mixed into ExerciseScreen, whose kv names the widgets read here: `timer` (the card),
    `exercise_name`, `pain_before`, `pain_anchors`, `controls`, the screen's `column`, and the
    two places the figure (`figure`) can sit, `above_slot` and `side_slot`.
    """

    place = OptionProperty("none", options=PLACES)
    ring_size = NumericProperty(dp(144))
    row_h = NumericProperty(dp(144))
    stage_h = NumericProperty(0.0)  # the figure's box above the ring (`above`)
    text_w = NumericProperty(sp(140))  # the step and counter text in the ring's row (`wide`)
    text_h = NumericProperty(1.4 * (theme.FONT_BODY + theme.FONT_SMALL) + dp(4))  # two lines

    def watch_stage(self) -> None:
        """Arrange the card again (once, before the next frame) when its room or figure changes."""
        self._rearrange = Clock.create_trigger(self.arrange_stage, -1)
        self.bind(size=self._rearrange, figure=self._rearrange)
        ids = self.ids
        ids.timer.bind(width=self._rearrange)
        for widget in (ids.exercise_name, ids.pain_before, ids.pain_anchors, ids.controls):
            widget.bind(height=self._rearrange)

    def stage_room(self) -> tuple[float, float, float]:
        """Return the width and height the ring, the text and the figure may take, and the
        height the text under the ring's row adds to the card's ready state."""
        ids, card = self.ids, self.ids.timer
        left, top, right, bottom = card.padding
        outer = ids.column  # the screen's: its padding, and its spacing above the steps
        # The card in the ready state: name, area, pain score (stepper and anchors), buttons.
        rest = top + bottom + 3 * card.spacing + ids.exercise_name.height
        pain = ids.pain_before.height + dp(2) + ids.pain_anchors.height
        rest += pain + ids.controls.height + outer.padding[1] + outer.padding[3] + outer.spacing
        under = max(0.0, ROW_GAP + self.text_h - (pain + card.spacing))
        return card.width - left - right, self.height * (1 - STEPS_SHARE) - rest, under

    def arrange_stage(self, *_args) -> None:
        """Choose the arrangement, size the ring's row and the figure's box, seat the figure."""
        ring = min(max(self.height * RING_SHARE, RING_MIN), RING_MAX)
        width, room, under = self.stage_room()
        frame = span(self.figure) if self.figure is not None else None
        chosen = arrange(width, room, ring, self.text_w, under, frame, GAP, ROW_GAP)
        self.ring_size, self.row_h, self.stage_h = ring, chosen.row_h, chosen.stage[1]
        self.place = chosen.place
        view = self.ids.figure.__self__  # ids hand out weak proxies
        slot = self.ids.above_slot if chosen.place == "above" else self.ids.side_slot
        if view.parent is not slot:
            if view.parent is not None:
                view.parent.remove_widget(view)
            slot.add_widget(view)
