"""Enrolment: what must be on record before a protocol is assigned, and R-ENROL when refused."""

import json
from datetime import date
from pathlib import Path

import pytest

from domain.enrolment import check_enrolment
from domain.history import ClinicalEntry
from domain.protocol import Enrolment, Protocol
from domain.rules import enrolment_findings
from server.protocols.loader import load_protocol_file

PROTOCOLS_DIR = Path(__file__).resolve().parents[2] / "protocols"
JAN, FEB, MAR = date(2026, 1, 12), date(2026, 2, 9), date(2026, 3, 9)


def protocol(protocol_id: str) -> Protocol:
    doc, problems = load_protocol_file(PROTOCOLS_DIR / f"{protocol_id}.yaml")
    assert problems == []
    return Protocol.from_dict(doc)


NONOP = protocol("hamstring-nonoperative")


def imaging(when=FEB, **details):
    return ClinicalEntry("imaging", when, details)


def check(*entries):
    return check_enrolment(NONOP.enrolment, list(entries))


def refused_details(result):
    return [(r.refusal.detail, r.value) for r in result.refused]


CASES = [
    ("nothing recorded", [], "missing", []),
    ("imaging without the retraction", [imaging(tendons_torn=1)], "missing", []),
    ("tendons torn left empty", [imaging(tendons_torn=None, retraction_mm=0)], "missing", []),
    (
        "the details in an exam finding, not imaging",
        [ClinicalEntry("exam_finding", FEB, {"tendons_torn": 1, "retraction_mm": 0})],
        "missing",
        [],
    ),
    ("no tear", [imaging(tendons_torn=0, retraction_mm=0)], "allowed", []),
    ("one tendon, 10 mm", [imaging(tendons_torn=1, retraction_mm=10)], "allowed", []),
    ("one tendon, 19.5 mm", [imaging(tendons_torn=1, retraction_mm=19.5)], "allowed", []),
    (
        "two tendons",
        [imaging(tendons_torn=2, retraction_mm=5)],
        "refused",
        [("tendons_torn", 2)],
    ),
    (
        "one tendon, 20 mm",
        [imaging(tendons_torn=1, retraction_mm=20)],
        "refused",
        [("retraction_mm", 20)],
    ),
    (
        "three tendons, 45 mm",
        [imaging(tendons_torn=3, retraction_mm=45)],
        "refused",
        [("tendons_torn", 3), ("retraction_mm", 45)],
    ),
    (
        "a later scan shows a smaller tear",
        [
            imaging(JAN, tendons_torn=2, retraction_mm=30),
            imaging(FEB, tendons_torn=1, retraction_mm=5),
        ],
        "allowed",
        [],
    ),
    (
        "a later scan shows a complete tear",
        [
            imaging(JAN, tendons_torn=1, retraction_mm=5),
            imaging(FEB, tendons_torn=2, retraction_mm=5),
        ],
        "refused",
        [("tendons_torn", 2)],
    ),
    (
        "the latest by date, whatever the order recorded",
        [
            imaging(MAR, tendons_torn=1, retraction_mm=5),
            imaging(JAN, tendons_torn=2, retraction_mm=5),
        ],
        "allowed",
        [],
    ),
    (
        "the last recorded of one day",
        [
            imaging(FEB, tendons_torn=2, retraction_mm=5),
            imaging(FEB, tendons_torn=1, retraction_mm=5),
        ],
        "allowed",
        [],
    ),
    (
        "a later incomplete scan does not hide a complete tear",
        [imaging(JAN, tendons_torn=2, retraction_mm=5), imaging(FEB, tendons_torn=1)],
        "refused",
        [("tendons_torn", 2)],
    ),
]


@pytest.mark.parametrize(
    ("entries", "outcome", "refused"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_hamstring_nonoperative_enrolment(entries, outcome, refused):
    result = check(*entries)
    assert result.allowed is (outcome == "allowed")
    assert [r.kind for r in result.missing] == (["imaging"] if outcome == "missing" else [])
    assert refused_details(result) == refused


def test_a_missing_requirement_says_what_to_record():
    (missing,) = check().missing
    assert missing.details == ("tendons_torn", "retraction_mm")
    assert "MRI or ultrasound" in missing.text


def test_a_refusal_names_the_scan_and_the_reason():
    scan = imaging(MAR, tendons_torn=2, retraction_mm=0)
    (refused,) = check(imaging(JAN, tendons_torn=1, retraction_mm=0), scan).refused
    assert refused.entry == scan
    assert "complete avulsion" in refused.refusal.reason
    assert refused.refusal.references == ("buckwalter2017",)


def test_a_protocol_without_enrolment_rules_is_always_allowed():
    piriformis = protocol("piriformis-neural-gliding")
    assert piriformis.enrolment == Enrolment()
    assert check_enrolment(piriformis.enrolment, []).allowed


# ---------------------------------------------------------------- R-ENROL


def test_no_finding_when_nothing_is_refused():
    assert enrolment_findings(NONOP.id, NONOP.title, []) == []


def test_a_refused_assignment_asks_for_an_urgent_surgical_opinion():
    scan = imaging(MAR, tendons_torn=3, retraction_mm=25)
    refused = list(check(scan).refused)
    (finding,) = enrolment_findings(NONOP.id, NONOP.title, refused)
    assert (finding.rule_id, finding.severity, finding.route_to, finding.episode_key) == (
        "R-ENROL",
        "urgent",
        "clinician",
        "hamstring-nonoperative:2026-03-09",
    )
    assert f"{NONOP.title} was not assigned" in finding.rationale
    assert "tendons_torn 3, retraction_mm 25" in finding.rationale
    ev = json.loads(json.dumps(finding.evidence))
    assert ev["details"] == {"tendons_torn": 3, "retraction_mm": 25}
    assert [(r["detail"], r["value"], r["at_least"]) for r in ev["refused"]] == [
        ("tendons_torn", 3, 2.0),
        ("retraction_mm", 25, 20.0),
    ]
    assert any("surgical opinion" in step for step in ev["next_steps"])
