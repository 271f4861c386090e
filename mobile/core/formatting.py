"""Short texts the screens share: dates, durations, counts and pain anchors."""

from datetime import date, datetime

from domain.dose_words import duration_text, plural

__all__ = ["duration_text", "plural"]  # shared with the server (domain.dose_words)

# The words at the ends and middle of the NPRS slider.
PAIN_ANCHORS: dict[int, str] = {0: "No pain", 5: "Moderate", 10: "Worst imaginable"}
# Plain words for the in-between scores, so a chosen number never stands alone.
PAIN_WORDS: tuple[str, ...] = (
    "No pain",
    "Very mild",
    "Mild",
    "Uncomfortable",
    "Distracting",
    "Moderate",
    "Hard to ignore",
    "Severe",
    "Very severe",
    "Intense",
    "Worst imaginable",
)
TIME_OF_DAY_TITLES: dict[str, str] = {
    "morning": "Morning",
    "midday": "Midday",
    "afternoon": "Afternoon",
    "evening": "Evening",
}
TIME_OF_DAY_ORDER: tuple[str, ...] = tuple(TIME_OF_DAY_TITLES)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def as_date(value: date | str) -> date:
    """Return a date from a date, a datetime or an ISO string."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)


def date_text(value: date | str) -> str:
    """Return a short date such as "Sun 22 Nov" (locale-free, so it reads the same everywhere)."""
    day = as_date(value)
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def wait_text(seconds: float) -> str:
    """Return a rounded-up wait such as "now", "20 s" or "2 min" for status lines."""
    seconds = max(0, int(-(-seconds // 1)))
    if seconds == 0:
        return "now"
    if seconds < 60:
        return f"{seconds} s"
    return f"{-(-seconds // 60)} min"


def pain_label(nprs: int) -> str:
    """Return "5 – Moderate" for an NPRS score 0..10."""
    if not 0 <= nprs <= 10:
        raise ValueError(f"NPRS must be 0..10; got {nprs}")
    return f"{nprs} – {PAIN_WORDS[nprs]}"


def time_of_day_title(name: str) -> str:
    """Return the heading of a time-of-day slot ("Morning")."""
    return TIME_OF_DAY_TITLES.get(name, name.replace("_", " ").capitalize())
