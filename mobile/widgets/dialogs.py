"""A modal list of choices (skip reasons, stop symptoms, partial sets) that calls back once."""

from kivy.metrics import dp
from kivy.properties import ListProperty, StringProperty
from kivy.uix.modalview import ModalView

from mobile.widgets.buttons import RoundButton


class ChoiceDialog(ModalView):
    """Ask one question; `options` is [(value, label)]; `on_choice(value)` gets the answer."""

    title = StringProperty("")
    message = StringProperty("")
    options = ListProperty()
    variant = StringProperty("ghost")

    def __init__(self, on_choice, **kwargs):
        super().__init__(**kwargs)
        self._on_choice = on_choice
        for value, label in self.options:
            button = RoundButton(text=label, variant=self.variant)
            button.shorten = False
            button.bind(texture_size=self._fit)
            button.bind(on_release=lambda _b, v=value: self.choose(v))
            self.ids.options.add_widget(button)

    @staticmethod
    def _fit(button, size) -> None:
        # Long symptom texts wrap onto two or three lines instead of being cut off.
        button.height = max(size[1] + dp(20), dp(48))

    def choose(self, value) -> None:
        """Close and report the choice."""
        self.dismiss()
        self._on_choice(value)
