"""Structured clinical records through the API: each kind stored, bad fields refused by name,
rows stored before the records were structured still listed, R-FAIL's evidence in words."""

import uuid
from datetime import date

import pytest

from server.extensions import db
from server.models import ClinicalEvent
from tests.api.test_review_points import _sweep, failing  # noqa: F401 (a fixture)

TODAY = date.today().isoformat()
ALL_YES = {
    "pain_in_pudendal_territory": "yes",
    "worse_sitting": "yes",
    "not_woken_at_night": "yes",
    "no_objective_sensory_loss": "yes",
    "relieved_by_block": "yes",
}
GOOD = {
    "imaging": {
        "modality": "MRI",
        "finding": "Narrowed right ischiofemoral space.",
        "ischiofemoral_space_mm": 12,
        "quadratus_femoris_space_mm": 8.5,
        "quadratus_femoris_oedema": True,
        "tendons_torn": 0,
        "retraction_mm": 0,
        "lumbar_spine": "excluded",
    },
    "guided_injection": {
        "target": "pudendal_nerve",
        "anaesthetic": "lidocaine 1 %",
        "guidance": "CT",
        "minutes_after": 30,
        "provocative_task": "sitting for 20 minutes",
        "pain_before": 7,
        "pain_after": 2,
    },
    "exam_finding": {
        "test": "palpation",
        "site": "medial_ischial_tuberosity",
        "result": "positive",
        "note": "Reproduces the perineal pain.",
        "lumbar_spine": "excluded",
    },
    "intake": {
        "cancer_history": "no",
        "previous_surgery": "Hernia repair 2019",
        "nantes": ALL_YES,
    },
    "medication_review": {
        "medications": "Amitriptyline 10 mg at night",
        "outcome": "Increased to 20 mg; review in 4 weeks.",
    },
}


def _post(caller, pid, kind, details):
    body = {"kind": kind, "event_date": TODAY, "details": details}
    return caller.post(f"/patients/{pid}/clinical-events", json=body)


@pytest.mark.parametrize("kind", list(GOOD))
def test_each_kind_is_stored_and_listed_as_given(clinician, patient, kind):
    pid = patient.user["patient_id"]
    response = _post(clinician, pid, kind, GOOD[kind])
    assert response.status_code == 201, response.get_json()
    [listed] = clinician.get(f"/patients/{pid}/clinical-events").get_json()
    assert (listed["kind"], listed["details"]) == (kind, GOOD[kind])


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("exam_finding", {"test": "FAIR test"}, "test"),
        ("exam_finding", {"result": "reproduces the pain"}, "result"),
        ("exam_finding", {"site": None}, "site"),
        ("exam_finding", {"test": "active_piriformis"}, "site"),  # a site without palpation
        ("exam_finding", {"site": "groin"}, "site"),
        ("imaging", {"modality": "US"}, "modality"),
        ("imaging", {"modality": "PET"}, "modality"),
        ("imaging", {"ischiofemoral_space_mm": -1}, "ischiofemoral_space_mm"),
        ("imaging", {"ischiofemoral_space_mm": 120}, "ischiofemoral_space_mm"),
        ("imaging", {"quadratus_femoris_space_mm": "8"}, "quadratus_femoris_space_mm"),
        ("imaging", {"quadratus_femoris_oedema": "yes"}, "quadratus_femoris_oedema"),
        ("imaging", {"tendons_torn": 4}, "tendons_torn"),
        ("guided_injection", {"target": "right piriformis"}, "target"),
        ("guided_injection", {"target": "other"}, "target_note"),
        ("guided_injection", {"target_note": "obturator internus"}, "target_note"),
        ("guided_injection", {"minutes_after": 2.5}, "minutes_after"),
        ("guided_injection", {"minutes_after": "30"}, "minutes_after"),
        ("guided_injection", {"minutes_after": 3000}, "minutes_after"),
        ("guided_injection", {"anaesthetic": " "}, "anaesthetic"),
        ("guided_injection", {"pain_after": 11}, "pain_after"),
        ("intake", {"cancer_history": True}, "cancer_history"),
        ("intake", {"nantes": {**ALL_YES, "worse_sitting": "maybe"}}, "nantes.worse_sitting"),
        ("intake", {"nantes": {"worse_sitting": "yes"}}, "nantes.pain_in_pudendal_territory"),
        ("intake", {"nantes": {**ALL_YES, "night_pain": "no"}}, "nantes.night_pain"),
        ("medication_review", {"outcome": ""}, "outcome"),
        ("medication_review", {"medications": None}, "medications"),
    ],
)
def test_a_bad_field_is_refused_by_name_and_nothing_is_stored(
    clinician, patient, kind, change, field
):
    pid = patient.user["patient_id"]
    response = _post(clinician, pid, kind, {**GOOD[kind], **change})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["message"].startswith(f"details.{field}: "), response.get_json()
    assert clinician.get(f"/patients/{pid}/clinical-events").get_json() == []


