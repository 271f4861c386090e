"""The frame around every screen: header with title and back, sync strip, bottom bar."""

import importlib

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

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
    "today": "today:TodayScreen",
    "week": "week:WeekScreen",
    "exercise": "exercise:ExerciseScreen",
    "pain": "pain:PainScreen",
    "redflag": "redflag:RedFlagScreen",
    "urgent": "urgent:UrgentScreen",
    "postop": "postop:PostopScreen",
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
    """Lay out header, sync strip, screens and bottom bar; navigate between screens."""

    tabs = ListProperty()
    current = StringProperty("")
    screen_title = StringProperty("")
    back_to = StringProperty("")
    chrome = BooleanProperty(False)  # header and bottom bar shown

    def open(self, name: str, role: str, **kwargs) -> None:
        """Show a screen (built on first use), passing kwargs to its `show`."""
        manager = self.ids.sm
        if not manager.has_screen(name):
            module, cls = SCREENS[name].split(":")
            screen_cls = getattr(importlib.import_module(f"mobile.screens.{module}"), cls)
            manager.add_widget(screen_cls(name=name))
        screen = manager.get_screen(name)
        screen.show(**kwargs)
        manager.transition.direction = "left" if kwargs else "right"
        manager.current = name
        self.screen_title, self.back_to, self.chrome = screen.title, screen.back_to, screen.chrome
        if name in dict(TABS.get(role, [])):
            self.mark(name)

    def retitle(self, screen) -> None:
        """Follow a title the current screen set after loading."""
        if self.ids.sm.current == screen.name:
            self.screen_title = screen.title

    def go_back(self, role: str) -> bool:
        """Return to the screen the current one came from; tell whether there was one."""
        if not self.back_to:
            return False
        self.open(self.back_to, role)
        return True

    def set_role(self, role: str) -> None:
        """Show the bottom bar of a role (none before sign-in)."""
        self.tabs = TABS.get(role, [])
        bar = self.ids.tabs
        bar.clear_widgets()
        for name, label in self.tabs:
            bar.add_widget(NavTab(target=name, text=label))
        self.mark(self.current)

    def mark(self, name: str) -> None:
        """Highlight the tab of the screen on show (or of the tab it was opened from)."""
        self.current = name
        for tab in self.ids.tabs.children:
            tab.active = tab.target == name


load_kv("shell")
