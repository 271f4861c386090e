"""The referral packet (GET /alerts/{id}/referral.pdf), read back with pypdf (issue 13, item 6).

The patient is built the way the app builds one: a plan, twelve weeks of sessions and pain
logged through /sync (done, but the pain stays where it was), LEFS and PGIC answered, an MRI
and a guided injection recorded by the clinician through /sync, the sweep raising the failed
trial, the clinician deciding with a note. The packet must then say what the alert screen
says, in figures a surgeon can find.
"""

from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from server.extensions import db
from server.models import Alert, AuditEvent, User
from server.services.accounts import create_patient, create_user
from server.services.auth import issue_token
from server.services.referral_links import make_link_token
from server.services.sweep import run_sweep
from tests.conftest import PASSWORD, Caller, push_all, sessions_done, sync_event

TODAY = datetime.now(UTC).date()  # the patient lives in UTC: the sweep's day is theirs
START = TODAY - timedelta(days=90)  # past the 12-week trial
NAME = "Margaret Okafor"
NOTE = "Refer to Mr Hale for a surgical opinion: three months of full adherence, no change."
PAIN = (5, 6, 7)  # a day's pain cycles around 6: no clinically important change


def _lefs(total):
    """Return 20 LEFS answers that add up to `total` (at most 40 + 20)."""
    return [2] * (20 - (total - 40)) + [3] * (total - 40) if total >= 40 else [2] * 19 + [0]


def _course(patient, plan_id):
    events = sessions_done(patient, plan_id, START, TODAY - timedelta(days=1))
    for n in range((TODAY - START).days + 1):
        local = (START + timedelta(days=n)).isoformat()
        events.append(
            sync_event("pain_log", {"local_date": local, "nprs": PAIN[n % 3], "context": "sitting"})
        )
    for days, total in ((0, 38), (42, 41), (84, 42)):
        local = (START + timedelta(days=days)).isoformat()
        data = {"local_date": local, "instrument": "lefs", "answers": _lefs(total)}
        events.append(sync_event("outcome_measure", data))
    data = {"local_date": (TODAY - timedelta(days=3)).isoformat(), "instrument": "pgic"}
    events.append(sync_event("outcome_measure", data | {"answers": [4]}))
    push_all(patient, events)


def _records(clinician, patient_id):
    imaging = {
        "modality": "MRI",
        "finding": "Hypertrophied right piriformis; sciatic nerve course normal.",
        "lumbar_spine": "excluded",
    }
    injection = {
        "target": "piriformis",
        "anaesthetic": "lidocaine 1 %",
        "guidance": "ultrasound",
        "minutes_after": 30,
        "provocative_task": "sitting for 20 minutes",
        "pain_before": 8,
        "pain_after": 2,
    }
    day = (TODAY - timedelta(days=5)).isoformat()
    push_all(
        clinician,
        [
            sync_event(
                "clinical_event",
                {"kind": kind, "event_date": day, "details": details},
                patient_id=patient_id,
            )
            for kind, details in (("imaging", imaging), ("guided_injection", injection))
        ],
    )


def _caller(app, client, user_id) -> Caller:
    with app.app_context():
        raw, _ = issue_token(db.session, db.session.get(User, user_id), timedelta(hours=1))
        db.session.commit()
    return Caller(client, {"id": user_id}, raw)


