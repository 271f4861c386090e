"""A patient's plan as an iCalendar feed (RFC 5545), built with the icalendar library.

The events are the schedule the app shows (`plans.schedule_of`, the domain's expansion), one
event per part of the day that has sessions: "Morning exercises" with the exercises and
their doses. Design choices, documented in docs/interop.md ("Calendar feed"):

- Times: the app's reminder times are a device setting that never reaches the server, so an
  event starts at the app's usual time of its part of the day (SLOT_TIMES, the same as
  mobile/core/reminders.py DEFAULT_TIMES), as a wall-clock time in the patient's zone
  (TZID + VTIMEZONE): 08:00 stays 08:00 across a change of summer time.
- Length: SESSION_LENGTH for every event (the calendar blocks the time; the app times sets).
- Reminder: one VALARM, ALARM_BEFORE the start.
- Range: from FEED_DAYS_BEFORE days before the patient's today to FEED_WEEKS_AHEAD weeks
  after it, clipped to the plan's dates: bounded, and always the coming weeks.
- UIDs: plan, date and part of the day, never the revision, so an adjusted plan updates the
  events a calendar app already has; SEQUENCE is the revision in force that day and DTSTAMP
  the time that revision was written, so the same plan gives the same feed byte for byte.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.dose_words import session_dose_text
from domain.schedule import DayPlan
from server.models import Patient, Plan
from server.services.plans import local_today, schedule_of

FEED_DAYS_BEFORE = 7
FEED_WEEKS_AHEAD = 12
SLOT_TIMES: dict[str, time] = {
    "morning": time(8, 0),
    "midday": time(12, 30),
    "afternoon": time(16, 0),
    "evening": time(19, 30),
}
SESSION_LENGTH = timedelta(minutes=20)
ALARM_BEFORE = timedelta(minutes=15)
REFRESH = timedelta(hours=6)  # how often a calendar app is asked to fetch the feed again
UID_DOMAIN = "stride-rehab.org"  # Stride's own name (server/fhir/identity.py CANONICAL_BASE)
MEDIA_TYPE = "text/calendar"


def feed_window(today: date) -> tuple[date, date]:
    """Return the first and last day a feed covers for a patient whose local date is `today`."""
    return today - timedelta(days=FEED_DAYS_BEFORE), today + timedelta(weeks=FEED_WEEKS_AHEAD)


def patient_calendar(
    session: Session,
    patient: Patient,
    first: date | None = None,
    last: date | None = None,
    now: datetime | None = None,
) -> bytes:
    """Return the patient's active plans from `first` to `last` as an iCalendar document.

    Either day left out is the feed window's (`feed_window` of the patient's today, or of
    `now`); a range that is backwards or too long raises Invalid, as the JSON schedule does.
    """
    default_first, default_last = feed_window(local_today(patient, now))
    first, last = first or default_first, last or default_last
    tz = ZoneInfo(patient.timezone)
    calendar = Calendar.new(
        prodid="-//Stride//Care plan//EN",
        uid=f"stride-patient-{patient.id}@{UID_DOMAIN}",
        name="Stride exercises",
        description="The exercise sessions of your Stride plan.",
        refresh_interval=REFRESH,
    )
    plans = session.scalars(
        select(Plan).where(Plan.patient_id == patient.id, Plan.status == "active").order_by(Plan.id)
    )
    for plan in plans:
        written = {revision.number: revision.created_at for revision in plan.revisions}
        for day in schedule_of(plan, first, last):
            for event in day_events(plan.id, day, tz, written[day.revision]):
                calendar.add_component(event)
    # The zone's rules over the feed's days only: a VTIMEZONE from 1970 on would be long.
    calendar.add_missing_timezones(first_date=first, last_date=last + timedelta(days=1))
    return calendar.to_ical()


def day_events(plan_id: int, day: DayPlan, tz: ZoneInfo, stamp: datetime) -> list[Event]:
    """Return one event per part of the day with sessions, in the day's order."""
    by_slot: dict[str, list] = {}
    for s in day.sessions:
        by_slot.setdefault(s.time_of_day, []).append(s)
    events = []
    for slot in sorted(by_slot, key=_slot_order):
        sessions = by_slot[slot]
        start = datetime.combine(day.date, SLOT_TIMES.get(slot, SLOT_TIMES["morning"]), tz)
        names = ", ".join(dict.fromkeys(s.exercise_name for s in sessions))
        summary = f"{slot.replace('_', ' ').capitalize()} exercises: {names}"
        lines = [f"{s.exercise_name}: {session_dose_text(s.dose)}" for s in sessions]
        lines.append(f"Phase: {day.phase_title}.")
        lines += [f"Avoid: {restriction}" for restriction in day.restrictions]
        lines.append("Log what you did in the Stride app.")
        event = Event.new(
            uid=event_uid(plan_id, day.date, slot),
            stamp=stamp,
            start=start,
            end=start + SESSION_LENGTH,
            summary=summary,
            description="\n".join(lines),
            sequence=day.revision,
            categories=["Exercise"],
        )
        event.add_component(Alarm.new_display(description=summary, trigger=-ALARM_BEFORE))
        events.append(event)
    return events


def event_uid(plan_id: int, day: date, slot: str) -> str:
    """Return the stable UID of a plan's event on one day and part of the day."""
    return f"stride-plan-{plan_id}-{day:%Y%m%d}-{slot}@{UID_DOMAIN}"


def _slot_order(slot: str) -> tuple[int, str]:
    order = list(SLOT_TIMES)
    return (order.index(slot) if slot in order else len(order), slot)

