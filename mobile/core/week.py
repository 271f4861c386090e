"""The coming days of the plan, expanded offline from the stored plan (no network needed)."""

from dataclasses import dataclass
from datetime import date, timedelta

from domain.dose_words import session_dose_text
from domain.protocol import Dose
from mobile.core.formatting import date_text, time_of_day_title
from mobile.core.plan import day_plans, plan_protocol
from mobile.core.today import slot_order

DAYS = 7  # today and the six days after it


@dataclass(frozen=True)
class WeekDay:
    """One coming day: its title, phase, and the sessions of each time of day."""

    day: date
    title: str  # "Today · Tue 1 Dec", "Tomorrow · Wed 2 Dec", "Thu 3 Dec"
    phase_title: str
    new_phase: bool  # a phase begins on this day (after the first day shown)
    is_rest_day: bool
    # ("Morning", (("Side-lying clamshell", "2 sets × 10 reps"), ...)), in the day's order
    slots: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    same_as_before: bool = False  # the same sessions and doses as the day before it


def session_dose(dose: Dose) -> str:
    """Return one session's dose in words: which days and slots the list itself shows."""
    return session_dose_text(dose)


def _title(day: date, today: date) -> str:
    words = {today: "Today", today + timedelta(days=1): "Tomorrow"}
    return f"{words[day]} · {date_text(day)}" if day in words else date_text(day)


def coming_days(store, today: date, days: int = DAYS) -> list[WeekDay]:
    """Return today and the following days of the active plan (fewer when the plan ends)."""
    plan = store.active_plan()
    protocol = plan and plan_protocol(store, plan)
    if not protocol:
        return []
    week: list[WeekDay] = []
    phase = None
    for day_plan in day_plans(plan, protocol, today, today + timedelta(days=days - 1)):
        sessions: dict[str, list[tuple[str, str]]] = {}
        for session in day_plan.sessions:
            line = (session.exercise_name, session_dose(session.dose))
            sessions.setdefault(session.time_of_day, []).append(line)
        slots = tuple((time_of_day_title(t), tuple(sessions[t])) for t in slot_order(sessions))
        new_phase = phase is not None and day_plan.phase_id != phase
        # A run of identical days reads as one: each repeat says so instead of listing it all.
        same = bool(week) and not new_phase and slots == week[-1].slots and bool(slots)
        week.append(
            WeekDay(
                day=day_plan.date,
                title=_title(day_plan.date, today),
                phase_title=day_plan.phase_title,
                new_phase=new_phase,
                is_rest_day=day_plan.is_rest_day or not day_plan.sessions,
                slots=slots,
                same_as_before=same,
            )
        )
        phase = day_plan.phase_id
    return week
