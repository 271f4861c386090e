"""The week ahead: today and the next six days of the plan, from the stored plan (offline)."""

from kivy.factory import Factory
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.utils import escape_markup

from mobile.core.week import coming_days
from mobile.screens.base import BaseScreen, load_kv
from mobile.widgets.surfaces import Card

NO_PLAN = "Your plan appears here after the first sync with your care team."
REST_DAY = "A planned rest day. Gentle walking is fine."
SAME = "The same exercises as the day before."


class SessionLine(BoxLayout):
    """An exercise of the day with its dose beneath it."""

    name = StringProperty("")
    dose = StringProperty("")


class DayCard(Card):
    """One coming day: its date, a new phase if one begins, and each time of day's sessions."""

    day = ObjectProperty()

    def on_kv_post(self, _base):
        day, box = self.day, self.ids.lines
        if day.new_phase:
            box.add_widget(Factory.PhaseLine(text=f"New phase: {escape_markup(day.phase_title)}"))
        if day.is_rest_day:
            box.add_widget(Factory.Body(text=REST_DAY))
        elif day.same_as_before:
            box.add_widget(Factory.Caption(text=SAME))
            return
        for title, sessions in day.slots:
            box.add_widget(Factory.SlotTitle(text=title))
            for name, dose in sessions:
                box.add_widget(SessionLine(name=escape_markup(name), dose=dose))


class WeekScreen(BaseScreen):
    """Lay out the coming days so the patient can plan around them."""

    empty_text = StringProperty("")
    phase_text = StringProperty("")

    def __init__(self, **kwargs):
        self._first_day = None
        super().__init__(**kwargs)

    def show(self, day=None, **_kwargs) -> None:
        """Start at the top, from the day Today shows (the patient's today)."""
        self.title, self.back_to = "The week ahead", "today"
        self._first_day = day or self.app.local_today()
        self.ids.page.scroll_y = 1
        self.refresh()

    def refresh(self) -> None:
        """Expand the plan again (a sync may have brought a change)."""
        box = self.ids.days
        box.clear_widgets()
        days = coming_days(self.app.store, self._first_day)
        self.empty_text = "" if days else NO_PLAN
        self.phase_text = f"Phase: {days[0].phase_title}" if days else ""
        for day in days:
            box.add_widget(DayCard(day=day))


load_kv("week")
