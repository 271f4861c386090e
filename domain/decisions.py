"""Which decisions an alert allows, and the words of every decision an alert may carry.

A failed-trial alert (R-FAIL) allows its protocol's pathway decisions (protocols/*.yaml). The
other rules' outcome sets below are DESIGN CHOICES of this project, not taken from a source:
a red flag is sent on or excluded (clinical-review section 6: red flags need their own
outcomes, not the surgical-review choices), a post-operative warning sign is seen and dealt
with by the surgical team, and the physio's rules keep the plan choices. Only a failed-trial
decision marked `review` sets a review date (domain.review).
"""

from domain.pathway import SURGICAL_PATHWAY, Pathway, PathwayDecision


def _d(decision_id: str, label: str) -> PathwayDecision:
    return PathwayDecision(decision_id, label)


_EMERGENCY = _d("sent_to_emergency_department", "Sent to the emergency department")
_URGENT_TESTS = _d("urgent_investigation", "Urgent investigation arranged")
_ADJUST = _d("adjust_plan", "Adjust the plan")
_CONTINUE = _d("continue_conservative", "Continue conservative care")
_DISCHARGE = _d("discharge", "Discharge")

OUTCOMES: dict[str, tuple[PathwayDecision, ...]] = {
    # Cauda equina, infection, cancer: emergency care, urgent tests, or seen and ruled out.
    "R-RED": (
        _EMERGENCY,
        _URGENT_TESTS,
        _d("urgent_surgical_opinion", "Urgent surgical opinion arranged"),
        _d("seen_and_excluded", "Seen: the red flag is excluded (e.g. cauda equina)"),
    ),
    # DVT/PE, wound infection, sciatic nerve injury, re-rupture (clinical-review section 1).
    "R-POSTOP": (
        _EMERGENCY,
        _d("readmitted", "Readmitted"),
        _d("seen_in_clinic", "Seen in clinic"),
        _d("wound_reviewed", "Wound reviewed"),
        _URGENT_TESTS,
        _d("complication_excluded", "Seen: no complication found"),
    ),
    # A complete or retracted hamstring avulsion before a non-operative plan: a surgeon first.
    "R-ENROL": (
        _d("urgent_surgical_opinion", "Urgent surgical opinion arranged"),
        _d("proceed_non_operative", "Non-operative care confirmed"),
        _ADJUST,
        _DISCHARGE,
    ),
    # A stop sign during an exercise: emergency and urgent signs reach a clinician today.
    "R-STOP": (
        _EMERGENCY,
        _d("seen_and_excluded", "Seen: the warning sign is excluded"),
        _ADJUST,
        _CONTINUE,
    ),
}
# The physio's rules (R-ADH, R-WORSE, R-NEURO, R-PHASE) and any rule not listed above.
GENERAL: tuple[PathwayDecision, ...] = (
    _CONTINUE,
    _ADJUST,
    _d("refer_guided_injection", "Refer for a guided injection"),
    _d("refer_surgical_review", "Refer for surgical review"),
    _DISCHARGE,
)


def allowed_decisions(rule_id: str, pathway: Pathway | None) -> tuple[PathwayDecision, ...]:
    """Return the decisions an alert of this rule allows (R-FAIL: its pathway's)."""
    if rule_id == "R-FAIL":
        return (pathway or SURGICAL_PATHWAY).decisions
    return OUTCOMES.get(rule_id, GENERAL)


# Words for a decision stored under another set (an older protocol version or rule set).
_KNOWN = {
    d.id: d.label
    for group in (*OUTCOMES.values(), GENERAL, SURGICAL_PATHWAY.decisions)
    for d in group
}


def decision_label(decision_id: str, allowed: tuple[PathwayDecision, ...] = ()) -> str:
    """Return the words of a decision: the alert's own, else any known, else the key's words."""
    for d in allowed:
        if d.id == decision_id:
            return d.label
    return _KNOWN.get(decision_id) or decision_id.replace("_", " ").capitalize()


def all_decision_ids() -> set[str]:
    """Every decision id outside protocol files (the app has words for each)."""
    return set(_KNOWN)
