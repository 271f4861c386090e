"""Dates chosen with a finger: a field that shows the date and a month-grid dialog to pick it.

No typing: the dialog steps through months and years and shows the days of one month as a
grid of buttons. Days outside the allowed range are drawn as plain text, never as dead buttons.

    DateField:
        id: date
        title: "Date of the imaging"
        maximum: root.today        # a date or None; minimum likewise

`value` is a `datetime.date` (None until chosen when the field has no start value).
"""

import calendar
import os
from datetime import date

from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

from mobile.core.formatting import date_text
from mobile.widgets import theme
from mobile.widgets.buttons import ChoiceChip, RoundButton

WEEKDAY_INITIALS = ("M", "T", "W", "T", "F", "S", "S")
EARLIEST = date(1900, 1, 1)  # no clinical date or date of birth lies before it
# Locale-free, as every date the app shows (calendar.month_name follows the locale).
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_KV = os.path.join(os.path.dirname(os.path.dirname(__file__)), "kv", "datepicker.kv")


def long_date_text(day: date | None, empty: str = "") -> str:
    """Return "Tue 1 Dec 2026" (locale-free), or `empty` for no date."""
    if day is None:
        return empty
    return f"{date_text(day)} {day.year}"


def month_cells(year: int, month: int) -> list[date | None]:
    """Return the month as 6 weeks of 7 cells, Monday first; None where no day of it falls."""
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)
    cells = [date(year, month, d) if d else None for week in weeks for d in week]
    return cells + [None] * (42 - len(cells))  # always six rows: the dialog never jumps


def shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    """Return (year, month) moved by a number of months."""
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def clamp(day: date, minimum: date | None, maximum: date | None) -> date:
    """Return the day kept inside [minimum, maximum] (either may be open)."""
    if minimum is not None and day < minimum:
        return minimum
    if maximum is not None and day > maximum:
        return maximum
    return day


class DayButton(ChoiceChip):
    """One choosable day of the grid."""

    day = ObjectProperty(None)
    is_today = BooleanProperty(False)


class DateField(RoundButton):
    """A finger-sized field showing the chosen date; a tap opens the picker."""

    value = ObjectProperty(None, allownone=True)
    minimum = ObjectProperty(None, allownone=True)
    maximum = ObjectProperty(None, allownone=True)
    title = StringProperty("Choose a date")
    empty_text = StringProperty("Choose a date")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(value=self._show, empty_text=self._show)
        self._show()

    def _show(self, *_args) -> None:
        self.text = long_date_text(self.value, self.empty_text)

    def on_release(self) -> None:
        """Open the picker on the chosen date (or the latest allowed day)."""
        DatePickerDialog(self).open()

    def choose(self, day: date) -> None:
        """Take the day picked in the dialog."""
        self.value = day


class DatePickerDialog(ModalView):
    """A month grid with month and year steps; "Use this date" hands the day to the field."""

    title = StringProperty("")
    month_text = StringProperty("")
    year_text = StringProperty("")
    chosen_text = StringProperty("")
    chosen = ObjectProperty(None, allownone=True)
    can_prev_year = BooleanProperty(True)
    can_next_year = BooleanProperty(True)

    def __init__(self, field: DateField, **kwargs):
        self.field = field
        self.minimum = max(field.minimum or EARLIEST, EARLIEST)
        self.maximum = field.maximum
        start = field.value or clamp(date.today(), self.minimum, self.maximum)
        self.year, self.month = start.year, start.month
        super().__init__(title=field.title, **kwargs)
        self.chosen = field.value
        self._build()

    def allowed(self, day: date) -> bool:
        """Tell whether a day lies in the field's range."""
        return clamp(day, self.minimum, self.maximum) == day

    def step(self, months: int) -> None:
        """Show another month (±1) or year (±12), kept inside the allowed range."""
        shown = shift_month(self.year, self.month, months)
        latest = (self.maximum.year, self.maximum.month) if self.maximum else shown
        earliest = (self.minimum.year, self.minimum.month)
        self.year, self.month = max(earliest, min(shown, latest))
        self._build()

    def can_step(self, months: int) -> bool:
        """Tell whether the month (±1) or year (±12) a step leads to has an allowed day."""
        year, month = shift_month(self.year, self.month, months)
        if year < EARLIEST.year:
            return False
        if abs(months) >= 12:
            first, last = date(year, 1, 1), date(year, 12, 31)
        else:
            first = date(year, month, 1)
            last = date(year, month, calendar.monthrange(year, month)[1])
        return (self.maximum is None or first <= self.maximum) and last >= self.minimum

    def pick(self, day: date) -> None:
        """Mark a day as the one to use."""
        self.chosen = day

    def on_chosen(self, _dialog, day) -> None:
        """Say which day "Use this date" will set."""
        self.chosen_text = long_date_text(day, "Tap a day")
        grid = self.ids.get("grid")
        for cell in grid.children if grid else ():
            if isinstance(cell, DayButton):
                cell.state = "down" if cell.day == day else "normal"

    def use(self) -> None:
        """Give the chosen day to the field and close."""
        if self.chosen is None:
            return
        self.field.choose(self.chosen)
        self.dismiss()

    def _build(self) -> None:
        self.month_text, self.year_text = MONTHS[self.month - 1], str(self.year)
        self.ids.prev_month.disabled = not self.can_step(-1)
        self.ids.next_month.disabled = not self.can_step(1)
        self.can_prev_year, self.can_next_year = self.can_step(-12), self.can_step(12)
        grid = self.ids.grid
        grid.clear_widgets()
        for initial in WEEKDAY_INITIALS:
            grid.add_widget(
                Label(text=initial, bold=True, size_hint_y=None, height=dp(24), **_muted())
            )
        for day in month_cells(self.year, self.month):
            grid.add_widget(self._cell(day))
        self.on_chosen(self, self.chosen)

    def _cell(self, day: date | None) -> Widget:
        if day is None:
            return Widget()  # outside the month: blank space, not a button
        if not self.allowed(day):
            # Out of range: faint text, not a button that would ignore the finger.
            return Label(text=str(day.day), **_muted(0.45))
        button = DayButton(text=str(day.day), day=day, is_today=day == date.today())
        button.group, button.allow_no_selection = f"days-{id(self)}", False
        button.bind(on_release=lambda b: self.pick(b.day))
        return button


def _muted(alpha: float = 1.0) -> dict:
    """Return the look of text in the grid that is not a choice (weekdays, days out of range)."""
    return {"color": (*theme.MUTED[:3], alpha), "font_size": theme.FONT_SMALL}


if _KV not in Builder.files:
    Builder.load_file(_KV)
