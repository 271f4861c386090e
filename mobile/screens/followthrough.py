"""After advice to get care today: the headline, who to call, and whether the team was told.

Shared by the urgent screen and the banner on Today; the state lives in mobile.core.urgent.
"""

from mobile.core import urgent
from mobile.screens import dialer

TOLD = "Your care team has been told."


def headline(level: str, post_operative: bool) -> str:
    """Return the one-line instruction of an urgent or emergency level."""
    if level == "emergency":
        return "Seek emergency care now"
    return "Contact your surgical team today" if post_operative else "Get medical advice today"


def sent_state(store) -> str:
    """Return "sent" (the server named the alert), "waiting" (in the outbox), "unconfirmed",
    or "signed_out" (a check made without an account: nothing was queued)."""
    if store.get_session() is None:
        return "signed_out"
    episode = urgent.active_episode(store)
    if episode and episode["sent"]:
        return "sent"
    return "waiting" if urgent.urgent_waiting(store) else "unconfirmed"


def status_text(state: str, level: str, contacts: dict) -> str:
    """Say whether the care team knows, and who to call while they do not."""
    if state == "sent":
        return TOLD
    emergency, clinic = contacts["emergency_number"], contacts["clinic_phone"]
    if level == "emergency":
        who = emergency
    elif clinic:
        who = f"the clinic on {clinic} ({emergency} in an emergency)"
    else:
        who = f"your doctor or care team today ({emergency} in an emergency)"
    if state == "signed_out":
        return f"You are not signed in, so your care team has not been told: call {who}."
    opening = "Not sent yet" if state == "waiting" else "Your care team has not confirmed it yet"
    return f"{opening}: do not wait for us, call {who}."


def call_choices(level: str, contacts: dict) -> list[tuple[str, str]]:
    """Return [(label, number)] to offer, the one to call first leading."""
    emergency, clinic = contacts["emergency_number"], contacts["clinic_phone"]
    if level == "emergency":
        first = [(f"Call {emergency}", emergency)]
        return first + ([(f"Call the clinic: {clinic}", clinic)] if clinic else [])
    # Same day: the clinic first; the emergency number stays there for when it gets worse.
    first = [(f"Call the clinic: {clinic}", clinic)] if clinic else []
    return first + [(f"In an emergency: call {emergency}", emergency)]


def call(number: str) -> None:
    """Dial a number from a call button (through `dialer.dial`, which tests replace)."""
    dialer.dial(number)
