"""Every kind of event a /sync push carries is audited exactly like the REST call that stores it.

The cases are generated from the kinds the push accepts (server.services.events.MODELS) and who
may push each (server.services.sync.PUSH_ROLES): a new kind, or a role newly allowed to push
one, is covered at once, and fails here until its audit record matches the REST path's.
"""

import uuid
from datetime import date, timedelta

import pytest

from domain import postop
from domain.redflags import QUESTIONS
from server.api.auditing import PUSH_ENDPOINTS, RULES
from server.services.events import MODELS
from server.services.sync import PUSH_ROLES
from tests.conftest import assign

KINDS = sorted(MODELS)
ROLES = ("patient", "physio", "clinician", "admin")
ACCEPTED = [(kind, role) for kind in KINDS for role in PUSH_ROLES[kind]]
REFUSED = [(kind, role) for kind in KINDS for role in ROLES if role not in PUSH_ROLES[kind]]
SURGERY_DAYS_AGO = 20


@pytest.fixture()
def post_op(physio, patient, clinician):
    """A hamstring repair 20 days ago (every kind of event has a plan to be about)."""
    surgery = date.today() - timedelta(days=SURGERY_DAYS_AGO)
    start = surgery + timedelta(days=3)
    return assign(physio, patient, "hamstring-repair", start=start, surgery_date=str(surgery))


@pytest.fixture()
def callers(admin, physio, clinician, patient):
    return {"admin": admin, "physio": physio, "clinician": clinician, "patient": patient}


def sample(kind: str, plan: dict, patient) -> dict:
    """Return a valid event of this kind about the patient (KeyError: a kind with no sample)."""
    today = date.today().isoformat()
    if kind == "exercise_log":
        schedule = patient.get(f"/plans/{plan['id']}/schedule?from={today}&to={today}")
        first = schedule.get_json()["days"][0]["sessions"][0]
        return {
            "plan_id": plan["id"],
            "exercise_id": first["exercise_id"],
            "local_date": today,
            "slot": first["slot"],
            "sets_done": first["dose"]["sets"],
            "sets_due": first["dose"]["sets"],
            "status": "done",
        }
    return {
        "pain_log": {"local_date": today, "nprs": 3, "context": "rest"},
        "red_flag_check": {"local_date": today, "answers": {q.key: False for q in QUESTIONS}},
        "postop_check": {"local_date": today, "answers": postop.all_no(SURGERY_DAYS_AGO)},
        "clinical_event": {
            "kind": "imaging",
            "event_date": (date.today() - timedelta(days=1)).isoformat(),
            "details": {"modality": "MRI", "finding": "Intact repair."},
        },
        "outcome_measure": {"local_date": today, "instrument": "pgic", "answers": [2]},
    }[kind]


def rest_path(kind: str, patient_id: int) -> str:
    return f"/patients/{patient_id}/{kind.replace('_', '-')}s"


def trail_of(admin, caller, after: int) -> list[dict]:
    """Return the caller's audit events after an id, oldest first, as the comparison sees them.

    The "sync" read (what a staff pull showed) has no REST twin here, and "audit.read" is this
    comparison reading the log; the reason is worded differently by the two paths and is
    compared on its own.
    """
    found = admin.get("/audit", query_string={"actor_id": caller.user["id"], "limit": 1000})
    assert found.status_code == 200, found.get_json()
    return [
        {k: e[k] for k in ("action", "outcome", "object_type", "object_id", "patient_ids")}
        | {"reason": e["reason"]}
        for e in reversed(found.get_json())
        if e["id"] > after and e["action"] not in ("sync", "audit.read")
    ]


def last_id(admin) -> int:
    newest = admin.get("/audit", query_string={"limit": 1}).get_json()
    return newest[0]["id"] if newest else 0


def without_reason(events: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "reason"} for e in events]


def rest_then_push(admin, author, kind, patient_id, data) -> tuple[list, list, dict]:
    """Store (or try to) one event by REST and one by /sync; return both trails and the result."""
    mark = last_id(admin)
    author.post(rest_path(kind, patient_id), json={**data, "id": str(uuid.uuid4())})
    by_rest = trail_of(admin, author, mark)
    mark = last_id(admin)
    event = {"id": str(uuid.uuid4()), "type": kind, "patient_id": patient_id, "data": data}
    pushed = author.post("/sync", json={"cursor": 0, "events": [event]})
    assert pushed.status_code == 200, pushed.get_json()
    [result] = pushed.get_json()["results"]
    return by_rest, trail_of(admin, author, mark), result


def test_every_kind_a_push_carries_has_the_audit_rule_of_its_rest_call():
    assert set(PUSH_ROLES) == set(MODELS) == set(PUSH_ENDPOINTS)
    for kind, endpoint in PUSH_ENDPOINTS.items():
        assert RULES[endpoint].action == f"{kind}.create", endpoint


@pytest.mark.parametrize(("kind", "role"), ACCEPTED)
def test_an_accepted_push_is_audited_like_its_rest_call(admin, callers, post_op, kind, role):
    author, pid = callers[role], callers["patient"].user["patient_id"]
    data = sample(kind, post_op, callers["patient"])
    by_rest, by_sync, result = rest_then_push(admin, author, kind, pid, data)
    assert result["status"] == "created", result
    assert by_sync == by_rest
    if role != "patient":
        # A write by staff is always on record: who, what, about whom.
        created = {"action": f"{kind}.create", "outcome": "ok", "reason": None}
        patient_ref = {"object_type": "patient", "object_id": pid, "patient_ids": [pid]}
        assert by_sync == [created | patient_ref]


@pytest.mark.parametrize(("kind", "role"), REFUSED)
def test_a_push_the_role_may_not_make_is_recorded_like_the_refused_rest_call(
    admin, callers, post_op, kind, role
):
    author, pid = callers[role], callers["patient"].user["patient_id"]
    data = sample(kind, post_op, callers["patient"])
    by_rest, by_sync, result = rest_then_push(admin, author, kind, pid, data)
    assert result["status"] == "rejected"
    assert without_reason(by_sync) == without_reason(by_rest)
    refusal = {"action": f"{kind}.create", "outcome": "forbidden", "object_id": pid}
    assert [e | refusal for e in by_sync] == by_sync and len(by_sync) == 1
    assert by_sync[0]["reason"] == result["message"] == f"A {role} cannot push {kind} events."


@pytest.mark.parametrize("kind", KINDS)
def test_a_push_into_a_record_out_of_reach_is_recorded_like_the_refused_rest_call(
    admin, callers, make_staff, make_patient, post_op, kind
):
    pid = callers["patient"].user["patient_id"]
    # Someone who may push this kind, in another care team.
    role = PUSH_ROLES[kind][-1]
    outsider = make_staff("physio" if role == "patient" else role, "outsider@example.org")
    if role == "patient":
        outsider = make_patient("stranger@example.org", by=outsider)
    data = sample(kind, post_op, callers["patient"])
    by_rest, by_sync, result = rest_then_push(admin, outsider, kind, pid, data)
    assert result["status"] == "rejected"
    assert without_reason(by_sync) == without_reason(by_rest)
    assert [(e["action"], e["outcome"], e["patient_ids"]) for e in by_sync] == [
        (f"{kind}.create", "not_found", [pid])
    ]
    assert by_sync[0]["reason"] == result["message"] == f"Patient {pid} not found."
