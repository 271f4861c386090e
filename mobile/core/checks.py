"""The safety checks, triaged offline: the red-flag check and the daily post-operative check.

Both go to the front of the outbox; one that tells the patient to get care today is urgent
(the sync engine retries it within seconds) and opens the urgent episode.
"""

from datetime import UTC, date, datetime

from domain import postop, redflags
from domain.redflags import Triage
from mobile.core import urgent
from mobile.core.formatting import as_date
from mobile.core.outbox import FIRST, URGENT
from mobile.core.plan import plan_protocol


def recorded_at(now: datetime | None) -> str:
    """Return the device time of an entry (now by default) as ISO text."""
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    return moment.isoformat()


def is_post_operative(store) -> bool:
    """Tell whether the active plan follows surgery (its protocol or its surgery date)."""
    plan = store.active_plan()
    if not plan:
        return False
    protocol = plan_protocol(store, plan)
    return bool(plan.get("surgery_date")) or getattr(protocol, "care_type", "") == "post_operative"


def _cancer_history(store) -> bool:
    session = store.get_session() or {}
    return bool((session.get("user") or {}).get("cancer_history"))


def _queue_check(store, event_type: str, local_date, answers, now, result, local) -> str:
    """Queue a triaged check and open the urgent episode when it needs care today."""
    needs_care = result.level in urgent.LEVELS
    data = {
        "local_date": as_date(local_date).isoformat(),
        "answers": dict(answers),
        "recorded_at": recorded_at(now),
    }
    event_id = store.enqueue(
        event_type,
        data,
        priority=URGENT if needs_care else FIRST,
        local={"level": result.level, **local},
    )
    if needs_care:
        urgent.open_episode(store, result.level, result.advice, event_id, event_type, now)
    return event_id


def submit_red_flag_check(
    store, local_date: date | str, answers: dict[str, bool | None], now: datetime | None = None
) -> Triage:
    """Triage a red-flag check offline, queue it to sync first, and return the advice."""
    # Every question needs True, False or None ("not asked", only next to a yes): triage raises
    # on a missing or unknown key, a non-boolean, or None without a yes.
    result = redflags.triage(answers, cancer_history=_cancer_history(store))
    _queue_check(store, "red_flag_check", local_date, answers, now, result, {})
    return result


def _surgery_days(store, local_date: date | str) -> int | None:
    """Return the days after surgery on a date for a post-operative plan, else None."""
    plan = store.active_plan()
    if not plan or not plan.get("surgery_date") or not is_post_operative(store):
        return None
    return postop.days_since(as_date(plan["surgery_date"]), as_date(local_date))


def postop_check_days(store, local_date: date | str) -> int | None:
    """Return the days after surgery when today's post-op check is still to do, else None."""
    days = _surgery_days(store, local_date)
    if days is None or not postop.is_due(days):
        return None
    if store.postop_checks(local_date, local_date):
        return None
    return days


def submit_postop_check(
    store, local_date: date | str, answers: dict[str, bool | None], now: datetime | None = None
) -> Triage:
    """Triage a post-operative check offline, queue it to sync first, and return the advice."""
    days = _surgery_days(store, local_date)
    if days is None or not postop.is_due(days):
        raise ValueError("no post-operative check is asked on this day")
    result = postop.triage(answers, days)
    local = {"days_after_surgery": days}
    _queue_check(store, "postop_check", local_date, answers, now, result, local)
    return result
