"""Two panes on a wide window: a staff list on the left, what it opened on the right.

A tablet or a desktop window at the clinic has room for the patient list and one patient, or
the alert queue and one alert, side by side; a phone shows one screen at a time. The shell
keeps one ScreenManager per pane and moves the list screens between them when the window
crosses WIDE_DP (a Screen belongs to one manager at a time). These helpers do the moving.
"""

from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

WIDE_DP = 800  # from here on a list and its detail fit side by side (design choice)
# The staff lists that stay in view beside their detail, with what the empty right pane says.
LISTS = {
    "patients": "Choose a patient on the left to see their plan, pain trend and alerts.",
    "alerts": "Choose an alert on the left to see its evidence and act on it.",
}
PROMPT = "choose"  # the right pane's screen while nothing from the list is open


def is_wide(width: float) -> bool:
    """Tell whether a window this wide shows a list and its detail side by side."""
    return width >= dp(WIDE_DP)


class PanePrompt(Screen):
    """The right pane before anything is chosen from the list on the left."""

    text = StringProperty("")
    title = StringProperty("")
    back_to = ""
    chrome = True


def prompt(manager, list_name: str) -> Screen:
    """Return the right pane's prompt for a list, added to the manager on first use."""
    if not manager.has_screen(PROMPT):
        manager.add_widget(PanePrompt(name=PROMPT))
    screen = manager.get_screen(PROMPT)
    screen.text = LISTS[list_name]
    return screen


def cut(manager, name: str) -> None:
    """Show a screen at once: no slide, and the screen before has left the manager's children."""
    manager.current = name
    if manager.transition.is_active:
        manager.transition.stop()


def move(screen, to) -> None:
    """Hand a screen that is not on show (or alone) over to another manager."""
    source = screen.manager
    source.remove_widget(screen)
    if source.transition.is_active:
        source.transition.stop()
    if screen.parent is source:
        source.real_remove_widget(screen)
    to.add_widget(screen)


def header_title(beside, screen) -> str:
    """Return the header's title: the list's, then what is open beside it."""
    if beside is None or not beside.title:
        return screen.title
    if isinstance(screen, PanePrompt) or not screen.title:
        return beside.title
    return f"{beside.title} · {screen.title}"
