"""Condition pathways: each shipped protocol's steps evaluated against clinical records, and the
loader's refusals of a malformed pathway (pure: no app, no database)."""

from datetime import date, datetime
from typing import Any, NamedTuple

import pytest

from domain.decisions import allowed_decisions, decision_label
from domain.pathway import SURGICAL_PATHWAY, Pathway, done_when_problems
from domain.protocol import Protocol
from domain.readiness import readiness_checklist
from server.protocols.loader import parse_protocol_text
from tests.unit.shipped_protocols import PROTOCOLS_DIR, protocols  # noqa: F401 (fixture)


class Entry(NamedTuple):
    """A clinical record as the rules read it (the intake and medication-review kinds arrive
    with the structured clinical records; the readiness code reads entries by attribute)."""

    kind: str
    event_date: date
    details: dict[str, Any]
    recorded_by: str | None = None
    received_at: datetime | None = None


def day(n: int) -> date:
    return date(2026, 3, n)


NANTES_YES = {
    "pain_in_pudendal_territory": "yes",
    "worse_sitting": "yes",
    "not_woken_at_night": "yes",
    "no_objective_sensory_loss": "yes",
    "relieved_by_block": "unknown",
}


def _block(n, target, before, after):
    return Entry(
        "guided_injection",
        day(n),
        {
            "target": target,
            "anaesthetic": "lidocaine 1 %",
            "guidance": "CT",
            "minutes_after": 30,
            "provocative_task": "sitting 20 minutes",
            "pain_before": before,
            "pain_after": after,
        },
    )


@pytest.fixture()
def pathway(protocols):  # noqa: F811
    def of(protocol_id: str) -> Pathway:
        return Protocol.from_dict(protocols[protocol_id]).failure_pathway

    return of


def _items(pathway, entries):
    return {item.key: item for item in readiness_checklist(entries, pathway)}


def test_every_conservative_protocol_declares_its_pathway_and_cites_it(protocols):  # noqa: F811
    for doc in protocols.values():
        if doc["care_type"] != "conservative":
            assert "pathway" not in doc
            continue
        assert doc["pathway"]["steps"], doc["id"]
        refs = {r["id"] for r in doc["references"]}
        for step in doc["pathway"]["steps"]:
            assert step["references"] and set(step["references"]) <= refs, (doc["id"], step)


def test_pudendal_steps_are_medical_and_tick_with_nantes_block_and_medication(pathway):
    pudendal = pathway("pelvic-floor-downtraining")
    assert [s.id for s in pudendal.steps] == ["nantes", "pudendal_block", "medication_review"]
    assert [i.met for i in readiness_checklist([], pudendal)] == [False, False, False]
    entries = [
        Entry("intake", day(2), {"cancer_history": False, "nantes": NANTES_YES}),
        _block(10, "pudendal_nerve", 8, 2),
        Entry("medication_review", day(12), {"medications": "pregabalin", "outcome": "no help"}),
    ]
    items = _items(pudendal, entries)
    assert all(i.met for i in items.values())
    # The block on record (75 % relief) answers the intake's "unknown" fifth criterion.
    assert items["nantes"].evidence.startswith("Nantes criteria: 5 of 5 met")
    before_block = _items(pudendal, entries[:1])["nantes"]
    assert before_block.met and "4 of 5 met" in before_block.evidence
    assert "relieved by an anaesthetic pudendal block: unknown" in before_block.evidence
    assert "75 % relief" in items["pudendal_block"].evidence
    assert "pregabalin" in items["medication_review"].evidence


def test_a_nantes_answer_left_unknown_is_not_on_record(pathway):
    nantes = {**NANTES_YES, "worse_sitting": "unknown"}
    item = _items(
        pathway("pelvic-floor-downtraining"), [Entry("intake", day(2), {"nantes": nantes})]
    )
    assert not item["nantes"].met and item["nantes"].next_step
    assert "worse when sitting: unknown" in item["nantes"].evidence


def test_only_a_block_of_the_steps_target_counts_and_the_latest_one(pathway):
    pudendal = pathway("pelvic-floor-downtraining")
    other_target = [_block(10, "piriformis", 8, 1)]
    assert not _items(pudendal, other_target)["pudendal_block"].met
    positive_then_negative = [
        _block(10, "pudendal_nerve", 8, 2),
        _block(20, "pudendal_nerve", 8, 7),
    ]
    item = _items(pudendal, positive_then_negative)["pudendal_block"]
    assert not item.met and "12 % relief" in item.evidence and "not diagnostic" in item.next_step
    # Exactly 50 % is positive (SPEC 4).
    assert _items(pudendal, [_block(10, "pudendal_nerve", 8, 4)])["pudendal_block"].met


