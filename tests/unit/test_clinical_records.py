"""The exam catalogue, the Nantes criteria and clinical records in words (pure domain)."""

from datetime import date

import pytest

from domain.exams import EXAM_TESTS, PALPATION_SITES, accuracy_text
from domain.history import ClinicalEntry
from domain.nantes import NANTES_CRITERIA, nantes_status
from domain.readiness import readiness_checklist
from domain.records import describe, record_lines

DAY = date(2026, 11, 2)
ALL_YES = dict.fromkeys(NANTES_CRITERIA, "yes")


def entry(kind, details, day=DAY):
    return ClinicalEntry(kind, day, details)


def test_the_catalogue_has_the_reviewed_tests_with_their_accuracy():
    assert set(EXAM_TESTS) == {
        "long_stride_walking",
        "active_piriformis",
        "seated_piriformis_stretch",
        "straight_leg_raise",
        "ifi_test",
        "active_knee_flexion_30",
        "active_knee_flexion_90",
        "palpation",
    }
    found = {t.id: (t.sensitivity, t.specificity) for t in EXAM_TESTS.values()}
    assert found["long_stride_walking"] == (0.95, 0.84)
    assert found["active_piriformis"] == (0.78, 0.80)
    assert found["seated_piriformis_stretch"] == (0.52, 0.90)
    assert found["straight_leg_raise"] == (0.15, 0.95)
    for unverified in ("ifi_test", "active_knee_flexion_30", "active_knee_flexion_90"):
        assert found[unverified] == (None, None), "an accuracy not verified is not made up"
        assert accuracy_text(EXAM_TESTS[unverified]) == "accuracy not known"
    assert EXAM_TESTS["long_stride_walking"].condition == "ischiofemoral_impingement"
    assert EXAM_TESTS["active_knee_flexion_90"].condition == "proximal_hamstring"
    assert {s.condition for s in PALPATION_SITES.values()} == {
        "ischiofemoral_impingement",
        "proximal_hamstring",
        "pudendal_neuralgia",
        "deep_gluteal_syndrome",
    }


def test_an_exam_test_reads_with_its_accuracy_and_source():
    text = describe(entry("exam_finding", {"test": "active_piriformis", "result": "positive"}))
    assert (
        text == "Active piriformis test: positive (sensitivity 78 %, specificity 80 %, Martin 2014)"
    )
    not_done = describe(entry("exam_finding", {"test": "ifi_test", "result": "not_done"}))
    assert not_done == "Ischiofemoral impingement test: not done"
    slr = describe(entry("exam_finding", {"test": "straight_leg_raise", "result": "negative"}))
    assert slr.endswith("a negative result does not rule it out")
    palpated = describe(
        entry(
            "exam_finding",
            {"test": "palpation", "site": "medial_ischial_tuberosity", "result": "positive"},
        )
    )
    assert palpated == (
        "Palpation medial to the ischial tuberosity (Alcock's canal): positive (accuracy not known)"
    )


def test_rows_stored_as_free_text_read_as_written():
    old_exam = {"test": "FAIR test", "result": "Reproduces the buttock pain."}
    assert describe(entry("exam_finding", old_exam)) == "FAIR test: Reproduces the buttock pain."
    old_scan = {"modality": "US", "finding": "Partial tear."}
    assert describe(entry("imaging", old_scan)) == "Ultrasound: Partial tear."
    old_block = {"target": "right piriformis (bupivacaine)", "guidance": "CT"}
    old_block |= {"pain_before": 8, "pain_after": 6}
    assert describe(entry("guided_injection", old_block)) == (
        "right piriformis (bupivacaine), CT-guided: pain 8 -> 6 (25 % relief)"
    )


def test_imaging_shows_the_ifi_thresholds_beside_the_measurements():
    scan = {"modality": "MRI", "finding": "Narrow space.", "ischiofemoral_space_mm": 12}
    scan |= {"quadratus_femoris_space_mm": 8, "quadratus_femoris_oedema": True}
    text = describe(entry("imaging", scan))
    assert text.startswith("MRI: ischiofemoral space 12 mm (IFI if <= 15 mm); ")
    assert "quadratus femoris space 8 mm (IFI if <= 10 mm)" in text
    assert "more than 4 mm in 1 hip in 3" in text and "quadratus femoris oedema" in text


