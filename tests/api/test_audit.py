"""The audit log: staff reads of a patient's record, changes, sign-ins and refusals."""

import uuid
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from server.api.auditing import RULES, UNAUDITED
from server.api.docs import DOCS_ENDPOINTS
from server.models import AuditEvent
from server.models.types import utcnow
from tests.conftest import PASSWORD, assign, dose_change

ADDRESS = {"environ_base": {"REMOTE_ADDR": "10.1.2.3"}}


def _events(admin, **query) -> list[dict]:
    response = admin.get("/audit", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _red_flag(patient):
    from domain.redflags import QUESTIONS

    answers = {q.key: q.key == "fever" for q in QUESTIONS}
    body = {"id": str(uuid.uuid4()), "local_date": date.today().isoformat(), "answers": answers}
    response = patient.post(f"/patients/{patient.user['patient_id']}/red-flag-checks", json=body)
    return response.get_json()["alert_ids"][0]


@contextmanager
def audit_writes_failing():
    """Make every audit insert fail as a full disk would."""

    def fail(*_):
        raise OperationalError("INSERT INTO audit_events", None, Exception("disk full"))

    event.listen(AuditEvent, "before_insert", fail)
    try:
        yield
    finally:
        event.remove(AuditEvent, "before_insert", fail)


def test_every_view_has_an_audit_decision(app):
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and not rule.endpoint.startswith(DOCS_ENDPOINTS)
    }
    undecided = sorted(endpoints - set(RULES) - UNAUDITED)
    assert not undecided, f"endpoints with no audit decision in server/api/auditing.py: {undecided}"
    assert not (set(RULES) | UNAUDITED) - endpoints, "audit rules for endpoints that are gone"
    assert not set(RULES) & UNAUDITED


def test_staff_reads_of_a_record_say_who_what_when_where(admin, physio, patient, plan):
    pid, plan_id = patient.user["patient_id"], plan["id"]
    started = utcnow().isoformat()
    reads = [
        (f"/patients/{pid}", "patient.read", "patient", pid),
        (f"/patients/{pid}/plans", "plan.list", "patient", pid),
        (f"/plans/{plan_id}", "plan.read", "plan", plan_id),
        (f"/plans/{plan_id}/schedule", "plan.schedule.read", "plan", plan_id),
        (f"/plans/{plan_id}/revisions", "plan.revisions.read", "plan", plan_id),
        (f"/patients/{pid}/pain-logs", "pain_logs.read", "patient", pid),
        (f"/patients/{pid}/exercise-logs", "exercise_logs.read", "patient", pid),
        (f"/patients/{pid}/red-flag-checks", "red_flag_checks.read", "patient", pid),
        (f"/patients/{pid}/clinical-events", "clinical_events.read", "patient", pid),
    ]
    for path, *_ in reads:
        assert physio.get(path, **ADDRESS).status_code == 200, path
    found = _events(admin, actor_id=physio.user["id"], **{"from": started})
    newest_first = [(e["action"], e["object_type"], e["object_id"]) for e in found]
    assert newest_first == [(action, kind, ref) for _, action, kind, ref in reversed(reads)]
    for entry in found:
        assert entry["actor_role"] == "physio"
        assert entry["patient_ids"] == [pid]
        assert entry["address"] == "10.1.2.3"
        assert entry["outcome"] == "ok"
        assert entry["at"] >= started


def test_list_calls_name_every_patient_they_reveal(admin, physio, make_patient, patient):
    other = make_patient("second@example.org")
    assert len(physio.get("/patients").get_json()) == 2
    [listed] = _events(admin, actor_id=physio.user["id"], action="patient.list")
    assert listed["patient_ids"] == sorted([patient.user["patient_id"], other.user["patient_id"]])
    assert [e["id"] for e in _events(admin, patient_id=other.user["patient_id"])][0] == listed["id"]


