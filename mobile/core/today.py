"""Today's exercises, computed offline from the stored plan, and logging what was done."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import get_args

from domain.figures import Figure
from domain.history import PainContext, SkipReason, Status
from domain.nerves import NERVE_ANSWERS
from domain.protocol import Dose, StopSign
from domain.stops import StopOutcome, stop_outcome
from mobile.core import urgent
from mobile.core.checks import (
    is_post_operative,
    postop_check_days,
    recorded_at,
    submit_postop_check,
    submit_red_flag_check,
)
from mobile.core.dose import Step, dose_text, hold_plan
from mobile.core.followups import answer_nerve_followup, nerve_followups_due
from mobile.core.formatting import TIME_OF_DAY_ORDER, as_date, time_of_day_title
from mobile.core.outbox import NORMAL, URGENT
from mobile.core.plan import day_plans, exercises_on, plan_protocol

NOTE_MAX = 2000  # the server's limit for a log's note

__all__ = [
    "SlotGroup",
    "Step",
    "TodayItem",
    "TodayView",
    "answer_nerve_followup",
    "dose_text",
    "hold_plan",
    "is_post_operative",
    "log_exercise",
    "log_pain",
    "nerve_followups_due",
    "postop_check_days",
    "slot_order",
    "stop_outcome_for",
    "submit_postop_check",
    "submit_red_flag_check",
    "today_view",
]


@dataclass(frozen=True)
class TodayItem:
    """One exercise session of the day with its dose, safety notes and what was logged."""

    exercise_id: str
    name: str
    category: str
    slot_index: int
    time_of_day: str
    dose: Dose
    sets_due: int
    sets_done: int
    status: str  # todo | done | partial | skipped
    instructions: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    stop_if: tuple[StopSign, ...] = ()
    regression: str = ""
    progression: str = ""
    skip_reason: str | None = None
    log_id: str | None = None
    nerve_symptoms: str | None = None  # the latest answer for this session (a follow-up wins)
    log_recorded_at: str | None = None
    figure: Figure | None = None  # the demonstration, when the protocol version has one

    @property
    def is_neural_glide(self) -> bool:
        """Tell whether the patient is asked about nerve symptoms after this exercise."""
        return self.category == "neural_glide"

    def stop_sign(self, sign_id: str | None) -> StopSign | None:
        """Return this exercise's stop sign with that id, or None."""
        return next((sign for sign in self.stop_if if sign.id == sign_id), None)


@dataclass(frozen=True)
class SlotGroup:
    """The items of one time-of-day slot."""

    time_of_day: str
    title: str
    items: tuple[TodayItem, ...]


@dataclass(frozen=True)
class TodayView:
    """A patient's day: phase, restrictions, grouped items and the day's progress."""

    local_date: date
    plan_id: int
    phase_id: str
    phase_title: str
    restrictions: tuple[str, ...]
    groups: tuple[SlotGroup, ...]
    sets_done: int
    sets_due: int
    is_rest_day: bool

    @property
    def items(self) -> list[TodayItem]:
        """Return every item of the day, slot by slot."""
        return [item for group in self.groups for item in group.items]


def slot_order(names) -> list[str]:
    """Return time-of-day names in the day's order (morning first; unknown names after)."""
    return [t for t in TIME_OF_DAY_ORDER if t in names] + sorted(
        t for t in names if t not in TIME_OF_DAY_ORDER
    )


def today_view(store, local_date: date | str) -> TodayView | None:
    """Return the day's plan with what was logged, or None without a plan covering the day."""
    day = as_date(local_date)
    plan = store.active_plan()
    protocol = plan and plan_protocol(store, plan)
    if not protocol:
        return None
    days = day_plans(plan, protocol, day, day)
    if not days:
        return None
    day_plan = days[0]
    exercises = exercises_on(plan, protocol, day_plan)
    logs = store.exercise_logs(day, day)
    # A follow-up replaces the log it supersedes, whatever order the two arrived in.
    superseded = {log["supersedes"] for log in logs if log.get("supersedes")}
    latest: dict[tuple[str, int], dict] = {}
    for log in logs:  # receive order: the last one wins
        if log.get("plan_id") == plan["id"] and log["id"] not in superseded:
            latest[(log["exercise_id"], log.get("slot", 1))] = log
    by_slot: dict[str, list[TodayItem]] = {}
    for session in day_plan.sessions:
        exercise = exercises[session.exercise_id]
        log = latest.get((session.exercise_id, session.slot_index), {})
        item = TodayItem(
            exercise_id=session.exercise_id,
            name=session.exercise_name,
            category=session.category,
            slot_index=session.slot_index,
            time_of_day=session.time_of_day,
            dose=session.dose,
            sets_due=session.dose.sets,
            sets_done=log.get("sets_done", 0),
            status=log.get("status", "todo"),
            instructions=exercise.instructions,
            cautions=exercise.cautions,
            stop_if=exercise.stop_if,
            regression=exercise.regression,
            progression=exercise.progression,
            skip_reason=log.get("skip_reason"),
            log_id=log.get("id"),
            nerve_symptoms=log.get("nerve_symptoms"),
            log_recorded_at=log.get("recorded_at"),
            figure=exercise.figure,
        )
        by_slot.setdefault(session.time_of_day, []).append(item)
    groups = tuple(
        SlotGroup(t, time_of_day_title(t), tuple(by_slot[t])) for t in slot_order(by_slot)
    )
    items = [item for group in groups for item in group.items]
    return TodayView(
        local_date=day,
        plan_id=plan["id"],
        phase_id=day_plan.phase_id,
        phase_title=day_plan.phase_title,
        restrictions=day_plan.restrictions,
        groups=groups,
        sets_done=sum(min(i.sets_done, i.sets_due) for i in items),
        sets_due=sum(i.sets_due for i in items),
        is_rest_day=day_plan.is_rest_day,
    )


