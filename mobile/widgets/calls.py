"""The tap-to-call buttons shown with urgent advice: who to call first, and who next."""

from kivy.properties import ListProperty
from kivy.uix.boxlayout import BoxLayout


class CallButtons(BoxLayout):
    """Up to two call buttons; `calls` is [(label, number)], the one to call first leading.

    `on_call(number)` fires with the number tapped.
    """

    calls = ListProperty()

    def __init__(self, **kwargs):
        self.register_event_type("on_call")
        super().__init__(**kwargs)

    def label(self, index: int) -> str:
        """Return the text of the index-th button ("" when there is none)."""
        return self.calls[index][0] if index < len(self.calls) else ""

    def call(self, index: int) -> None:
        """Report a tap on the index-th number."""
        self.dispatch("on_call", self.calls[index][1])

    def on_call(self, number: str) -> None:
        """Default handler: the screen binds its dialer here."""