def test_a_patient_reading_their_own_record_leaves_no_event(admin, patient, plan):
    pid = patient.user["patient_id"]
    for path in (f"/patients/{pid}", f"/plans/{plan['id']}/schedule", f"/patients/{pid}/pain-logs"):
        assert patient.get(path).status_code == 200
    assert patient.post("/sync", json={"cursor": 0, "events": []}).status_code == 200
    assert _events(admin, actor_id=patient.user["id"], action="patient.read") == []
    # Their only events: activating the account (the fixture's first sign-in).
    assert {e["action"] for e in _events(admin, actor_id=patient.user["id"])} == {"auth.activate"}


def test_alert_reads_and_actions_are_recorded(admin, clinician, patient):
    pid, alert_id = patient.user["patient_id"], _red_flag(patient)
    assert clinician.get("/alerts").status_code == 200
    assert clinician.get(f"/alerts/{alert_id}").status_code == 200
    assert (
        clinician.post(f"/alerts/{alert_id}/acknowledge", json={"note": "Calling"}).status_code
        == 200
    )
    decided = clinician.post(
        f"/alerts/{alert_id}/decision",
        json={"decision": "urgent_investigation", "note": "Needs an urgent MRI today."},
    )
    assert decided.status_code == 200
    found = _events(admin, actor_id=clinician.user["id"], patient_id=pid)
    assert [(e["action"], e["object_id"]) for e in found] == [
        ("alert.decide", alert_id),
        ("alert.acknowledge", alert_id),
        ("alert.read", alert_id),
        ("alert.list", None),
    ]


def test_changes_to_plans_and_accounts_are_recorded(admin, physio, patient, clinician):
    pid, patient_user = patient.user["patient_id"], patient.user["id"]
    plan = assign(physio, patient)
    adjusted = physio.patch(f"/plans/{plan['id']}", json=dose_change(5))
    assert adjusted.status_code == 200
    assert admin.delete(f"/users/{patient_user}/tokens").status_code == 204
    about_patient = [
        (e["action"], e["actor_id"], e["object_type"], e["object_id"])
        for e in _events(admin, patient_id=pid)
        if e["action"] != "auth.sign_in"
    ]
    assert about_patient == [
        ("user.revoke_tokens", admin.user["id"], "user", patient_user),
        ("plan.adjust", physio.user["id"], "plan", plan["id"]),
        ("plan.create", physio.user["id"], "plan", plan["id"]),
        ("auth.activate", patient_user, "user", patient_user),
        ("patient.create", physio.user["id"], "patient", pid),
    ]
    [created] = _events(admin, action="user.create", actor_id=admin.user["id"], limit=1)
    assert (created["object_type"], created["object_id"]) == ("user", clinician.user["id"])


def test_sign_ins_are_recorded_whether_they_succeed_or_not(admin, client, physio):
    wrong = {"email": "Physio@example.org", "password": "not the password"}
    assert client.post("/api/v1/auth/tokens", json=wrong, **ADDRESS).status_code == 401
    right = {"email": "physio@example.org", "password": PASSWORD}
    assert client.post("/api/v1/auth/tokens", json=right, **ADDRESS).status_code == 201
    ok, failed = _events(admin, action="auth.sign_in", limit=2)
    assert (ok["outcome"], ok["actor_id"], ok["object_id"]) == (
        "ok",
        physio.user["id"],
        physio.user["id"],
    )
    assert (failed["outcome"], failed["actor_id"], failed["object_id"]) == (
        "failed",
        None,
        physio.user["id"],
    )
    assert failed["address"] == ok["address"] == "10.1.2.3"


def test_refusals_are_recorded_against_the_real_owner(
    admin, make_staff, make_patient, patient, plan
):
    pid = patient.user["patient_id"]
    outsider = make_staff("physio", "outsider@example.org")
    stranger = make_patient("stranger@example.org", by=outsider)
    assert outsider.get(f"/plans/{plan['id']}").status_code == 404
    assert stranger.get(f"/patients/{pid}/pain-logs").status_code == 404
    assert admin.get(f"/patients/{pid}").status_code == 403
    refused = [
        (e["actor_id"], e["action"], e["outcome"], e["object_type"])
        for e in _events(admin, patient_id=pid)
        if e["outcome"] != "ok"
    ]
    assert refused == [
        (admin.user["id"], "patient.read", "forbidden", "patient"),
        (stranger.user["id"], "pain_logs.read", "not_found", "patient"),
        (outsider.user["id"], "plan.read", "not_found", "plan"),
    ]


