"""Where the exercise screen puts the demonstration figure, and how large (pure: no Kivy).

A figure lying on the floor is wide and low, one standing is narrow and tall, and the timer card
is narrow on a phone and wide on a tablet; so the card tries each arrangement and keeps the one
that draws the figure largest in the room it has (`arrange`). mobile/screens/stage.py measures
the card and applies the choice.
"""

from dataclasses import dataclass

NEAR_BEST = 0.95  # arrangements drawing the figure this close to the best: the lowest one wins
PLACES = ("beside", "wide", "above", "none")


@dataclass(frozen=True)
class Arrangement:
    """One way to lay the ring, the text and the figure out."""

    place: str  # one of PLACES
    row_h: float  # height of the ring's row
    stage: tuple[float, float]  # the figure's box, width and height
    scale: float  # pixels per unit of the figure's frame (a standing height)
    height: float  # the whole area: the row, and the figure above or the text under it


def arrange(width, room, ring, text_w, under_h, frame, gap, row_gap) -> Arrangement:
    """Return the arrangement that draws a figure whose frame is `frame` (x, y) largest.

    `width` x `room` is the area's box, `ring` the ring's size, `text_w` the width the step and
    counter text needs in a row beside the ring and `under_h` the height its two lines under the
    row add to the card in the ready state (0 when the pain score there is as high); `gap` is
    the room between the ring, the text and the figure in a row, `row_gap` between rows.
    Each figure box is only as high as the figure needs. Of the arrangements that draw it within
    NEAR_BEST of the largest, the lowest wins: it leaves the steps more room. With no figure
    (`frame` None), or no room for one, the ring and the text stand alone.
    """
    alone = Arrangement("none", ring, (0.0, 0.0), 0.0, ring)
    if frame is None:
        return alone
    sx, sy = frame
    options = []
    w = width - ring - gap
    h = max(ring, min(room - under_h, w * sy / sx))
    options.append(("beside", h, w, h, h + under_h))
    w = width - ring - text_w - 2 * gap
    h = max(ring, min(room, w * sy / sx))
    options.append(("wide", h, w, h, h))
    h = min(room - row_gap - ring, width * sy / sx)
    options.append(("above", ring, width, h, h + row_gap + ring))
    scored = [
        Arrangement(place, row_h, (w, h), min(w / sx, h / sy), height)
        for place, row_h, w, h, height in options
        if w > 0 and h > 0
    ]
    if not scored:
        return alone
    best = max(o.scale for o in scored)
    near = [o for o in scored if o.scale >= NEAR_BEST * best]
    # Equally high: the text beside the ring (shown before the start too) over the one under it.
    return min(near, key=lambda o: (round(o.height), o.place == "beside"))


def one_line(text: str) -> str:
    """Return text of several lines as one ("Hold 2 of 15 · Set 1 of 3"), to go under the row."""
    return " · ".join(text.split("\n"))