@pytest.fixture(scope="module")
def world(app):
    """Build once: the patient's failed trial, its alert decided by the clinician, an outsider."""
    from server.protocols.loader import validate_files
    from server.services.plans import create_plan
    from server.services.protocols import load_documents

    client = app.test_client()
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        load_documents(db.session, list(validate_files(None)[0].values()))

        def staff(role, email, name):
            return create_user(
                db.session, email=email, display_name=name, role=role, password=PASSWORD
            )

        physio = staff("physio", "physio@example.org", "Priya Shah")
        clinician = staff("clinician", "clinician@example.org", "Dr Tom Reyes")
        outsider = staff("clinician", "outsider@example.org", "Dr Elsewhere")
        db.session.commit()
        person = {
            "email": "margaret@example.org",
            "display_name": NAME,
            "care_team": [clinician.id],
            "timezone": "UTC",
            "date_of_birth": date(1968, 4, 12),
        }
        patient, _ = create_patient(db.session, physio, person, password=PASSWORD)
        plan = create_plan(
            db.session,
            physio,
            patient,
            {"protocol_id": "piriformis-neural-gliding", "start_date": START},
        )
        ids = {
            "physio": physio.id,
            "clinician": clinician.id,
            "outsider": outsider.id,
            "patient": patient.user_id,
        }
        patient_id, plan_id = patient.id, plan.id
    callers = {role: _caller(app, client, uid) for role, uid in ids.items()}
    _course(callers["patient"], plan_id)
    _records(callers["clinician"], patient_id)
    with app.app_context():
        run_sweep(db.session, as_of=TODAY)
        alert_id = db.session.scalar(select(Alert.id).where(Alert.rule_id == "R-FAIL"))
    assert alert_id is not None, "the sweep raised no failed-trial alert"
    decided = callers["clinician"].post(
        f"/alerts/{alert_id}/decision", json={"decision": "refer_surgical_review", "note": NOTE}
    )
    assert decided.status_code == 200, decided.get_json()
    return {
        "app": app,
        "client": client,
        "alert_id": alert_id,
        "patient_id": patient_id,
        "plan_id": plan_id,
        **callers,
        "ids": ids,
    }


def _text(response) -> tuple[str, int]:
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)


def test_the_packet_says_what_the_alert_and_summary_say(world):
    clinician, alert_id = world["clinician"], world["alert_id"]
    alert = clinician.get(f"/alerts/{alert_id}").get_json()
    summary = clinician.get(f"/patients/{world['patient_id']}").get_json()
    text, pages = _text(clinician.get(f"/alerts/{alert_id}/referral.pdf"))
    assert 1 <= pages <= 2
    evidence = alert["evidence"]
    adherence = round(evidence["adherence"]["ratio"] * 100)
    for expected in (
        NAME,
        "born 12 Apr 1968",
        "Piriformis stretching and sciatic nerve gliding",
        "(version ",
        f"{evidence['weeks_in_care']} weeks (trial 12 weeks)",
        f"{adherence} % of sets done over the course",
        f"{evidence['adherence']['done']} of {evidence['adherence']['due']}",
        f"{evidence['pain']['baseline']:g} at the start, {evidence['pain']['current']:g} now",
        "LEFS 38 to 42 of 80",
        "75 % relief",  # the injection: pain 8 to 2
        "Hypertrophied right piriformis",
        alert["decision_label"],
        NOTE,
        "Dr Tom Reyes",
        "Readiness checklist",
    ):
        assert expected in text, expected
    recent = round(summary["summary"]["adherence_14d"] * 100)  # the patient list's figure
    assert f"{recent} % in the last 14 days" in text


def test_other_staff_and_the_patient_are_refused_and_reads_are_audited(world):
    alert_id, app = world["alert_id"], world["app"]
    path = f"/alerts/{alert_id}/referral.pdf"
    assert world["outsider"].get(path).status_code == 404
    assert world["patient"].get(path).status_code == 403
    assert world["client"].get("/api/v1" + path).status_code == 401
    assert world["physio"].get(path).status_code == 200  # the care team's physio, as /alerts/{id}
    world["clinician"].get(path)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "alert.referral_packet")
        ).all()
        seen = {(e.actor_id, e.outcome) for e in events}
        assert (world["ids"]["clinician"], "ok") in seen
        assert (world["ids"]["outsider"], "not_found") in seen
        assert (world["ids"]["patient"], "forbidden") in seen
        read = next(e for e in events if e.actor_id == world["ids"]["clinician"])
        assert read.patient_ids == [world["patient_id"]]
        assert (read.object_type, read.object_id) == ("alert", alert_id)


