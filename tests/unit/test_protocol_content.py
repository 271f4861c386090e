"""Clinical content a clinician relies on: the clinical review's sections 2, 4, 6 and 8.

Each test reads the shipped protocol files as the loader validates them, so a later edit that
brings back a seated stage-1 hold, drops the lying glide, hides the IFI evidence, puts a staff
caveat in front of the patient or mixes up a citation fails here.
"""

import re

from tests.unit.shipped_protocols import exercises, protocols

__all__ = ["protocols"]  # a fixture, used by name below

# Words that only make sense to staff: where a number comes from, or that it was chosen.
STAFF_ONLY = re.compile(
    r"design choice|from memory|\bsourced?\b|\bsources\b|checked|verified|chosen for this plan|"
    r"secondary summary|\bborrowed\b|\bet al\b|L-protocol|version \d",
    re.IGNORECASE,
)
SITTING = re.compile(r"\b(sit|sitting|seated|chair|stool|bench)\b(?! bone)", re.IGNORECASE)


def citation(doc: dict, ref_id: str) -> str:
    """Return the citation text of one reference of a protocol."""
    return next(r["citation"] for r in doc["references"] if r["id"] == ref_id)


def cited_ids(doc: dict) -> set[str]:
    """Return the reference ids that some exercise or enrolment rule cites."""
    ids = {ref for exercise in exercises(doc) for ref in exercise["references"]}
    refusals = (doc.get("enrolment") or {}).get("refuse_when", [])
    return ids | {ref for refusal in refusals for ref in refusal["references"]}


def patient_text(doc: dict):
    """Yield (where, text) for each text the patient reads (notes, criteria, citations: staff's)."""
    yield "summary", doc["summary"]
    for phase in doc["phases"]:
        yield phase["id"], phase["title"]
        for line in phase["goals"] + phase["restrictions"]:
            yield phase["id"], line
        for e in phase["exercises"]:
            signs = [sign["text"] for sign in e["stop_if"]]
            lines = [e["name"], *e["instructions"], *e["cautions"], *signs]
            lines += [e["regression"], e["progression"]]
            for line in lines:
                yield e["id"], line


# -- section 2: non-operative proximal hamstring


def test_hamstring_stage_one_has_no_seated_exercise(protocols):
    stage_one = protocols["hamstring-nonoperative"]["phases"][0]
    for exercise in stage_one["exercises"]:
        how = " ".join([exercise["name"], *exercise["instructions"]])
        assert not SITTING.search(how), exercise["id"]


def test_hamstring_stage_one_holds_keep_the_hip_straight(protocols):
    stage_one = protocols["hamstring-nonoperative"]["phases"][0]
    holds = [e for e in stage_one["exercises"] if "isometric" in e["id"]]
    assert len(holds) >= 2
    for hold in holds:
        assert hold["dose"]["hold_s"] >= 20, hold["id"]
        said = " ".join(hold["instructions"] + hold["cautions"])
        assert re.search(r"hip (is |stays )?straight|keeps the hip straight", said), hold["id"]
        assert "goom2016" in hold["references"]


def test_hamstring_progression_criteria_cite_heiderscheit_2010(protocols):
    doc = protocols["hamstring-nonoperative"]
    text = citation(doc, "heiderscheit2010")
    assert text.startswith("Heiderscheit BC, Sherry MA")
    assert "2010;40(2):67-81" in text and "PMID 20118524" in text
    assert not any(r["citation"].startswith("Sherry") for r in doc["references"])
    running = next(e for e in exercises(doc) if e["id"] == "run-progression")
    assert "heiderscheit2010" in running["references"]
    assert any("Heiderscheit 2010" in note for note in doc["notes"])


def test_askling_2013_is_cited_with_its_doi_for_the_three_lengthening_exercises(protocols):
    doc = protocols["hamstring-nonoperative"]
    text = citation(doc, "askling2013")
    assert text.startswith("Askling CM, Tengvar M, Thorstensson A.")
    assert "Br J Sports Med. 2013" in text and "doi:10.1136/bjsports-2013-092165" in text
    assert "28 days" in text and "51 days" in text
    lengthening = [e for e in exercises(doc) if e["id"].startswith("askling-")]
    assert len(lengthening) == 3
    assert all(e["references"] == ["askling2013"] for e in lengthening)


# -- section 4: nerve gliding


def glides(protocols):
    """Return (protocol id, exercise) for every neural glide of every protocol."""
    found = [(pid, e) for pid, doc in protocols.items() for e in exercises(doc)]
    return [(pid, e) for pid, e in found if e["category"] == "neural_glide"]


def test_every_neural_glide_offers_a_lying_option(protocols):
    assert len(glides(protocols)) >= 4
    for protocol_id, glide in glides(protocols):
        steps = " ".join(glide["instructions"])
        assert "lie on your back" in steps, (protocol_id, glide["id"])
        assert "or lying" in glide["name"], (protocol_id, glide["id"])


