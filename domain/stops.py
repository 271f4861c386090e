"""What a stopped exercise means: the advice and the route of each stop-sign level.

The level comes from the protocol version (`stop_if[].level`), never from the device. Imported
by the mobile app (offline advice): standard library and domain only.
"""

from dataclasses import dataclass

STOP_EMERGENCY = (
    "Stop now. Go to the emergency department, or call the emergency number if you cannot get "
    "there safely. Do not wait for your next appointment."
)
STOP_EMERGENCY_POSTOP = (
    "Stop now and call the emergency number. After an operation, sudden breathlessness or chest "
    "pain can be a blood clot in the lung. Do not wait for your next appointment."
)
STOP_URGENT_POSTOP = (
    "Stop the exercise and contact your surgical team today. If you cannot reach them today, "
    "get urgent medical care. Do no more exercises until they have told you it is safe."
)
STOP_URGENT = (
    "Stop the exercise and contact your doctor or care team today. If you cannot reach them "
    "today, get urgent medical care. Do no more exercises until you have been seen."
)
STOP_REVIEW = (
    "Stop this exercise for today. Your physiotherapist is told and will review your plan "
    "before you do it again."
)
STOP_ONLY = "Stop this exercise for today and rest. Try it again at your next session."


@dataclass(frozen=True)
class StopOutcome:
    """What happens after a stop sign: the advice shown and who is told (None: nobody)."""

    level: str
    advice: str
    route_to: str | None
    severity: str | None

    @property
    def needs_someone_today(self) -> bool:
        """Tell whether the patient must get help today (the urgent screen is shown)."""
        return self.level in ("emergency", "urgent")


def stop_outcome(level: str, post_operative: bool) -> StopOutcome:
    """Return the advice and routing of a stop sign of this level."""
    if level == "emergency":
        if post_operative:
            return StopOutcome(level, STOP_EMERGENCY_POSTOP, "surgical_team", "urgent")
        return StopOutcome(level, STOP_EMERGENCY, "clinician", "urgent")
    if level == "urgent":
        if post_operative:
            return StopOutcome(level, STOP_URGENT_POSTOP, "surgical_team", "urgent")
        return StopOutcome(level, STOP_URGENT, "clinician", "urgent")
    if level == "review":
        return StopOutcome(level, STOP_REVIEW, "physio", "review")
    if level == "stop":
        return StopOutcome(level, STOP_ONLY, None, None)
    raise ValueError(f"unknown stop level {level!r}")