def _link(world, alert_id, issued_to="ehr-client-7"):
    return make_link_token(world["app"].config["SECRET_KEY"], alert_id, issued_to)


def test_a_signed_link_opens_the_packet_without_a_token_and_is_audited(world):
    alert_id, client = world["alert_id"], world["client"]
    link = _link(world, alert_id)
    text, _ = _text(client.get(f"/api/v1/alerts/{alert_id}/referral.pdf?link={link}"))
    assert NAME in text and NOTE in text
    with world["app"].app_context():
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "alert.referral_packet", AuditEvent.actor_role == "ehr")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None and event.actor_id is None and event.outcome == "ok"
        assert "ehr-client-7" in event.reason
        assert event.patient_ids == [world["patient_id"]]


def test_a_forged_expired_or_misdirected_link_gets_no_packet(world, monkeypatch):
    alert_id, client, app = world["alert_id"], world["client"], world["app"]
    path = f"/api/v1/alerts/{alert_id}/referral.pdf"
    forged = client.get(f"{path}?link=" + _link(world, alert_id)[:-3] + "abc")
    assert forged.status_code == 401
    assert forged.get_json()["message"] == "This referral link is not valid."
    other = client.get(f"{path}?link=" + _link(world, alert_id + 1000))
    assert other.status_code == 403
    assert other.get_json()["message"] == "This referral link is for another alert."
    signed_elsewhere = make_link_token("another server's key", alert_id, "ehr-client-7")
    assert client.get(f"{path}?link={signed_elsewhere}").status_code == 401
    with monkeypatch.context() as patch:
        # A link made 25 hours ago: itsdangerous reads the signing time from the clock.
        import itsdangerous.timed

        old = itsdangerous.timed.time.time() - 25 * 3600
        patch.setattr(itsdangerous.timed.time, "time", lambda: old)
        stale = _link(world, alert_id)
    expired = client.get(f"{path}?link={stale}")
    assert expired.status_code == 401
    assert "expired" in expired.get_json()["message"]
    with app.app_context():
        refused = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.actor_role == "ehr", AuditEvent.outcome == "forbidden"
            )
        ).all()
        assert [e.reason for e in refused] == ["This referral link is for another alert."]


def test_the_packet_shows_the_prescription_of_today_with_its_figures(world):
    """What the patient does now, as the physiotherapist last adjusted it, each with its still.

    Last in this file: it adjusts the plan the other tests read.
    """
    from domain.dose_words import dose_text
    from domain.protocol import Protocol
    from server.protocols.loader import validate_files

    docs = validate_files(None)[0].values()
    protocol = Protocol.from_dict(next(d for d in docs if d["id"] == "piriformis-neural-gliding"))
    phase = protocol.phases[1]  # the first phase's criteria hold the patient: moved on today
    changed, removed, *kept = phase.exercises
    adjusted = world["physio"].patch(
        f"/plans/{world['plan_id']}",
        json={
            "reason": "Criteria met: on to tension, longer holds, one exercise left out.",
            "operations": [
                {"op": "move_phase", "phase_id": phase.id},
                {"op": "set_dose", "exercise_id": changed.id, "dose": {"sets": 2, "hold_s": 45}},
                {"op": "remove_exercise", "exercise_id": removed.id},
            ],
        },
    )
    assert adjusted.status_code == 200, adjusted.get_json()
    response = world["clinician"].get(f"/alerts/{world['alert_id']}/referral.pdf")
    text, _ = _text(response)
    assert f"Exercises now: {phase.title}" in text
    dose = changed.dose.with_overrides({"sets": 2, "hold_s": 45})
    assert f"{changed.name} {dose_text(dose)}" in text
    assert removed.name not in text
    for exercise in kept:
        assert f"{exercise.name} {dose_text(exercise.dose)}" in text
    images = sum(len(page.images) for page in PdfReader(BytesIO(response.data)).pages)
    assert images == 1 + len(kept), "one still per exercise shown"
