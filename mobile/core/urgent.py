"""The urgent episode: from advice to get care today until someone has taken it on.

It opens when the patient is told to get care today (an emergency or urgent red flag, post-op
check or stop sign): Today shows the advice with the numbers to call and pauses the exercises.
It counts as sent only once a /sync result for its event named the alerts raised, and it closes
when a clinician acknowledges or decides one of those alerts, or when the patient confirms they
got care. Kept per account in the store, so it survives a restart.
"""

from datetime import UTC, datetime

from domain.redflags import LEVEL_ORDER

KEY = "urgent_episode"
LEVELS = ("urgent", "emergency")
HANDLED = ("acknowledged", "decided")
DEFAULT_EMERGENCY_NUMBER = "999"
KNOWN_CONTACTS = "known_contacts"  # a device setting: the last account's numbers, kept at sign-out


def _view(episode: dict | None) -> dict | None:
    """Return the episode as the screens see it: the most serious of its events leads."""
    if not episode:
        return None
    events = episode["events"]
    # The most serious advice stands; between equals, the newest.
    lead = max(enumerate(events), key=lambda pair: (LEVEL_ORDER[pair[1]["level"]], pair[0]))[1]
    return {
        "level": lead["level"],
        "advice": lead["advice"],
        "event_id": lead["event_id"],
        "source": lead["source"],
        "opened_at": episode["opened_at"],
        "sent": bool(lead["alert_ids"]),
        "alert_ids": sorted({n for event in events for n in event["alert_ids"]}),
    }


def open_episode(
    store, level: str, advice: str, event_id: str, source: str, now: datetime | None = None
) -> dict:
    """Open the episode (or add this event to the open one) and return it."""
    if level not in LEVELS:
        raise ValueError(f"an urgent episode is for urgent or emergency advice; got {level!r}")
    event = {
        "event_id": event_id,
        "level": level,
        "advice": advice,
        "source": source,
        "alert_ids": [],
    }
    opened_at = (now or datetime.now(UTC)).isoformat()

    def add(episode):
        episode = episode or {"opened_at": opened_at, "events": []}
        return {**episode, "events": [*episode["events"], event]}

    return _view(store.update_account_value(KEY, add))


def active_episode(store) -> dict | None:
    """Return the open episode {level, advice, event_id, source, opened_at, sent, alert_ids}."""
    return _view(store.account_value(KEY))


def confirm_care(store) -> None:
    """Close the episode: the patient says they got care."""
    store.update_account_value(KEY, lambda _episode: None)


def exercises_paused(store) -> bool:
    """Tell whether the exercises are paused (an open emergency or urgent episode)."""
    episode = active_episode(store)
    return bool(episode) and episode["level"] in LEVELS


def note_results(store, results: list[dict]) -> None:
    """Record the alerts a /sync answer raised for the episode's events."""
    raised = {
        str(r.get("id")): [n for n in r["alert_ids"] if isinstance(n, int)]
        for r in results
        if isinstance(r.get("alert_ids"), list) and r["alert_ids"]
    }
    episode = store.account_value(KEY)
    if not raised or not episode or not any(e["event_id"] in raised for e in episode["events"]):
        return  # the common case: no write on every sync

    def mark(current):
        if not current:
            return None
        events = [
            {**e, "alert_ids": sorted({*e["alert_ids"], *raised.get(e["event_id"], ())})}
            for e in current["events"]
        ]
        return {**current, "events": events}

    store.update_account_value(KEY, mark)


def note_alerts(store, alerts: list[dict]) -> None:
    """Close the episode once a clinician has acknowledged or decided one of its alerts."""
    handled = {a.get("id") for a in alerts if a.get("status") in HANDLED}
    if not handled:
        return

    def close(current):
        if current and handled & {n for e in current["events"] for n in e["alert_ids"]}:
            return None
        return current

    if store.account_value(KEY):
        store.update_account_value(KEY, close)


def urgent_waiting(store) -> bool:
    """Tell whether an event that a person must act on today is still in the outbox."""
    return store.urgent_count() > 0


def contacts(store) -> dict:
    """Return {"emergency_number", "clinic_phone"}: settings first, then the server's."""
    session = store.get_session() or {}
    # Signed out, the numbers of the last account on this device still hold.
    known = (session.get("user") or {}).get("contacts") or store.get_setting(KNOWN_CONTACTS) or {}
    emergency = store.get_setting("emergency_number") or known.get("emergency_number")
    clinic = store.get_setting("clinic_phone") or known.get("clinic_phone")
    return {"emergency_number": emergency or DEFAULT_EMERGENCY_NUMBER, "clinic_phone": clinic}
