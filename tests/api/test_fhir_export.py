"""The FHIR export of one patient: a course built through the API, read back with fhir.resources.

The patient's twelve weeks are logged the way the app logs them (every session through /sync,
pain daily), the physio adjusts the plan with a reason, the clinician records an MRI and a
guided injection, the sweep raises a failed trial and the clinician refers the patient on.
The Bundle is then parsed with the R4B models of fhir.resources (R4 is not shipped by the
library; R4B has the R4 structure for these resources) and checked against what was logged.
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from server.extensions import db
from server.models import Alert, AuditEvent
from server.services.accounts import create_user
from server.services.sweep import run_sweep
from tests.conftest import (
    PASSWORD,
    activate,
    assign,
    dose_change,
    push_all,
    sessions_done,
    sign_in,
)

TODAY = date.today()
START = TODAY - timedelta(days=90)  # past the 12-week trial
TZ = "America/New_York"
REASON = "Sliders flared the sciatic symptoms; halve the reps."
NOTE = "Failed 12 weeks of loading; MRI shows a hypertrophied piriformis. Surgical opinion."
# The exercise logs of this day give pain before (5) and after (3) each first session.
LAST_SESSION_DAY = TODAY - timedelta(days=1)
# An evening pain score: 22:30 in New York is already the next day in UTC.
EVENING = datetime.combine(TODAY - timedelta(days=2), datetime.min.time()).replace(
    hour=22, minute=30, tzinfo=ZoneInfo(TZ)
)


def _course(patient, plan):
    """Log every prescribed session done and a flat pain of 6 while sitting, every day."""
    events = sessions_done(patient, plan["id"], START, TODAY - timedelta(days=1))
    for event in events:
        data = event["data"]
        if data["local_date"] == LAST_SESSION_DAY.isoformat() and data["slot"] == 1:
            data.update(pain_before=5, pain_after=3)
    for n in range((TODAY - START).days + 1):
        day = START + timedelta(days=n)
        data = {"id": str(uuid.uuid4()), "local_date": day.isoformat(), "nprs": 6}
        data["context"] = "sitting"
        if day == EVENING.date():
            data.update(recorded_at=EVENING.isoformat(), tingling=True, note="After a long drive")
        events.append({"id": data["id"], "type": "pain_log", "data": data})
    push_all(patient, events)


def _lefs(patient, day, score):
    """Submit a LEFS of 20 answers of 2 and 3 that sum to `score` (40 to 60)."""
    body = {"id": str(uuid.uuid4()), "local_date": day.isoformat(), "instrument": "lefs"}
    body["answers"] = [3] * (score - 40) + [2] * (60 - score)
    pid = patient.user["patient_id"]
    response = patient.post(f"/patients/{pid}/outcome-measures", json=body)
    assert response.status_code == 201, response.get_json()


@pytest.fixture(scope="module")
def world(app):
    """Build once: a failed trial, adjusted, imaged, injected, swept and referred."""
    with app.app_context():
        from server.protocols.loader import validate_files
        from server.services.protocols import load_documents

        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        load_documents(db.session, list(validate_files(None)[0].values()))
        for role, email in (
            ("physio", "physio@example.org"),
            ("clinician", "clinician@example.org"),
            ("physio", "other-physio@example.org"),
        ):
            create_user(db.session, email=email, display_name=email, role=role, password=PASSWORD)
        db.session.commit()
    client = app.test_client()
    physio, clinician = (sign_in(client, f"{r}@example.org") for r in ("physio", "clinician"))
    other = sign_in(client, "other-physio@example.org")
    created = physio.post(
        "/patients",
        json={
            "email": "pat@example.org",
            "display_name": "Pat Example",
            "timezone": TZ,
            "date_of_birth": "1980-04-05",
            "care_team": [clinician.user["id"]],
        },
    )
    assert created.status_code == 201, created.get_json()
    patient = activate(client, created.get_json())
    pid = patient.user["patient_id"]
    plan = assign(physio, patient, start=START)
    adjusted = physio.patch(f"/plans/{plan['id']}", json=dose_change(5, REASON))
    assert adjusted.status_code == 200, adjusted.get_json()
    _course(patient, plan)
    _lefs(patient, START, 40)
    _lefs(patient, TODAY - timedelta(days=3), 42)
    mri = {
        "kind": "imaging",
        "event_date": (TODAY - timedelta(days=20)).isoformat(),
        "details": {
            "modality": "MRI",
            "finding": "Hypertrophied piriformis; sciatic nerve intact.",
            "mechanical_source": "hypertrophied piriformis",
            "lumbar_spine": "excluded",
        },
    }
    injection = {
        "kind": "guided_injection",
        "event_date": (TODAY - timedelta(days=10)).isoformat(),
        "details": {
            "target": "piriformis",
            "guidance": "ultrasound",
            "anaesthetic": "lidocaine 1 %",
            "minutes_after": 30,
            "provocative_task": "sitting 20 minutes",
            "pain_before": 8,
            "pain_after": 2,
        },
    }
    for event in (mri, injection):
        response = clinician.post(f"/patients/{pid}/clinical-events", json=event)
        assert response.status_code == 201, response.get_json()
    with app.app_context():
        run_sweep(db.session, as_of=TODAY)
        (alert_id,) = db.session.scalars(select(Alert.id).where(Alert.rule_id == "R-FAIL"))
    decided = clinician.post(
        f"/alerts/{alert_id}/decision", json={"decision": "refer_surgical_review", "note": NOTE}
    )
    assert decided.status_code == 200, decided.get_json()
    answer = clinician.get(f"/patients/{pid}/fhir")
    return {
        "answer": answer,
        "physio": physio,
        "clinician": clinician,
        "other": other,
        "patient": patient,
        "pid": pid,
        "alert_id": alert_id,
        "plan": plan,
    }


@pytest.fixture(scope="module")
def bundle(world) -> Bundle:
    return Bundle.model_validate_json(world["answer"].get_data(as_text=True))


def _resources(bundle, kind=None) -> list:
    found = [e.resource for e in bundle.entry]
    return [r for r in found if kind is None or r.get_resource_type() == kind]


def test_the_answer_is_a_fhir_collection_bundle(world, bundle):
    assert world["answer"].status_code == 200
    assert world["answer"].mimetype == "application/fhir+json"
    assert bundle.type == "collection"
    kinds = {r.get_resource_type() for r in _resources(bundle)}
    assert kinds >= {
        "Patient",
        "Practitioner",
        "CareTeam",
        "CarePlan",
        "Goal",
        "Observation",
        "DiagnosticReport",
        "Procedure",
        "DetectedIssue",
        "Flag",
        "ServiceRequest",
        "Task",
    }


def test_every_resource_validates_and_the_bundle_round_trips(bundle):
    for resource in _resources(bundle):
        again = type(resource).model_validate_json(resource.model_dump_json())
        assert again == resource, resource.get_resource_type()
    text = bundle.model_dump_json()
    assert Bundle.model_validate_json(text) == bundle
    assert Bundle.model_validate_json(text).model_dump_json() == text


def test_every_reference_resolves_inside_the_bundle(bundle):
    names = {e.fullUrl for e in bundle.entry}
    ids = {f"{r.get_resource_type()}/{r.id}" for r in _resources(bundle)}
    assert len(ids) == len(bundle.entry), "two entries share a type and id"
    assert {url.split("/", 3)[-1] for url in names} == ids

    def references(node):
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                yield node["reference"]
            for value in node.values():
                yield from references(value)
        elif isinstance(node, list):
            for value in node:
                yield from references(value)

    found = list(references(bundle.model_dump(mode="json")))
    assert len(found) > 20
    assert [r for r in found if r not in ids] == []


def test_the_patient_carries_stride_identity(world, bundle):
    (patient,) = _resources(bundle, "Patient")
    assert patient.id == f"stride-patient-{world['pid']}"
    assert patient.identifier[0].system == "https://fhir.stride-rehab.org/sid/patient"
    assert patient.identifier[0].value == str(world["pid"])
    assert str(patient.birthDate) == "1980-04-05"
    assert patient.name[0].text == "Pat Example"


def test_pain_scores_are_loinc_72514_3_on_the_patients_local_dates(world, bundle):
    sent = {
        e["resource"]["id"]: e["resource"]["effectiveDateTime"]
        for e in world["answer"].get_json()["entry"]
        if e["resource"]["resourceType"] == "Observation"
    }
    pain = [
        o
        for o in _resources(bundle, "Observation")
        if o.code.coding[0].code == "72514-3" and o.id.startswith("stride-pain-")
    ]
    assert len(pain) == (TODAY - START).days + 1
    assert {o.valueInteger for o in pain} == {6}
    assert {o.code.coding[0].system for o in pain} == {"http://loinc.org"}
    days = sorted(sent[o.id][:10] for o in pain)
    assert days == [(START + timedelta(days=n)).isoformat() for n in range(len(pain))]
    (evening,) = [o for o in pain if "T" in sent[o.id]]
    # 22:30 in New York with its offset, not 02:30 or 03:30 the next day in UTC.
    assert sent[evening.id] == EVENING.isoformat(timespec="seconds")
    assert evening.note[0].text == "After a long drive"
    contexts = {c.valueCodeableConcept.coding[0].code for o in pain for c in o.component[:1]}
    assert contexts == {"sitting"}
    assert any(c.code.coding[0].code == "tingling" for c in evening.component)


def test_pain_around_an_exercise_is_a_pain_score_with_the_exercise_and_the_plan(bundle):
    around = [o for o in _resources(bundle, "Observation") if o.id.startswith("stride-exercise-")]
    assert around and all(o.code.coding[0].code == "72514-3" for o in around)
    by_context = {}
    for o in around:
        context, exercise = (c.valueCodeableConcept.coding[0].code for c in o.component)
        by_context.setdefault(context, set()).add(o.valueInteger)
        assert exercise and o.basedOn[0].reference.startswith("CarePlan/")
        assert str(o.effectiveDateTime)[:10] == LAST_SESSION_DAY.isoformat()
    assert by_context == {"before_exercise": {5}, "after_exercise": {3}}


def test_the_careplan_names_the_protocol_the_revision_and_the_adjustment_reason(world, bundle):
    (careplan,) = _resources(bundle, "CarePlan")
    version = world["plan"]["protocol_version"]  # the version in force when it was assigned
    assert careplan.instantiatesCanonical == [
        f"https://fhir.stride-rehab.org/PlanDefinition/piriformis-neural-gliding|{version}"
    ]
    assert careplan.extension[0].valueInteger == 2  # the adjustment is in force
    notes = [n.text for n in careplan.note]
    assert any(REASON in text and "Revision 2" in text for text in notes), notes
    slider = [
        a.detail
        for a in careplan.activity
        if a.detail.code.coding[0].code == "seated-sciatic-slider"
        and a.detail.status == "in-progress"
    ]
    assert slider and "× 5 reps" in slider[0].description
    goals = {f"Goal/{g.id}" for g in _resources(bundle, "Goal")}
    assert {g.reference for g in careplan.goal} == goals


def test_function_imaging_and_the_injection_with_its_relief(bundle):
    observations = {o.id: o for o in _resources(bundle, "Observation")}
    lefs = [o for o in observations.values() if o.code.coding[0].code == "lefs-score"]
    assert sorted(o.valueInteger for o in lefs) == [40, 42]
    (mri,) = [
        r for r in _resources(bundle, "DiagnosticReport") if r.code.coding[0].code == "imaging"
    ]
    assert "Hypertrophied piriformis" in mri.conclusion
    (procedure,) = _resources(bundle, "Procedure")
    assert procedure.bodySite[0].coding[0].code == "piriformis"
    (relief,) = [o for o in observations.values() if o.code.coding[0].code == "injection-relief"]
    assert relief.valueQuantity.value == 75 and relief.valueQuantity.code == "%"
    assert relief.partOf[0].reference == f"Procedure/{procedure.id}"


def test_the_alert_and_the_referral_carry_the_evidence_and_the_decision_note(world, bundle):
    issues = {i.id: i for i in _resources(bundle, "DetectedIssue")}
    issue = issues[f"stride-alert-{world['alert_id']}"]
    assert issue.code.coding[0].code == "R-FAIL"
    assert issue.evidence and issue.detail
    assert issue.mitigation[0].action.coding[0].code == "refer_surgical_review"
    assert NOTE in issue.mitigation[0].action.text
    flags = {f.id: f for f in _resources(bundle, "Flag")}
    assert set(flags) == set(issues)
    flag = flags[issue.id]
    assert flag.status == "inactive"
    assert flag.extension[0].valueReference.reference == f"DetectedIssue/{issue.id}"
    (request,) = _resources(bundle, "ServiceRequest")
    (task,) = _resources(bundle, "Task")
    assert request.note[0].text == NOTE and task.note[0].text == NOTE
    assert task.focus.reference == f"ServiceRequest/{request.id}"
    assert request.reasonReference[0].reference == f"DetectedIssue/{issue.id}"
    assert (
        request.requester.reference == f"Practitioner/stride-staff-{world['clinician'].user['id']}"
    )


def test_only_the_care_team_exports_and_each_export_is_audited(app, world):
    pid = world["pid"]
    assert world["physio"].get(f"/patients/{pid}/fhir").status_code == 200
    assert world["other"].get(f"/patients/{pid}/fhir").status_code == 404
    assert world["patient"].get(f"/patients/{pid}/fhir").status_code == 403
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "patient.fhir_export")
        ).all()
        seen = [(e.actor_id, e.outcome, e.patient_ids) for e in events]
    assert (world["clinician"].user["id"], "ok", [pid]) in seen
    assert (world["physio"].user["id"], "ok", [pid]) in seen
    assert (world["other"].user["id"], "not_found", [pid]) in seen
    assert (world["patient"].user["id"], "forbidden", [pid]) in seen


def test_the_local_date_is_kept_when_utc_is_another_day():
    # The fixture's evening moment is a different UTC day: the check above is not vacuous.
    assert EVENING.astimezone(UTC).date() != EVENING.date()