def test_a_change_is_never_stored_without_its_event(clean_app, admin, physio, patient, plan):
    body = dose_change(8, reason="Progress the load.")
    with audit_writes_failing():
        refused = physio.patch(f"/plans/{plan['id']}", json=body)
    assert refused.status_code == 500
    assert physio.get(f"/plans/{plan['id']}").get_json()["current_revision"] == 1
    assert physio.patch(f"/plans/{plan['id']}", json=body).status_code == 200
    assert _events(admin, action="plan.adjust")[0]["object_id"] == plan["id"]


def test_a_read_that_cannot_be_recorded_discloses_nothing(physio, patient):
    with audit_writes_failing():
        response = physio.get(f"/patients/{patient.user['patient_id']}")
    assert response.status_code == 500
    assert "email" not in response.get_json()


def _imaging(pid: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": "clinical_event",
        "patient_id": pid,
        "data": {
            "kind": "imaging",
            "event_date": (date.today() - timedelta(days=1)).isoformat(),
            "details": {"modality": "MRI", "finding": "Thickened piriformis."},
        },
    }


def test_a_sync_keeps_its_answer_when_its_read_cannot_be_recorded(clinician, patient, plan):
    with audit_writes_failing():
        response = clinician.post("/sync", json={"cursor": 0, "events": []})
    assert response.status_code == 200
    assert [p["id"] for p in response.get_json()["changes"]["plans"]] == [plan["id"]]


def test_a_staff_push_is_never_stored_without_its_event(admin, clinician, patient):
    pid = patient.user["patient_id"]
    pushed = _imaging(pid)
    with audit_writes_failing():
        refused = clinician.post("/sync", json={"cursor": 0, "events": [pushed]})
    assert refused.status_code == 500
    assert clinician.get(f"/patients/{pid}/clinical-events").get_json() == []
    retried = clinician.post("/sync", json={"cursor": 0, "events": [pushed]})
    assert retried.get_json()["results"][0]["status"] == "created"
    [event] = _events(admin, action="clinical_event.create")
    assert (event["actor_id"], event["patient_ids"], event["outcome"]) == (
        clinician.user["id"],
        [pid],
        "ok",
    )


def test_only_admins_read_the_audit_log_and_filters_apply(admin, physio, clinician, patient):
    for caller in (physio, clinician, patient):
        assert caller.get("/audit").status_code == 403
    assert physio.get(f"/patients/{patient.user['patient_id']}").status_code == 200
    [newest] = _events(admin, limit=1)
    assert newest["action"] == "patient.read"
    older = _events(admin, before_id=newest["id"])
    assert older and all(e["id"] < newest["id"] for e in older)
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    assert _events(admin, **{"from": tomorrow}) == []
    # Each of the three reads above is itself in the log now, after the patient.read.
    assert len(_events(admin, to=tomorrow)) == len(older) + 1 + 3
    assert admin.get("/audit?limit=0").status_code == 422


def test_reads_of_the_audit_log_are_recorded_with_their_filters(admin, physio, patient):
    pid = patient.user["patient_id"]
    assert physio.get("/audit", **ADDRESS).status_code == 403
    assert admin.get("/audit", query_string={"patient_id": pid}, **ADDRESS).status_code == 200
    assert admin.get("/audit", query_string={"actor_id": physio.user["id"]}).status_code == 200
    reads = _events(admin, action="audit.read")
    assert [
        (e["actor_id"], e["outcome"], e["object_type"], e["object_id"], e["patient_ids"])
        for e in reads
    ] == [
        (admin.user["id"], "ok", "user", physio.user["id"], []),
        (admin.user["id"], "ok", None, None, [pid]),
        (physio.user["id"], "forbidden", None, None, []),
    ]
    assert reads[1]["address"] == reads[2]["address"] == "10.1.2.3"
    assert reads[2]["reason"] == "This action needs the role admin."
    # The read that listed these is recorded after its answer, so the next read shows it.
    assert _events(admin, action="audit.read", limit=1)[0]["id"] > reads[0]["id"]
