"""Enrolment: what must be on record before a protocol is assigned, and what rules it out.

A protocol declares it (`enrolment:` in its file); the latest clinical event of a required kind
that records every required detail is the one that counts.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from domain.history import ClinicalEntry
from domain.protocol import Enrolment, Refusal, Requirement


@dataclass(frozen=True)
class Refused:
    """A refusal that applies: the rule, the recorded value and the event it was read from."""

    refusal: Refusal
    value: float
    entry: ClinicalEntry


@dataclass(frozen=True)
class EnrolmentCheck:
    """What is missing, and which refusals apply (both empty: the protocol may be assigned)."""

    missing: tuple[Requirement, ...]
    refused: tuple[Refused, ...]

    @property
    def allowed(self) -> bool:
        """Tell whether the protocol may be assigned."""
        return not self.missing and not self.refused


def _latest(requirement: Requirement, entries: Sequence[ClinicalEntry]) -> ClinicalEntry | None:
    complete = [
        e
        for e in entries
        if e.kind == requirement.kind
        and all(e.details.get(d) is not None for d in requirement.details)
    ]
    # Entries come oldest first; sorted is stable, so the last recorded of a day wins.
    return sorted(complete, key=lambda e: e.event_date)[-1] if complete else None


def check_enrolment(enrolment: Enrolment, entries: Sequence[ClinicalEntry]) -> EnrolmentCheck:
    """Check a protocol's enrolment rules against the patient's clinical events."""
    missing, refused = [], []
    for requirement in enrolment.requires:
        entry = _latest(requirement, entries)
        if entry is None:
            missing.append(requirement)
            continue
        for refusal in enrolment.refuse_when:
            value = entry.details.get(refusal.detail)
            if refusal.detail in requirement.details and value >= refusal.at_least:
                refused.append(Refused(refusal, value, entry))
    return EnrolmentCheck(tuple(missing), tuple(refused))
