"""Inputs sized for fingers: a number stepper, a chip group, and a yes/no question card."""

from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from mobile.widgets.buttons import ChoiceChip
from mobile.widgets.surfaces import Card

YES_NO = [("no", "No"), ("yes", "Yes")]


class Stepper(BoxLayout):
    """− value + with 48 dp buttons; `value` None means "not recorded" when `optional`."""

    value = ObjectProperty(None, allownone=True)
    minimum = NumericProperty(0)
    maximum = NumericProperty(10)
    optional = BooleanProperty(False)
    empty_text = StringProperty("–")
    label = StringProperty("")
    increment = NumericProperty(1)

    def step(self, delta: int) -> None:
        """Move the value by delta, starting from the middle when nothing was chosen."""
        if self.value is None:
            self.value = self.minimum if delta > 0 else self.maximum
            return
        new = self.value + delta
        if self.optional and new < self.minimum:
            self.value = None
        else:
            self.value = int(min(max(new, self.minimum), self.maximum))

    def shown(self) -> str:
        """Return the text between the buttons."""
        return self.empty_text if self.value is None else str(self.value)


class ChipGroup(GridLayout):
    """A grid of chips: `choices` is [(value, label)]; `selected` follows the user's taps."""

    choices = ListProperty()
    selected = StringProperty("")
    multiple = BooleanProperty(False)  # several chips may be down at once (toggles)
    chosen = ListProperty()  # the values down when `multiple`
    tone = StringProperty("primary")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(choices=self._build)
        self._build()

    def _build(self, *_args) -> None:
        self.clear_widgets()
        group = None if self.multiple else f"chips-{id(self)}"
        for value, label in self.choices:
            chip = ChoiceChip(text=label, value=value, group=group, tone=self.tone)
            chip.allow_no_selection = self.multiple
            chip.state = "down" if value == self.selected or value in self.chosen else "normal"
            chip.bind(state=self._changed)
            self.add_widget(chip)

    def _changed(self, chip, state) -> None:
        if self.multiple:
            values = [c.value for c in reversed(self.children) if c.state == "down"]
            self.chosen = values
        elif state == "down":
            self.selected = chip.value
        elif self.selected == chip.value:
            self.selected = ""

    def select(self, value: str) -> None:
        """Choose a value as if its chip were tapped ("" clears)."""
        for chip in self.children:
            chip.state = "down" if chip.value == value else "normal"
        self.selected = value

    def reset(self) -> None:
        """Clear every choice."""
        for chip in self.children:
            chip.state = "normal"
        self.selected = ""
        self.chosen = []


class YesNoQuestion(Card):
    """One safety question with explicit No / Yes chips; `answer` is "", "no" or "yes"."""

    key = StringProperty("")
    text = StringProperty("")
    answer = StringProperty("")
    choices = ListProperty(YES_NO)

    def on_kv_post(self, _base):
        self.ids.chips.bind(selected=lambda _g, value: setattr(self, "answer", value))

    @property
    def value(self) -> bool | None:
        """Return the answer as the API takes it: True, False, or None (not answered)."""
        return {"yes": True, "no": False}.get(self.answer)

    def set_answer(self, value: str) -> None:
        """Show an answer as chosen ("" clears)."""
        self.ids.chips.select(value)
