"""Every file in protocols/ loads cleanly and carries the required clinical structure."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from domain.protocol import STOP_LEVELS
from server.protocols.loader import (
    MAX_BYTES,
    content_hash,
    load_protocol_file,
    protocol_files,
    validate_files,
)
from tests.unit.shipped_protocols import PROTOCOLS_DIR, exercises, protocols

__all__ = ["protocols"]  # a fixture, used by name below
REQUIRED = {
    "piriformis-neural-gliding",
    "pelvic-floor-downtraining",
    "ischiofemoral-impingement",
    "hamstring-repair",
    "hamstring-nonoperative",
}


def test_default_file_list_is_every_yaml_in_protocols(monkeypatch):
    monkeypatch.delenv("STRIDE_PROTOCOLS_DIR", raising=False)
    files = protocol_files(None)
    assert files == sorted(PROTOCOLS_DIR.glob("*.yaml"))
    assert len(files) >= len(REQUIRED)


@pytest.mark.parametrize("path", sorted(PROTOCOLS_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_each_file_loads_without_problems_and_is_named_after_its_id(path):
    doc, problems = load_protocol_file(path)
    assert [str(p) for p in problems] == []
    assert path.name == f"{doc['id']}.yaml"


def test_every_required_protocol_is_present(protocols):
    assert REQUIRED <= set(protocols)


def test_neural_glides_live_only_in_the_piriformis_protocol(protocols):
    for protocol_id, doc in protocols.items():
        glides = [e["id"] for e in exercises(doc) if e["category"] == "neural_glide"]
        if protocol_id != "piriformis-neural-gliding":
            assert glides == [], protocol_id
    piriformis = list(exercises(protocols["piriformis-neural-gliding"]))
    nerve_work = [e for e in piriformis if any(w in e["id"] for w in ("slider", "tensioner"))]
    assert {e["category"] for e in nerve_work} == {"neural_glide"}
    assert any("slider" in e["id"] for e in nerve_work)
    assert any("tensioner" in e["id"] for e in nerve_work)


def test_tensioners_come_after_sliders(protocols):
    phases = protocols["piriformis-neural-gliding"]["phases"]
    first = phases[0]["exercises"]
    assert any("slider" in e["id"] for e in first)
    assert not any("tensioner" in e["id"] for e in first)
    assert any("flare" in r for r in phases[0]["restrictions"])


def test_hamstring_repair_is_phased_from_surgery(protocols):
    doc = protocols["hamstring-repair"]
    assert doc["care_type"] == "post_operative"
    assert "conservative_trial_weeks" not in doc
    assert {p["start_relative_to"] for p in doc["phases"]} == {"surgery_date"}
    assert [p["start_week"] for p in doc["phases"]] == [0, 2, 6, 12, 16]
    criteria = " ".join(c for p in doc["phases"] for c in p["criteria"])
    assert "15 seconds" in criteria and "90 degrees" in criteria


def test_conservative_trial_lengths(protocols):
    trials = {pid: protocols[pid].get("conservative_trial_weeks") for pid in REQUIRED}
    assert trials == {
        "piriformis-neural-gliding": 12,
        "pelvic-floor-downtraining": 12,
        "ischiofemoral-impingement": 12,
        "hamstring-repair": None,
        "hamstring-nonoperative": 24,
    }


def test_pelvic_floor_starts_with_relaxation_and_no_contractions(protocols):
    first = protocols["pelvic-floor-downtraining"]["phases"][0]
    assert {e["category"] for e in first["exercises"]} == {"relaxation"}
    assert any("Kegel" in r for r in first["restrictions"])


def test_ischiofemoral_protocol_restricts_stride(protocols):
    first = protocols["ischiofemoral-impingement"]["phases"][0]
    assert any("Short strides" in r for r in first["restrictions"])
    assert any("cross your legs" in r for r in first["restrictions"])


def test_every_exercise_is_complete(protocols):
    for doc in protocols.values():
        assert doc["references"], doc["id"]
        for exercise in exercises(doc):
            assert exercise["stop_if"] and exercise["instructions"], exercise["id"]
            assert exercise["regression"].strip() and exercise["progression"].strip()


def stop_signs(doc: dict):
    for exercise in exercises(doc):
        for sign in exercise["stop_if"]:
            yield exercise, sign


def test_every_stop_sign_has_a_level_and_an_id_unique_in_its_exercise(protocols):
    for doc in protocols.values():
        for exercise in exercises(doc):
            ids = [sign["id"] for sign in exercise["stop_if"]]
            assert len(ids) == len(set(ids)), (doc["id"], exercise["id"])
            for sign in exercise["stop_if"]:
                assert sign["level"] in STOP_LEVELS, (doc["id"], exercise["id"], sign["id"])
                assert sign["text"].strip()


def test_a_sign_id_means_one_level_throughout_a_protocol(protocols):
    for doc in protocols.values():
        levels: dict[str, set[str]] = {}
        for _, sign in stop_signs(doc):
            levels.setdefault(sign["id"], set()).add(sign["level"])
        assert {i: lv for i, lv in levels.items() if len(lv) > 1} == {}, doc["id"]


# Phrases that tell a patient to get help, wider than the loader's own word list on purpose.
CARE_PHRASES = re.compile(
    r"\b(contact|call|ring|phone|dial|999|111|112|911|seek|emergency|urgent\w*|hospital|a&e|"
    r"ambulance|doctor|gp|surgeon|surgical|get (medical )?help|medical (help|advice|care)|"
    r"tell (your|the)|see (your|a)|go to|let your \w+ know)\b",
    re.IGNORECASE,
)


def test_review_and_stop_signs_never_send_the_patient_for_care(protocols):
    # The app tells a review or stop patient that nobody needs contacting today.
    offending = [
        (doc["id"], exercise["id"], sign["id"], sign["text"])
        for doc in protocols.values()
        for exercise, sign in stop_signs(doc)
        if sign["level"] in ("review", "stop") and CARE_PHRASES.search(sign["text"])
    ]
    assert offending == []


def test_every_neural_glide_asks_for_review_on_tingling_or_numbness(protocols):
    glides = [(doc["id"], e) for doc in protocols.values() for e in exercises(doc)]
    glides = [(pid, e) for pid, e in glides if e["category"] == "neural_glide"]
    assert glides
    for protocol_id, glide in glides:
        assert any(
            sign["level"] == "review" and re.search(r"tingling|numbness", sign["text"], re.I)
            for sign in glide["stop_if"]
        ), (protocol_id, glide["id"])


def test_every_pelvic_floor_exercise_has_an_emergency_sign(protocols):
    for exercise in exercises(protocols["pelvic-floor-downtraining"]):
        emergency = [s for s in exercise["stop_if"] if s["level"] == "emergency"]
        assert emergency, exercise["id"]
        # A pudendal patient's usual perineal symptoms must not be an emergency.
        assert all("new or different from your usual" in s["text"] for s in emergency)


def test_hamstring_repair_signs_of_a_clot_reach_someone_today(protocols):
    signs = {}
    for _, sign in stop_signs(protocols["hamstring-repair"]):
        signs.setdefault(sign["id"], set()).add(sign["level"])
    assert signs["breathless-chest-pain"] == {"emergency"}
    assert signs["calf-pain-swelling"] == {"urgent"}
    assert signs["pop-or-strength-loss"] == {"urgent"}
    assert signs["new-leg-numbness-weakness"] == {"urgent"}


def test_hamstring_nonoperative_requires_imaging_of_the_tear(protocols):
    enrolment = protocols["hamstring-nonoperative"]["enrolment"]
    (requirement,) = enrolment["requires"]
    assert requirement["kind"] == "imaging"
    assert set(requirement["details"]) == {"tendons_torn", "retraction_mm"}
    tendons = [r for r in enrolment["refuse_when"] if r["detail"] == "tendons_torn"]
    assert [r["at_least"] for r in tendons] == [2]
    assert "buckwalter2017" in tendons[0]["references"]


def test_hamstring_repair_has_no_glute_sets_in_the_first_phase(protocols):
    first = protocols["hamstring-repair"]["phases"][0]
    for exercise in first["exercises"]:
        words = f"{exercise['id']} {exercise['name']} {' '.join(exercise['instructions'])}"
        assert not re.search(r"glute|buttock squeeze|squeeze (the|your) buttock", words, re.I)


def test_hamstring_repair_leaves_angles_to_the_brace(protocols):
    doc = protocols["hamstring-repair"]
    for phase in doc["phases"]:
        patient_text = list(phase["restrictions"])
        for exercise in phase["exercises"]:
            patient_text += exercise["instructions"] + exercise["cautions"]
        assert not any(re.search(r"\b45\b", line) for line in patient_text), phase["id"]
    quad_sets = next(e for e in exercises(doc) if e["id"] == "quad-sets")
    assert any("as far as your brace allows" in line for line in quad_sets["instructions"])


def test_content_hash_is_stable_and_sensitive(protocols):
    doc = protocols["hamstring-repair"]
    reloaded, _ = load_protocol_file(PROTOCOLS_DIR / "hamstring-repair.yaml")
    assert content_hash(reloaded) == content_hash(doc)
    assert content_hash(dict(reversed(list(doc.items())))) == content_hash(doc)
    changed = dict(doc, title=doc["title"] + " (edited)")
    assert content_hash(changed) != content_hash(doc)


def test_same_id_and_version_in_two_files_is_reported(tmp_path):
    source = PROTOCOLS_DIR / "hamstring-repair.yaml"
    shutil.copy(source, tmp_path / "a.yaml")
    shutil.copy(source, tmp_path / "b.yaml")
    docs, problems = validate_files([str(tmp_path)])
    assert list(docs) == [str(tmp_path / "a.yaml")]
    assert [(p.file, p.path) for p in problems] == [("b.yaml", "version")]
    assert "also defined in a.yaml" in problems[0].reason


def test_env_var_overrides_the_protocols_directory(tmp_path, monkeypatch):
    shutil.copy(PROTOCOLS_DIR / "hamstring-repair.yaml", tmp_path / "only.yaml")
    (tmp_path / "ignored.txt").write_text("not a protocol")
    monkeypatch.setenv("STRIDE_PROTOCOLS_DIR", str(tmp_path))
    assert protocol_files(None) == [tmp_path / "only.yaml"]


def test_unreadable_files_are_problems_not_crashes(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    (tmp_path / "big.yaml").write_bytes(b"#" * (MAX_BYTES + 1))
    reasons = {}
    for name in ("latin1.yaml", "big.yaml", "missing.yaml"):
        doc, problems = load_protocol_file(tmp_path / name)
        assert doc is None and [p.path for p in problems] == ["<document>"]
        reasons[name] = problems[0].reason
    assert "UTF-8" in reasons["latin1.yaml"]
    assert "larger than 256 KiB" in reasons["big.yaml"]
    assert "cannot read file" in reasons["missing.yaml"]


def test_loader_does_not_import_flask():
    code = "import sys, server.protocols.loader; sys.exit('flask' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