def test_an_unknown_kind_is_refused(clinician, patient):
    response = _post(clinician, patient.user["patient_id"], "biopsy", {"finding": "x"})
    assert response.status_code == 422
    assert "kind" in str(response.get_json()["errors"])


def test_the_intake_records_the_history_of_cancer_for_the_red_flag_check(
    clinician, physio, patient
):
    pid = patient.user["patient_id"]
    refused = _post(physio, pid, "intake", {**GOOD["intake"], "cancer_history": "yes"})
    assert refused.status_code == 422
    assert refused.get_json()["message"].startswith("details.cancer_history: only a clinician")
    assert clinician.get(f"/patients/{pid}").get_json()["cancer_history"] is None
    unknown = _post(physio, pid, "intake", {"cancer_history": "unknown"})
    assert unknown.status_code == 201, unknown.get_json()
    assert clinician.get(f"/patients/{pid}").get_json()["cancer_history"] is None
    yes = _post(clinician, pid, "intake", {"cancer_history": "yes"})
    assert yes.status_code == 201
    assert clinician.get(f"/patients/{pid}").get_json()["cancer_history"] is True


def test_rows_stored_before_the_records_were_structured_still_list(clean_app, clinician, patient):
    pid = patient.user["patient_id"]
    old = [
        ("exam_finding", {"test": "FAIR test", "result": "Reproduces the buttock pain."}),
        ("imaging", {"modality": "US", "finding": "Partial tear."}),
        (
            "guided_injection",
            {"target": "right piriformis", "guidance": "CT", "pain_before": 8, "pain_after": 2},
        ),
    ]
    with clean_app.app_context():
        for kind, details in old:
            db.session.add(
                ClinicalEvent(
                    client_uuid=uuid.uuid4(),
                    patient_id=pid,
                    recorded_by_id=clinician.user["id"],
                    kind=kind,
                    event_date=date.today(),
                    details=details,
                )
            )
        db.session.commit()
    listed = clinician.get(f"/patients/{pid}/clinical-events")
    assert listed.status_code == 200
    assert [(e["kind"], e["details"]) for e in listed.get_json()] == old


def test_the_failed_trial_alert_shows_the_records_in_words(
    clean_app,
    clinician,
    patient,
    failing,  # noqa: F811
):
    ((alert_id, _, _),) = _sweep(clean_app)
    pid = patient.user["patient_id"]
    exam = {"test": "active_piriformis", "result": "positive"}
    for kind, details in [("exam_finding", exam), ("guided_injection", GOOD["guided_injection"])]:
        assert _post(clinician, pid, kind, details).status_code == 201
    shown = clinician.get(f"/alerts/{alert_id}").get_json()
    texts = [r["text"] for r in shown["clinical_record"]]
    assert texts == [
        "Active piriformis test: positive (sensitivity 78 %, specificity 80 %, Martin 2014)",
        "Guided injection: Pudendal nerve, CT-guided, lidocaine 1 %: pain 7 -> 2 (71 % relief) "
        "30 min after, sitting for 20 minutes",
    ]
    assert shown["clinical_record"][0]["recorded_by"] == "clinician, clinician"
    listed = clinician.get(f"/alerts?patient_id={pid}").get_json()
    assert [r["text"] for r in listed[0]["clinical_record"]] == texts


def test_the_openapi_document_describes_each_kind_of_details(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for name in (
        "ImagingDetails",
        "InjectionDetails",
        "ExamFindingDetails",
        "IntakeDetails",
        "MedicationReviewDetails",
    ):
        for field, described in schemas[name]["properties"].items():
            assert described.get("description") or "$ref" in described, (name, field)
    assert set(schemas["ExamFindingDetails"]["properties"]["test"]["enum"]) >= {"palpation"}
    assert "MR_neurography" in schemas["ImagingDetails"]["properties"]["modality"]["enum"]
    nantes = schemas["Nantes"]["properties"]
    assert set(nantes) == set(ALL_YES)
    details = schemas["ClinicalEvent"]["properties"]["details"]
    assert len(details["oneOf"]) == 5
