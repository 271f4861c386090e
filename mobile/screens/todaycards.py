"""Today's cards: one per exercise session, the nerve follow-up, the phase's points header."""

from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from domain import nerves
from mobile.core.formatting import plural
from mobile.core.today import dose_text
from mobile.screens.skipping import REASON_WORDS
from mobile.widgets.surfaces import Card


def status_text(item, paused: bool = False) -> str:
    """Return the pill text of an item: "To do", "Done", "1 of 2 sets", "Skipped: no time"."""
    if item.status == "done":
        return "Done"
    if item.status == "partial":
        return f"{item.sets_done} of {plural(item.sets_due, 'set')}"
    if item.status == "skipped":
        return f"Skipped: {REASON_WORDS.get(item.skip_reason, 'other').lower()}"
    return "Paused" if paused else "To do"


class ItemCard(BoxLayout):
    """One exercise session with its dose and the start / done / partial / skip buttons."""

    item = ObjectProperty()
    screen = ObjectProperty()
    exercise = StringProperty("")
    dose = StringProperty("")
    status = StringProperty("todo")
    status_text = StringProperty("")
    paused = BooleanProperty(False)  # an urgent episode is open: no exercise buttons at all
    undoable = BooleanProperty(False)  # just marked done: Undo instead of the buttons
    figure = ObjectProperty(None, allownone=True)  # the demonstration (None: text only)
    still = ObjectProperty(None, allownone=True)  # its pose on the card: the exercise's position

    def follow(self, item, paused: bool, undoable: bool) -> None:
        """Show the latest state of the card's session."""
        figure = getattr(item, "figure", None)
        if figure != self.figure:
            self.figure = figure
            self.still = figure.sequence("move_in")[-1] if figure else None
        self.item, self.exercise, self.dose = item, item.name, dose_text(item.dose)
        self.status, self.status_text = item.status, status_text(item, paused)
        self.paused, self.undoable = paused, undoable


class FollowUpCard(Card):
    """A day after "still there": is the tingling or numbness after a glide still there?"""

    log = DictProperty()
    screen = ObjectProperty()
    question = StringProperty("")
    when = StringProperty("")
    choices = ListProperty(nerves.FOLLOW_UP_CHOICES)


class ImportantToggle(ButtonBehavior, BoxLayout):
    """The one-line header of the phase's "Important" box: tap to show or hide the points."""

    open = BooleanProperty(True)


class SessionCards:
    """Lay out the day's session cards in a box, reusing them while the sessions stay the same.

    A sync may end while a finger is on a button: a card rebuilt under it would lose the tap,
    so a redraw only updates the cards unless the day's sessions themselves changed.
    """

    def __init__(self, box, screen):
        self.box, self.screen = box, screen
        self._layout = None
        self._cards: dict[tuple[str, int], ItemCard] = {}

    def show(self, view, paused: bool, undoable) -> None:
        """Show the view's items (none without a view); `undoable(log_id)` offers Undo."""
        groups = view.groups if view else ()
        layout = [(g.title, [(i.exercise_id, i.slot_index) for i in g.items]) for g in groups]
        if layout != self._layout:
            self._layout, self._cards = layout, {}
            self.box.clear_widgets()
            for title, keys in layout:
                self.box.add_widget(Factory.GroupTitle(text=title))
                for key in keys:
                    self._cards[key] = ItemCard(screen=self.screen)
                    self.box.add_widget(self._cards[key])
        for item in view.items if view else ():
            card = self._cards[(item.exercise_id, item.slot_index)]
            card.follow(item, paused, undoable(item.log_id))