def test_ifi_needs_both_mri_measurements_and_an_ischiofemoral_injection(pathway):
    ifi = pathway("ischiofemoral-impingement")
    assert [s.id for s in ifi.steps][0] == "lumbar_spine"
    one = Entry(
        "imaging", day(3), {"modality": "MRI", "finding": "oedema", "ischiofemoral_space_mm": 12}
    )
    assert not _items(ifi, [one])["ifi_measurements"].met
    both = Entry(
        "imaging",
        day(4),
        {
            "modality": "MRI",
            "finding": "narrow ischiofemoral space",
            "ischiofemoral_space_mm": 12,
            "quadratus_femoris_space_mm": 8,
        },
    )
    item = _items(ifi, [one, both])["ifi_measurements"]
    assert item.met and "ischiofemoral space 12 mm" in item.evidence
    assert "quadratus femoris space 8 mm" in item.evidence
    assert _items(ifi, [_block(5, "ischiofemoral_space", 6, 2)])["ifi_injection"].met
    assert not _items(ifi, [_block(5, "pudendal_nerve", 6, 0)])["ifi_injection"].met


def test_deep_gluteal_syndrome_wants_the_spine_out_first_then_nerve_work_up(pathway):
    dgs = pathway("piriformis-neural-gliding")
    assert [s.id for s in dgs.steps] == [
        "lumbar_spine",
        "peri_sciatic_injection",
        "mr_neurography",
        "emg_ncs",
        "mechanical_source",
    ]
    entries = [
        Entry(
            "exam_finding",
            day(1),
            {"test": "active_piriformis", "result": "positive", "lumbar_spine": "excluded"},
        ),
        _block(5, "peri_sciatic", 7, 3),
        Entry("imaging", day(6), {"modality": "MRI", "finding": "normal"}),
        Entry(
            "imaging", day(7), {"modality": "EMG_NCS", "finding": "sciatic slowing at the notch"}
        ),
    ]
    items = _items(dgs, entries)
    assert items["lumbar_spine"].met and items["peri_sciatic_injection"].met
    assert not items["mr_neurography"].met, "a plain MRI is not MR neurography"
    assert items["emg_ncs"].met
    neurography = Entry(
        "imaging", day(8), {"modality": "MR_neurography", "finding": "swollen nerve"}
    )
    assert _items(dgs, [*entries, neurography])["mr_neurography"].met


def test_non_operative_hamstring_leads_to_a_surgical_opinion(pathway):
    hamstring = pathway("hamstring-nonoperative")
    ids = [d.id for d in hamstring.decisions]
    assert ids[0] == "refer_surgical_review"
    scan = Entry(
        "imaging",
        day(2),
        {
            "modality": "ultrasound",
            "finding": "partial tear",
            "tendons_torn": 1,
            "retraction_mm": 0,
        },
    )
    assert _items(hamstring, [scan])["tendon_imaging"].met
    old_row = Entry(
        "imaging",
        day(2),
        {"modality": "US", "finding": "partial tear", "tendons_torn": 1, "retraction_mm": 0},
    )
    assert _items(hamstring, [old_row])["tendon_imaging"].met, "old rows say US for ultrasound"


def test_without_a_pathway_the_checklist_is_the_surgical_one():
    assert [i.key for i in readiness_checklist([])] == [
        "lumbar_spine",
        "imaging",
        "guided_injection",
        "mechanical_source",
    ]
    assert Pathway.from_dict(None) is SURGICAL_PATHWAY


def test_decisions_per_alert_and_the_words_of_stored_ones(pathway):
    pudendal = pathway("pelvic-floor-downtraining")
    fail = [d.id for d in allowed_decisions("R-FAIL", pudendal)]
    assert {"review_medication", "refer_guided_injection", "refer_decompression"} <= set(fail)
    assert "refer_surgical_review" not in fail
    assert set(pudendal.watched) == {
        "review_medication",
        "refer_guided_injection",
        "continue_conservative",
    }
    red = [d.id for d in allowed_decisions("R-RED", pudendal)]
    assert "sent_to_emergency_department" in red and "seen_and_excluded" in red
    assert "continue_conservative" not in red
    postop = [d.id for d in allowed_decisions("R-POSTOP", None)]
    assert {"wound_reviewed", "seen_in_clinic", "readmitted"} <= set(postop)
    # A pathway's own label first; a decision stored under an older set still reads.
    assert decision_label("refer_guided_injection", pudendal.decisions) == (
        "Refer for an image-guided pudendal block"
    )
    assert decision_label("refer_surgical_review") == "Refer for surgical review"
    assert decision_label("something_new") == "Something new"


