"""The frame around every screen: header with title and back, sync strip, bottom bar."""

import importlib

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from mobile.screens import panes
from mobile.screens.base import load_kv

# role -> bottom bar tabs (screen name, label)
TABS = {
    "patient": [
        ("today", "Today"),
        ("pain", "Pain"),
        ("redflag", "Check"),
        ("progress", "Progress"),
    ],
    "physio": [("patients", "Patients"), ("alerts", "Alerts")],
    "clinician": [("alerts", "Alerts"), ("patients", "Patients")],
}
HOME = {role: tabs[0][0] for role, tabs in TABS.items()}
# name -> module:class, imported on first use so start-up loads only what it shows
SCREENS = {
    "signin": "signin:SignInScreen",
    "password": "password:ChoosePasswordScreen",
    "today": "today:TodayScreen",
    "week": "week:WeekScreen",
    "exercise": "exercise:ExerciseScreen",
    "pain": "pain:PainScreen",
    "redflag": "redflag:RedFlagScreen",
    "urgent": "urgent:UrgentScreen",
    "postop": "postop:PostopScreen",
    "outcome": "outcome:OutcomeScreen",
    "progress": "progress:ProgressScreen",
    "patients": "patients:PatientsScreen",
    "patient": "patient:PatientScreen",
    "alerts": "alerts:AlertsScreen",
    "alert": "alert:AlertScreen",
    "event": "event:EventScreen",
    "reminders": "remindertimes:ReminderTimesScreen",
}


class NavTab(ButtonBehavior, BoxLayout):
    """One tab of the bottom bar."""

    target = StringProperty("")
    text = StringProperty("")
    active = BooleanProperty(False)


class Shell(BoxLayout):
    """Lay out header, sync strip, screens and bottom bar; navigate between screens.

    On a wide window a staff list stays on the left (`ids.side`) and what it opens shows on
    the right (`ids.sm`); on a narrow one every screen takes the whole of `ids.sm` in turn.
    """

    tabs = ListProperty()
    current = StringProperty("")
    screen_title = StringProperty("")
    back_to = StringProperty("")  # the Back button's target ("" while the list is in view)
    chrome = BooleanProperty(False)  # header and bottom bar shown
    wide = BooleanProperty(False)  # the window has room for two panes (kv follows the width)
    split = BooleanProperty(False)  # a staff list on the left, its detail on the right
    _back = ""  # where Back (and Android's back key) goes from the screen on show

    def open(self, name: str, role: str, **kwargs) -> None:
        """Show a screen (built on first use), passing kwargs to its `show`."""
        screen = self._screen(name)
        screen.show(**kwargs)
        if name in dict(TABS.get(role, [])):
            self.mark(name)
        if self.split and name in panes.LISTS:  # on the left; the right pane waits for a pick
            panes.cut(self.ids.side, name)
            screen = panes.prompt(self.ids.sm, name)
        manager = self.ids.sm
        manager.transition.direction = "left" if kwargs else "right"
        manager.current = screen.name
        self._follow(screen)

    def _screen(self, name: str):
        """Return a screen, built on first use in the pane it belongs to."""
        for manager in (self.ids.sm, self.ids.side):
            if manager.has_screen(name):
                return manager.get_screen(name)
        module, cls = SCREENS[name].split(":")
        screen = getattr(importlib.import_module(f"mobile.screens.{module}"), cls)(name=name)
        (self.ids.side if self.split and name in panes.LISTS else self.ids.sm).add_widget(screen)
        return screen

    def _follow(self, screen) -> None:
        """Show the title, Back and chrome of the screen on show (and of the list beside it)."""
        beside = self.ids.side.current_screen if self.split else None
        self._back = screen.back_to
        in_view = beside is not None and screen.back_to == beside.name
        self.back_to = "" if in_view else screen.back_to
        self.screen_title = panes.header_title(beside, screen)
        self.chrome = screen.chrome

    def retitle(self, screen) -> None:
        """Follow a title the screen on show (or the list beside it) set after loading."""
        side = self.ids.side
        if screen is self.ids.sm.current_screen or (self.split and screen is side.current_screen):
            self._follow(self.ids.sm.current_screen)

    def go_back(self, role: str) -> bool:
        """Return to the screen the current one came from; tell whether there was one."""
        if not self._back:
            return False
        self.open(self._back, role)
        return True

    def on_wide(self, *_args) -> None:
        """Re-arrange the panes when the window crosses the width for two."""
        self._arrange()

    def _arrange(self) -> None:
        """Put the staff lists beside their detail when wide, back in line with it when narrow."""
        split = self.wide and any(name in panes.LISTS for name, _label in self.tabs)
        if split == self.split:
            return
        sm, side = self.ids.sm, self.ids.side
        self.split = split
        if split:
            if sm.current in panes.LISTS:  # the list moves left; the right pane waits
                panes.cut(sm, panes.prompt(sm, sm.current).name)
            for screen in [s for s in sm.screens if s.name in panes.LISTS]:
                panes.move(screen, side)
            if side.has_screen(self.current):
                panes.cut(side, self.current)
        else:
            showing_list = side.current if sm.current == panes.PROMPT else None
            for screen in list(side.screens):
                panes.move(screen, sm)
            if showing_list:
                panes.cut(sm, showing_list)
            if sm.has_screen(panes.PROMPT):
                sm.remove_widget(sm.get_screen(panes.PROMPT))
        if sm.current_screen is not None:
            self._follow(sm.current_screen)

    def set_role(self, role: str) -> None:
        """Show the bottom bar of a role (none before sign-in)."""
        self.tabs = TABS.get(role, [])
        bar = self.ids.tabs
        bar.clear_widgets()
        for name, label in self.tabs:
            bar.add_widget(NavTab(target=name, text=label))
        self.mark(self.current)
        self._arrange()

    def mark(self, name: str) -> None:
        """Highlight the tab of the screen on show (or of the tab it was opened from)."""
        self.current = name
        for tab in self.ids.tabs.children:
            tab.active = tab.target == name


load_kv("shell")
