"""When and how old: server moments in this device's local time, and ages from dates of birth."""

from datetime import date, datetime

from mobile.core.formatting import as_date, date_text


def local_moment(value: str) -> datetime:
    """Return a server timestamp in this device's time zone."""
    moment = datetime.fromisoformat(value)
    return moment.astimezone() if moment.tzinfo else moment


def ago_text(moment: datetime, now: datetime) -> str:
    """Return "just now", "25 min ago", "3 h ago", "yesterday" or "5 days ago"."""
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 24 * 60:
        return f"{minutes // 60} h ago"
    days = (now.date() - moment.date()).days
    return "yesterday" if days <= 1 else f"{days} days ago"


def when_text(value: str | None, now: datetime) -> str:
    """Return "14:05 (2 h ago)" today, "yesterday 18:30", else "Tue 1 Dec 14:05", in local time."""
    if not value:
        return ""
    moment = local_moment(value)
    now = now.astimezone(moment.tzinfo) if moment.tzinfo else now
    clock = moment.strftime("%H:%M")
    days = (now.date() - moment.date()).days
    if days == 0:
        return f"{clock} ({ago_text(moment, now)})"
    if days == 1:
        return f"yesterday {clock}"
    year = "" if moment.year == now.year else f" {moment.year}"
    return f"{date_text(moment.date())}{year} {clock}"


def age_on(born: date | str | None, today: date) -> int | None:
    """Return the age in whole years on `today` (None when no date of birth is known)."""
    if not born:
        return None
    born = as_date(born)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def patient_line(name: str, born, today: date) -> str:
    """Return "Daniel Okafor · age 50" (just the name without a date of birth)."""
    age = age_on(born, today)
    return name if age is None else f"{name} · age {age}"