@pytest.mark.parametrize(
    ("done_when", "field", "reason"),
    [
        ({"kind": "x-ray"}, "kind", "must be one of"),
        (
            {"kind": "imaging", "target": ["pudendal_nerve"]},
            "target",
            "only for kind guided_injection",
        ),
        ({"kind": "imaging", "modality": ["PET"]}, "modality", "unknown ['PET']"),
        ({"kind": "imaging", "has": []}, "has", "non-empty list"),
        ({"kind": "intake"}, "nantes", "required for kind intake"),
        ({"kind": "intake", "nantes": "maybe"}, "nantes", "must be one of"),
        ({"lumbar_spine": "probably"}, "lumbar_spine", "must be one of excluded"),
        ({"lumbar_spine": "excluded", "kind": "imaging"}, "lumbar_spine", "stands alone"),
        ({"kind": "imaging", "colour": "red"}, "colour", "unknown field"),
        ({}, "kind", "required"),
    ],
)
def test_done_when_problems_name_the_field(done_when, field, reason):
    problems = done_when_problems(done_when)
    assert any(f == field and reason in r for f, r in problems), problems


def _with_pathway(pathway_yaml: str) -> str:
    text = (PROTOCOLS_DIR / "pelvic-floor-downtraining.yaml").read_text()
    start = text.index("\npathway:\n")
    end = text.index("\nnotes:\n")
    return text[:start] + "\n" + pathway_yaml.rstrip("\n") + text[end:]


STEP = """    - id: nantes
      title: Nantes criteria on record
      done_when: {kind: intake, nantes: recorded}
      references: [labat2008]
"""
DECISIONS = """  decisions:
    - id: continue_conservative
      label: Continue conservative care
      review: true
    - id: discharge
      label: Discharge
"""


@pytest.mark.parametrize(
    ("pathway_yaml", "path", "reason"),
    [
        (
            "pathway:\n  steps:\n    - id: a\n      title: A\n      done_when: {kind: scan}\n"
            + DECISIONS,
            "pathway.steps[0].done_when.kind",
            "must be one of",
        ),
        (
            "pathway:\n  steps:\n    - id: a\n      title: A\n"
            "      done_when: {kind: imaging, site: left}\n" + DECISIONS,
            "pathway.steps[0].done_when.site",
            "unknown field",
        ),
        (
            "pathway:\n  steps:\n" + STEP + "    - id: spine\n      title: Spine\n"
            "      done_when: {lumbar_spine: excluded}\n" + DECISIONS,
            "pathway.steps[1].done_when",
            "must come first",
        ),
        (
            "pathway:\n  steps:\n" + STEP + STEP + DECISIONS,
            "pathway.steps[1].id",
            "duplicate id",
        ),
        (
            "pathway:\n  steps:\n" + STEP + DECISIONS.replace("      review: true\n", ""),
            "pathway.decisions",
            "review: true",
        ),
        (
            "pathway:\n  steps:\n" + STEP.replace("[labat2008]", "[nobody2020]") + DECISIONS,
            "pathway.steps[0].references[0]",
            "unknown reference id",
        ),
        (
            "pathway:\n  steps:\n" + STEP + DECISIONS.replace("id: discharge", "id: Discharge-Now"),
            "pathway.decisions[1].id",
            "lower_case_id",
        ),
        (
            "pathway:\n  steps:\n" + STEP + DECISIONS + "  extra: 1\n",
            "pathway.extra",
            "unknown field",
        ),
    ],
)
def test_the_loader_refuses_a_malformed_pathway_with_its_path(pathway_yaml, path, reason):
    doc, problems = parse_protocol_text(_with_pathway(pathway_yaml), "pelvic.yaml")
    assert doc is None
    assert any(p.path == path and reason in p.reason for p in problems), [str(p) for p in problems]


def test_a_post_operative_protocol_has_no_failed_trial_pathway():
    text = (PROTOCOLS_DIR / "hamstring-repair.yaml").read_text()
    text = text.replace("\nnotes:\n", "\npathway:\n  steps:\n" + STEP + DECISIONS + "notes:\n", 1)
    text = text.replace("references: [labat2008]", "references: [review]")
    doc, problems = parse_protocol_text(text, "repair.yaml")
    assert doc is None
    assert [p.path for p in problems] == ["pathway"]
