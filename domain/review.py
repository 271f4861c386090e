"""When a decided alert is judged again: its review date, or new evidence since the decision.

A decision that keeps the patient on the pathway ("continue conservative care", "refer for a
guided injection") is not the end of the story: if the course still fails on the review date,
or a readiness item is completed or a new imaging or injection result is recorded before it,
the clinician sees the episode again, once, as a new alert linked to the decided one.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from domain.history import ClinicalEntry
from domain.pathway import SURGICAL_PATHWAY
from domain.readiness import ReadinessItem

# Decisions after which the course is watched again (the others close the question): on a
# protocol pathway, those marked `review` (domain.pathway); these are the surgical pathway's,
# and they also mark an alert decided before review dates were stored.
WATCHED_DECISIONS = SURGICAL_PATHWAY.watched
# Results that are new evidence for a decided R-FAIL alert.
RESULT_KINDS = ("imaging", "guided_injection")


def default_review_on(decided_on: date, weeks: int) -> date:
    """Return the review date of a decision taken on `decided_on` (the rule set's default)."""
    return decided_on + timedelta(weeks=weeks)


def reraise_reason(
    today: date,
    review_on: date | None,
    decided_at: datetime | None,
    snapshot: Sequence[Mapping] | None,
    items: Iterable[ReadinessItem],
    entries: Iterable[ClinicalEntry],
) -> str | None:
    """Say why a decided, still-firing alert must be shown again, or None when it must not.

    `snapshot` is the checklist as shown at the decision; `entries` the current clinical events
    (with the server's `received_at`).
    """
    met_then = {item["key"] for item in snapshot or () if item.get("met")}
    completed = [item.label for item in items if item.met and item.key not in met_then]
    if completed:
        return "new evidence: " + "; ".join(completed) + " (completed since the decision)"
    if decided_at is not None:
        results = [
            e
            for e in entries
            if e.kind in RESULT_KINDS and e.received_at is not None and e.received_at > decided_at
        ]
        if results:
            kinds = sorted({e.kind.replace("_", " ") for e in results})
            return "new evidence: a new " + " and a new ".join(kinds) + " result since the decision"
    if review_on is not None and today >= review_on:
        return f"the review date {review_on} has come and the course still fails"
    return None