def test_an_injection_reads_as_the_clinician_would_write_it():
    block = {
        "target": "pudendal_nerve",
        "guidance": "ultrasound",
        "anaesthetic": "lidocaine",
        "pain_before": 7,
        "pain_after": 2,
        "minutes_after": 30,
        "provocative_task": "sitting",
    }
    assert describe(entry("guided_injection", block)) == (
        "Pudendal nerve, ultrasound-guided, lidocaine: pain 7 -> 2 (71 % relief) 30 min after, "
        "sitting"
    )
    other = {"target": "other", "target_note": "Obturator internus", "guidance": "CT"}
    other |= {"pain_before": 6, "pain_after": 6}
    assert describe(entry("guided_injection", other)).startswith("Obturator internus, CT-guided")


def test_the_nantes_criteria_need_all_five():
    assert nantes_status([]) is None, "no intake: not assessed"
    met = nantes_status([entry("intake", {"cancer_history": "no", "nantes": ALL_YES})])
    assert met.met and not met.against and not met.unknown
    night = {**ALL_YES, "not_woken_at_night": "no", "relieved_by_block": "unknown"}
    status = nantes_status([entry("intake", {"cancer_history": "no", "nantes": night})])
    assert not status.met
    assert status.against == ("not_woken_at_night",)
    assert status.unknown == ("relieved_by_block",)


def _block(before, after, day, target="pudendal_nerve"):
    details = {"target": target, "guidance": "CT", "pain_before": before, "pain_after": after}
    return entry("guided_injection", details, day)


def test_a_pudendal_block_on_record_decides_relief_and_the_latest_counts():
    pending = {**ALL_YES, "relieved_by_block": "unknown"}
    intake = entry("intake", {"cancer_history": "no", "nantes": pending})
    assert not nantes_status([intake]).met
    relieved = nantes_status([intake, _block(8, 3, date(2026, 11, 10))])
    assert relieved.met and relieved.block_from_injection
    # A later block that did not help outweighs the earlier one.
    later = [intake, _block(8, 3, date(2026, 11, 10)), _block(8, 6, date(2026, 11, 20))]
    assert nantes_status(later).against == ("relieved_by_block",)
    # A block elsewhere says nothing about the pudendal nerve.
    elsewhere = nantes_status([intake, _block(8, 1, DAY, target="piriformis")])
    assert not elsewhere.met and elsewhere.unknown == ("relieved_by_block",)


def test_the_intake_reads_with_the_nantes_criteria_in_words():
    night = {**ALL_YES, "not_woken_at_night": "no"}
    intake = entry(
        "intake", {"cancer_history": "yes", "previous_surgery": "Hernia repair", "nantes": night}
    )
    assert describe(intake) == (
        "history of cancer: yes; previous surgery: Hernia repair; Nantes criteria for pudendal "
        "neuralgia not met (no to pain does not wake the patient at night)"
    )
    lines = record_lines([intake, _block(6, 1, DAY)])
    assert lines[0]["text"].startswith("Intake: history of cancer: yes")


def test_the_piriformis_pair_is_noted_when_both_were_tested():
    exams = [
        entry("exam_finding", {"test": "active_piriformis", "result": "positive"}),
        entry("exam_finding", {"test": "seated_piriformis_stretch", "result": "negative"}),
    ]
    lines = record_lines(exams)
    assert lines[-1]["kind"] == "note"
    assert "sensitivity 91 %, specificity 80 %" in lines[-1]["text"]
    assert [line["kind"] for line in record_lines(exams[:1])] == ["exam_finding"]


@pytest.mark.parametrize(
    ("modality", "counts"),
    [("MRI", True), ("MR_neurography", True), ("CT", False), ("ultrasound", False)],
)
def test_mri_done_counts_mri_and_mr_neurography(modality, counts):
    scan = entry("imaging", {"modality": modality, "finding": "Seen."})
    items = {i.key: i for i in readiness_checklist([scan])}
    assert items["imaging"].met is counts
    if counts:
        assert "MR_" not in items["imaging"].evidence


def test_the_readiness_evidence_names_the_injection_target_in_words():
    items = {i.key: i for i in readiness_checklist([_block(8, 2, DAY)])}
    assert items["guided_injection"].evidence == "Pudendal nerve: NPRS 8 -> 2 (75 % relief)"