def _check_nprs(name: str, value: int | None, optional: bool = True) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValueError(f"{name} must be a whole number 0..10; got {value!r}")


def stop_outcome_for(store, item: TodayItem, stop_if_id: str) -> StopOutcome:
    """Return the advice and routing of one of the item's stop signs (offline, from the plan)."""
    sign = item.stop_sign(stop_if_id)
    if sign is None:
        raise ValueError(f"{stop_if_id!r} is not a stop sign of {item.exercise_id}")
    return stop_outcome(sign.level, is_post_operative(store))


def log_exercise(
    store,
    view: TodayView,
    item: TodayItem,
    sets_done: int,
    status: str,
    skip_reason: str | None = None,
    stop_if_id: str | None = None,
    pain_before: int | None = None,
    pain_after: int | None = None,
    nerve_symptoms: str | None = None,
    now: datetime | None = None,
    note: str | None = None,
    hold_s: float = 0,
) -> str:
    """Queue what was done of one session (checked as the server checks it); return its UUID.

    `hold_s` keeps a plain log out of the pushes for an undo window (see `Store.withdraw`);
    a stop sign is never held: the care team may need to hear of it today.
    """
    due = item.sets_due
    if status not in get_args(Status):
        raise ValueError(f"status must be done, partial or skipped; got {status!r}")
    if skip_reason is not None and skip_reason not in get_args(SkipReason):
        raise ValueError(f"unknown skip reason {skip_reason!r}")
    if not 0 <= sets_done <= due:
        raise ValueError(f"sets done must be 0..{due}")
    if status == "done" and sets_done != due:
        raise ValueError("'done' means every set was done")
    if status == "partial" and not 0 < sets_done < due:
        raise ValueError("'partial' means some but not all sets were done")
    if status == "skipped" and (sets_done or not skip_reason):
        raise ValueError("a skipped exercise has no sets done and needs a reason")
    sign = item.stop_sign(stop_if_id)
    if skip_reason == "stop_if" and sign is None:
        raise ValueError(f"name one of the stop signs of {item.exercise_id}; got {stop_if_id!r}")
    if stop_if_id is not None and skip_reason != "stop_if":
        raise ValueError("a stop sign goes with the skip reason 'stop_if'")
    if nerve_symptoms is not None:
        if nerve_symptoms not in NERVE_ANSWERS:
            raise ValueError(f"unknown nerve symptoms answer {nerve_symptoms!r}")
        if not item.is_neural_glide or status == "skipped":
            raise ValueError("nerve symptoms are asked after a neural glide that was done")
    _check_nprs("pain_before", pain_before)
    _check_nprs("pain_after", pain_after)
    if note is not None and not (isinstance(note, str) and len(note) <= NOTE_MAX):
        raise ValueError(f"note must be text of at most {NOTE_MAX} characters")
    data = {
        "plan_id": view.plan_id,
        "exercise_id": item.exercise_id,
        "local_date": view.local_date.isoformat(),
        "slot": item.slot_index,
        "sets_done": sets_done,
        "sets_due": due,
        "status": status,
        "skip_reason": skip_reason,
        "stop_if_id": stop_if_id,
        "pain_before": pain_before,
        "pain_after": pain_after,
        "nerve_symptoms": nerve_symptoms,
        "note": note,
        "recorded_at": recorded_at(now),
    }
    if sign is None:
        return store.enqueue("exercise_log", data, priority=NORMAL, hold_s=hold_s)
    # The mirror keeps the sign's text and level, as the server's rows carry them.
    local = {"stop_symptom": sign.text, "stop_level": sign.level}
    outcome = stop_outcome(sign.level, is_post_operative(store))
    # A sign that needs someone today must not wait behind the day's other entries.
    priority = URGENT if outcome.needs_someone_today else NORMAL
    event_id = store.enqueue("exercise_log", data, priority=priority, local=local)
    if outcome.needs_someone_today:
        urgent.open_episode(store, sign.level, outcome.advice, event_id, "stop_sign", now)
    return event_id


def log_pain(
    store,
    local_date: date | str,
    nprs: int,
    context: str,
    tingling: bool = False,
    numbness: bool = False,
    felt_pop: bool = False,
    new_bruising: bool = False,
    cannot_bear_weight: bool = False,
    now: datetime | None = None,
) -> str:
    """Queue a pain check-in (NPRS 0..10 in a context); return its UUID."""
    _check_nprs("nprs", nprs, optional=False)
    if context not in get_args(PainContext):
        raise ValueError(f"unknown pain context {context!r}")
    data = {
        "local_date": as_date(local_date).isoformat(),
        "nprs": nprs,
        "context": context,
        "tingling": bool(tingling),
        "numbness": bool(numbness),
        "felt_pop": bool(felt_pop),
        "new_bruising": bool(new_bruising),
        "cannot_bear_weight": bool(cannot_bear_weight),
        "recorded_at": recorded_at(now),
    }
    return store.enqueue("pain_log", data)
