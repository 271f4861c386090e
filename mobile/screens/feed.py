"""Staff: a patient's log feed, a week at a time, newest first (a section of the patient detail)."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.core.feed import by_day, exercise_names, feed_entries
from mobile.core.formatting import as_date, date_text
from mobile.screens.base import load_kv
from mobile.widgets.surfaces import Card

PAGE_DAYS = 7  # a week per page: a physio looks at the last few days first
API_LIMIT = 1000  # the log lists' largest page (server/schemas/logs.py LogRangeArgs)
KINDS = ("exercise-logs", "pain-logs", "red-flag-checks", "postop-checks")


def all_rows(client, path: str, first: date, last: date) -> list[dict]:
    """GET every row of a log list between two days (the API answers oldest first, paged)."""
    rows: dict[str, dict] = {}
    since = first
    while True:
        page = client.get(path, **{"from": since, "to": last, "limit": API_LIMIT})
        rows.update((row["id"], row) for row in page)
        if len(page) < API_LIMIT or as_date(page[-1]["local_date"]) == since:
            return list(rows.values())
        since = as_date(page[-1]["local_date"])  # that day again: its rows may be cut off


def load_page(client, patient_id: int, first: date, last: date) -> dict[str, list]:
    """Fetch the four log lists of a patient for some days (blocking: a worker thread)."""
    return {kind: all_rows(client, f"/patients/{patient_id}/{kind}", first, last) for kind in KINDS}


class FeedLine(BoxLayout):
    """One entry: the time on the left, what happened and how it went on the right."""

    time = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    tone = StringProperty("none")


class FeedDay(Card):
    """The entries of one day under its date."""

    title = StringProperty("")


class LogFeed(BoxLayout):
    """Load a patient's entries week by week; "Show earlier" adds the week before."""

    screen = ObjectProperty(None, allownone=True)
    status = StringProperty("")
    more = BooleanProperty(False)
    loading = BooleanProperty(False)

    def start(self, screen, found: dict, today: date) -> None:
        """Show the last week of the patient whose detail `found` holds."""
        self.screen, self.found = screen, found
        patient = found["patient"]
        self.zone = ZoneInfo(patient.get("timezone") or "UTC")
        self.names = exercise_names(found.get("content"), found.get("plan"))
        self.floor = min(found["care_began"], today)
        self.clear()
        self.next_last = today
        self.earlier()

    def clear(self) -> None:
        """Forget what is shown (another patient is opening)."""
        self.ids.days.clear_widgets()
        self.more, self.status = False, ""

    def earlier(self) -> None:
        """Load the week before the oldest one shown."""
        last = self.next_last
        first = max(last - timedelta(days=PAGE_DAYS - 1), self.floor)
        patient_id = self.found["patient"]["id"]
        self.loading = True
        self.screen.fetch(
            lambda client: load_page(client, patient_id, first, last),
            lambda page: self._loaded(page, first, last),
            self._failed,
        )

    def _loaded(self, page: dict, first: date, last: date) -> None:
        self.loading = self.screen.busy = False
        entries = feed_entries(
            page["exercise-logs"],
            page["pain-logs"],
            page["red-flag-checks"],
            page["postop-checks"],
            self.names,
            self.zone,
        )
        for day, day_entries in by_day(entries):
            card = FeedDay(title=date_text(day))
            for entry in day_entries:
                card.add_widget(
                    FeedLine(
                        time=entry.time, title=entry.title, detail=entry.detail, tone=entry.tone
                    )
                )
            self.ids.days.add_widget(card)
        shown = (
            f"on {date_text(last)}" if first == last else f"{date_text(first)} – {date_text(last)}"
        )
        self.status = "" if entries else f"Nothing logged {shown}."
        self.next_last = first - timedelta(days=1)
        self.more = first > self.floor

    def _failed(self, error) -> None:
        self.loading = False
        self.screen.failed(error)


load_kv("feed")
