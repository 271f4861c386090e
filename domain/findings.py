"""A rule firing as plain data: the Finding every rule returns and the server stores as an alert."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.ruleset import RULE_SET_VERSION

Severity = Literal["urgent", "review", "info"]
Route = Literal["physio", "clinician", "surgical_team"]


@dataclass(frozen=True)
class Finding:
    """One rule firing: who must look, why (in a sentence) and the numbers behind it."""

    rule_id: str
    rule_set_version: str
    severity: Severity
    route_to: Route
    rationale: str
    evidence: dict
    # Stable for one episode, so the server keeps a single open alert per (patient, rule, key).
    episode_key: str


def make_finding(
    rule_id: str, severity: Severity, route: Route, rationale: str, evidence: dict, key: str
) -> Finding:
    """Build a finding stamped with the current rule-set version."""
    return Finding(rule_id, RULE_SET_VERSION, severity, route, rationale, evidence, key)


def moment(value: datetime | None) -> str | None:
    """Return a device moment as ISO text for evidence (None when unknown)."""
    return value.isoformat() if value is not None else None