def test_the_first_slider_regresses_to_lying(protocols):
    first = protocols["piriformis-neural-gliding"]["phases"][0]
    slider = next(e for e in first["exercises"] if e["category"] == "neural_glide")
    assert "lying position" in slider["regression"]


def test_the_two_ellis_papers_are_two_references(protocols):
    doc = protocols["piriformis-neural-gliding"]
    ids = {r["id"] for r in doc["references"]}
    assert "ellis2012" not in ids  # the old id stood for both papers
    review = citation(doc, "ellis-hing2008")
    ultrasound = citation(doc, "ellis-hing-mcnair2012")
    assert review.startswith("Ellis RF, Hing WA.") and "J Man Manip Ther" in review
    assert "2008;16(1):8-22" in review and "limited evidence" in review
    assert ultrasound.startswith("Ellis RF, Hing WA, McNair PJ.")
    assert "J Orthop Sports Phys Ther" in ultrasound and "2012;42(8)" in ultrasound
    assert "healthy" in ultrasound and "J Man Manip Ther" not in ultrasound


def test_slider_strain_paper_is_said_to_be_arm_nerves_in_cadavers(protocols):
    text = citation(protocols["piriformis-neural-gliding"], "coppieters2008")
    assert "Man Ther. 2008;13(3):213-21" in text
    assert "cadaver" in text and "median" in text


def test_plaza_manzano_is_described_as_lumbar_radiculopathy_from_disc_herniation(protocols):
    doc = protocols["piriformis-neural-gliding"]
    text = citation(doc, "plaza2020")
    assert "lumbar radiculopathy" in text and "disc herniation" in text
    assert "not deep gluteal syndrome" in text and "2020;99(2):124-32" in text
    assert any("Plaza-Manzano 2020" in n and "disc herniation" in n for n in doc["notes"])


# -- section 6: evidence stated honestly, the condition named correctly


def test_ifi_protocol_states_that_the_treatment_evidence_is_case_series(protocols):
    doc = protocols["ischiofemoral-impingement"]
    notes = " ".join(doc["notes"])
    assert "case series" in notes and "17 papers" in notes and "none was comparative" in notes
    assert "case series" in citation(doc, "ifi-treatment-review")
    assert "doi:10.1007/s12178-025-10004-9" in citation(doc, "mohorea2026")
    assert "No study has yet compared" in doc["summary"]
    assert "not a treatment" in citation(doc, "gomezhoyos2016")


def test_deep_gluteal_syndrome_is_not_equated_with_piriformis_syndrome(protocols):
    doc = protocols["piriformis-neural-gliding"]
    assert doc["condition"].startswith("Deep gluteal syndrome (sciatic nerve entrapment")
    notes = " ".join(doc["notes"])
    assert "fibrous bands" in notes and "obturator internus" in notes


# -- section 8: citations of the pudendal plan


def test_anderson_2005_is_described_as_men_with_chronic_pelvic_pain(protocols):
    doc = protocols["pelvic-floor-downtraining"]
    text = citation(doc, "anderson2005")
    assert "chronic pelvic pain in men" in text and "138 men" in text
    assert "not about pudendal" in text
    assert "J Urol. 2005;174(1):155-60" in text


def test_nice_incontinence_guidance_is_not_cited_for_a_pudendal_dose(protocols):
    doc = protocols["pelvic-floor-downtraining"]
    assert "nice-pfmt" not in cited_ids(doc)
    text = citation(doc, "nice-pfmt")
    assert "incontinence" in text and "no dose for pudendal neuralgia" in text
    holds = [e for e in exercises(doc) if e["category"] == "motor_control" and e["dose"]["hold_s"]]
    assert holds and all("contraction-dosing" in e["references"] for e in holds)


# -- staff notes stay out of what the patient reads


def test_no_patient_text_carries_a_staff_only_note(protocols):
    found = [
        (pid, where, text)
        for pid, doc in protocols.items()
        for where, text in patient_text(doc)
        if STAFF_ONLY.search(text)
    ]
    assert found == []


def test_no_patient_text_names_a_reference_id(protocols):
    for pid, doc in protocols.items():
        ref_ids = [r["id"] for r in doc["references"] if re.search(r"\d", r["id"])]
        pattern = re.compile("|".join(map(re.escape, ref_ids)))
        assert [(w, t) for w, t in patient_text(doc) if pattern.search(t)] == [], pid


def test_the_staff_caveats_moved_into_the_notes(protocols):
    hamstring = " ".join(protocols["hamstring-nonoperative"]["notes"])
    assert "from memory" in hamstring
    piriformis = " ".join(protocols["piriformis-neural-gliding"]["notes"])
    assert "Tensioner starting dose" in piriformis and "not a sourced number" in piriformis
