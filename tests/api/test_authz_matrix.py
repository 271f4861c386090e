"""Object- and function-level authorization over every route and role (OWASP API1, API5).

The cases come from the app's route table, so a new endpoint without a row in EXPECTED fails
the suite. Every call uses the ids of objects that belong to patient A.
"""

import uuid
from datetime import date, timedelta

import pytest

from server import create_app
from server.api.docs import DOCS_ENDPOINTS
from server.extensions import db
from server.models import User
from server.services.accounts import create_patient, create_user
from server.services.auth import issue_token
from tests.conftest import PASSWORD, Caller, dose_change

PREFIX = "/api/v1"
ROLES = (
    "anonymous",
    "patient_a",
    "patient_b",
    "physio_a",
    "physio_none",
    "clinician_a",
    "clinician_none",
    "admin",
)
OK = "allowed"  # anything but 401, 403 and 404 (a 409 from an earlier call's change is fine)
SEES_A = {"patient_a", "physio_a", "clinician_a"}


def expect(default, **roles) -> dict:
    """Return one route's outcome per role: 401 when anonymous, `default` unless named."""
    assert set(roles) <= set(ROLES), set(roles) - set(ROLES)
    return {"anonymous": 401, **{role: default for role in ROLES[1:]}, **roles}


PUBLIC = {role: OK for role in ROLES}
SIGNED_IN = expect(OK)
ADMIN_ONLY = expect(403, admin=OK)
# Reading A's record: A and A's care team; others do not learn it exists; admins are refused.
RECORD = expect(404, patient_a=OK, physio_a=OK, clinician_a=OK, admin=403)
PLAN = expect(404, patient_a=OK, physio_a=OK, clinician_a=OK)
PATIENT_WRITE = expect(403, patient_a=OK, patient_b=404)
STAFF_WRITE = expect(403, physio_a=OK, physio_none=404, clinician_a=OK, clinician_none=404)
STAFF_LIST = expect(403, physio_a=OK, physio_none=OK, clinician_a=OK, clinician_none=OK)
# A's alert is a red flag, routed to the clinician: A's physio sees it but does not act on it.
ALERT_ACT = expect(403, physio_none=404, clinician_a=OK, clinician_none=404)
# A second factor is for staff accounts, each their own.
STAFF_SELF = expect(OK, patient_a=403, patient_b=403)
CARE_TEAM = expect(403, physio_a=OK, physio_none=404, clinician_a=OK, clinician_none=404, admin=OK)

EXPECTED = {
    ("GET", "/health"): PUBLIC,
    ("POST", "/auth/tokens"): PUBLIC,
    ("DELETE", "/auth/tokens"): SIGNED_IN,
    ("GET", "/me"): SIGNED_IN,
    # Without a token; the bodies' codes are wrong, so everyone gets the same 401.
    ("POST", "/auth/activation"): {role: 401 for role in ROLES},
    ("POST", "/auth/password-change"): {role: 401 for role in ROLES},
    ("PUT", "/me/password"): SIGNED_IN,
    ("POST", "/users"): ADMIN_ONLY,
    ("GET", "/users"): ADMIN_ONLY,
    ("DELETE", "/users/<int:user_id>/tokens"): ADMIN_ONLY,
    ("DELETE", "/users/<int:user_id>/mfa"): ADMIN_ONLY,
    ("GET", "/me/mfa"): STAFF_SELF,
    ("POST", "/me/mfa"): STAFF_SELF,
    ("POST", "/me/mfa/confirmation"): STAFF_SELF,
    ("POST", "/me/mfa/recovery-codes"): STAFF_SELF,
    ("POST", "/users/<int:user_id>/disable"): ADMIN_ONLY,
    ("POST", "/users/<int:user_id>/enable"): ADMIN_ONLY,
    ("POST", "/users/<int:user_id>/reset-code"): ADMIN_ONLY,
    # A's care team changes by A's staff or an admin (it adds and removes a spare physio).
    ("POST", "/patients/<int:patient_id>/care-team"): CARE_TEAM,
    ("DELETE", "/patients/<int:patient_id>/care-team/<int:staff_id>"): CARE_TEAM,
    ("GET", "/audit"): ADMIN_ONLY,
    ("GET", "/protocols"): SIGNED_IN,
    ("GET", "/protocols/<string:protocol_id>"): SIGNED_IN,
    ("GET", "/protocols/<string:protocol_id>/versions/<int:version>"): SIGNED_IN,
    ("GET", "/protocols/<string:protocol_id>/versions/<int:version>/fhir"): SIGNED_IN,
    # A drawing of an exercise: no personal data, named by FHIR for systems without a token
    # (the matrix's exercise id is not in the protocol: everyone gets the same 404).
    (
        "GET",
        "/protocols/<string:protocol_id>/versions/<int:version>/exercises/<string:exercise_id>"
        "/figure.png",
    ): {role: 404 for role in ROLES},
    ("POST", "/patients"): expect(OK, patient_a=403, patient_b=403),
    ("GET", "/patients"): SIGNED_IN,  # scoped content: see LISTS
    ("GET", "/patients/<int:patient_id>"): RECORD,
    ("POST", "/patients/<int:patient_id>/plans"): STAFF_WRITE,
    ("GET", "/patients/<int:patient_id>/plans"): RECORD,
    ("GET", "/plans/<int:plan_id>"): PLAN,
    ("PATCH", "/plans/<int:plan_id>"): expect(403, physio_a=OK, physio_none=404),
    ("GET", "/plans/<int:plan_id>/revisions"): PLAN,
    ("GET", "/plans/<int:plan_id>/schedule"): PLAN,
    ("POST", "/patients/<int:patient_id>/exercise-logs"): PATIENT_WRITE,
    ("GET", "/patients/<int:patient_id>/exercise-logs"): RECORD,
    ("POST", "/patients/<int:patient_id>/pain-logs"): PATIENT_WRITE,
    ("GET", "/patients/<int:patient_id>/pain-logs"): RECORD,
    ("POST", "/patients/<int:patient_id>/red-flag-checks"): PATIENT_WRITE,
    ("GET", "/patients/<int:patient_id>/red-flag-checks"): RECORD,
    ("POST", "/patients/<int:patient_id>/postop-checks"): PATIENT_WRITE,
    ("GET", "/patients/<int:patient_id>/postop-checks"): RECORD,
    ("POST", "/patients/<int:patient_id>/outcome-measures"): PATIENT_WRITE,
    ("GET", "/patients/<int:patient_id>/outcome-measures"): RECORD,
    ("POST", "/patients/<int:patient_id>/clinical-events"): STAFF_WRITE,
    ("GET", "/patients/<int:patient_id>/clinical-events"): RECORD,
    # Only a clinician records a history of cancer, and only for their own patients.
    ("PUT", "/patients/<int:patient_id>/cancer-history"): expect(
        403, clinician_a=OK, clinician_none=404
    ),
    # A's staff give A a new activation code (A has activated: 409, which counts as allowed).
    ("POST", "/patients/<int:patient_id>/activation-code"): STAFF_WRITE,
    ("POST", "/sync"): SIGNED_IN,  # scoped content: see LISTS
    ("GET", "/patients/<int:patient_id>/schedule.ics"): RECORD,
    # Each patient makes and stops their own feed; staff never make one for a patient.
    ("POST", "/me/calendar-feed"): expect(403, patient_a=OK, patient_b=OK),
    ("DELETE", "/me/calendar-feed"): expect(403, patient_a=OK, patient_b=OK),
    # The URL's secret is the only credential (a bearer token changes nothing): with a wrong
    # one, everyone, signed in or not, gets the 404 of a feed that does not exist.
    ("GET", "/calendar/<string:token>.ics"): {role: 404 for role in ROLES},
    # The FHIR export of A's record: A's care team only, like the alerts about A.
    ("GET", "/patients/<int:patient_id>/fhir"): STAFF_WRITE,
    ("GET", "/alerts"): STAFF_LIST,  # scoped content: see LISTS
    ("GET", "/alerts/<int:alert_id>"): STAFF_WRITE,
    # The packet is read like the alert it is about (a signed link: tests/api/test_referral_packet)
    ("GET", "/alerts/<int:alert_id>/referral.pdf"): STAFF_WRITE,
    ("POST", "/alerts/<int:alert_id>/acknowledge"): ALERT_ACT,
    ("POST", "/alerts/<int:alert_id>/decision"): ALERT_ACT,
    # CDS Hooks: discovery is public; a hook call counts only an EHR's signed JWT, so every
    # Stride token (and no token) is refused alike (tests/api/test_cds_hooks.py signs real ones).
    ("GET", "/cds-services"): PUBLIC,
    ("POST", "/cds-services/<string:service_id>"): {role: 401 for role in ROLES},
}

# Allowed list calls must name patient A to exactly the roles in SEES_A.
LISTS = {
    ("GET", "/patients"): lambda body: [p["id"] for p in body],
    ("GET", "/alerts"): lambda body: [a["patient_id"] for a in body],
    ("POST", "/sync"): lambda body: [p["patient_id"] for p in body["changes"]["plans"]],
}


def _today(days=0):
    return (date.today() + timedelta(days=days)).isoformat()


def _unique_email():
    return f"new-{uuid.uuid4().hex[:10]}@example.org"


BODIES = {
    ("POST", "/auth/tokens"): lambda w: {"email": "a@example.org", "password": PASSWORD},
    ("POST", "/auth/activation"): lambda w: {
        "email": _unique_email(),
        "code": "AAAA-BBBB-CCCC",
        "new_password": "a fine new password",
    },
    ("POST", "/auth/password-change"): lambda w: {
        "change_token": "not-a-change-token",
        "new_password": "a fine new password",
    },
    # A wrong current password: allowed callers get a 422 and nobody's password changes.
    ("PUT", "/me/password"): lambda w: {
        "current_password": "not the password",
        "new_password": "a fine new password",
    },
    ("POST", "/users"): lambda w: {
        "email": _unique_email(),
        "display_name": "New Staff",
        "role": "physio",
        "password": PASSWORD,
    },
    ("POST", "/patients"): lambda w: {
        "email": _unique_email(),
        "display_name": "New Patient",
        "care_team": [w["physio_a"]],
    },
    ("POST", "/patients/<int:patient_id>/care-team"): lambda w: {"staff_id": w["spare"]},
    ("POST", "/patients/<int:patient_id>/plans"): lambda w: {
        "protocol_id": "piriformis-neural-gliding",
        "start_date": _today(-3),
    },
    ("PATCH", "/plans/<int:plan_id>"): lambda w: dose_change(5),
    ("POST", "/patients/<int:patient_id>/exercise-logs"): lambda w: _exercise_log(w["plan_id"]),
    ("POST", "/patients/<int:patient_id>/pain-logs"): lambda w: _pain_log(),
    ("POST", "/patients/<int:patient_id>/red-flag-checks"): lambda w: _red_flag_check(),
    ("POST", "/patients/<int:patient_id>/clinical-events"): lambda w: _clinical_event(),
    # Patient A has no post-operative plan: an allowed caller gets a 422, never a 403/404.
    ("POST", "/patients/<int:patient_id>/postop-checks"): lambda w: _postop_check(),
    ("POST", "/patients/<int:patient_id>/outcome-measures"): lambda w: {
        "id": str(uuid.uuid4()),
        "local_date": _today(),
        "instrument": "pgic",
        "answers": [3],
    },
    ("PUT", "/patients/<int:patient_id>/cancer-history"): lambda w: {"cancer_history": False},
    ("POST", "/me/mfa/confirmation"): lambda w: {"code": "000000"},
    ("POST", "/me/mfa/recovery-codes"): lambda w: {"code": "000000"},
    ("POST", "/sync"): lambda w: {"cursor": 0, "events": []},
    ("POST", "/alerts/<int:alert_id>/acknowledge"): lambda w: {"note": "Seen; calling today."},
    ("POST", "/alerts/<int:alert_id>/decision"): lambda w: {
        "decision": "seen_and_excluded",
        "note": "Screened by phone; no red flag confirmed.",
    },
    ("POST", "/cds-services/<string:service_id>"): lambda w: {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": f"stride-patient-{w['patient_id']}"},
    },
}


def _exercise_log(plan_id):
    return {
        "id": str(uuid.uuid4()),
        "plan_id": plan_id,
        "exercise_id": "supine-piriformis-stretch",
        "local_date": _today(),
        "slot": 1,
        "sets_done": 1,
        "sets_due": 1,
        "status": "done",
    }


def _pain_log():
    return {"id": str(uuid.uuid4()), "local_date": _today(), "nprs": 3, "context": "rest"}


def _clinical_event():
    details = {"modality": "MRI", "finding": "Normal sciatic nerve course."}
    return {
        "id": str(uuid.uuid4()),
        "kind": "imaging",
        "event_date": _today(-1),
        "details": details,
    }


def _postop_check():
    from domain.postop import all_no

    return {"id": str(uuid.uuid4()), "local_date": _today(), "answers": all_no(0)}


def _red_flag_check(**yes):
    from domain.redflags import QUESTIONS

    answers = {q.key: yes.get(q.key, False) for q in QUESTIONS}
    return {"id": str(uuid.uuid4()), "local_date": _today(), "answers": answers}


def api_routes(app) -> list[tuple[str, str]]:
    """Return (method, rule without the prefix) of every API route but the OpenAPI documents."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/") or rule.endpoint.startswith(DOCS_ENDPOINTS):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, rule.rule[len(PREFIX) :]))
    return sorted(found, key=lambda route: (route[1], route[0]))


ROUTES = api_routes(create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}))


@pytest.fixture(scope="module")
def world(app):
    """Build once: patients A and B, their care teams, and A's plan, logs, event and alert."""
    from server.protocols.loader import validate_files
    from server.services.plans import create_plan
    from server.services.protocols import load_documents

    client = app.test_client()
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        docs, problems = validate_files(None)
        assert not problems, problems
        load_documents(db.session, list(docs.values()))

        def staff(role, email):
            return create_user(
                db.session, email=email, display_name=email, role=role, password=PASSWORD
            )

        users = {
            "admin": staff("admin", "admin@example.org"),
            "physio_a": staff("physio", "physio-a@example.org"),
            "physio_none": staff("physio", "physio-none@example.org"),
            "clinician_a": staff("clinician", "clinician-a@example.org"),
            "clinician_none": staff("clinician", "clinician-none@example.org"),
        }
        physio_b = staff("physio", "physio-b@example.org")
        # Disabled, reset, added to and removed from A's care team by the account routes.
        spare = staff("physio", "physio-spare@example.org")
        db.session.commit()
        team_a = [users["physio_a"].id, users["clinician_a"].id]
        person_a, person_b = _person("a", team_a), _person("b", [])
        patient_a, _ = create_patient(db.session, users["physio_a"], person_a, password=PASSWORD)
        patient_b, _ = create_patient(db.session, physio_b, person_b, password=PASSWORD)
        users.update(patient_a=patient_a.user, patient_b=patient_b.user)
        start = date.today() - timedelta(days=10)
        plan = create_plan(
            db.session,
            users["physio_a"],
            patient_a,
            {"protocol_id": "piriformis-neural-gliding", "start_date": start},
        )
        world = {role: user.id for role, user in users.items()}
        world.update(patient_id=patient_a.id, plan_id=plan.id, a_user_id=patient_a.user_id)
        world["spare"] = spare.id
    world["client"] = client
    as_a, pid = _caller(app, world, "patient_a"), world["patient_id"]
    logged = as_a.post(f"/patients/{pid}/exercise-logs", json=_exercise_log(world["plan_id"]))
    logged_pain = as_a.post(f"/patients/{pid}/pain-logs", json=_pain_log())
    flagged = as_a.post(f"/patients/{pid}/red-flag-checks", json=_red_flag_check(fever=True))
    as_clinician = _caller(app, world, "clinician_a")
    recorded = as_clinician.post(f"/patients/{pid}/clinical-events", json=_clinical_event())
    for response in (logged, logged_pain, flagged, recorded):
        assert response.status_code == 201, response.get_json()
    world["alert_id"] = flagged.get_json()["alert_ids"][0]
    return world


def _person(name, team):
    return dict(email=f"{name}@example.org", display_name=name, care_team=team)


def _caller(app, world, role) -> Caller:
    """Return a caller with a fresh token (an earlier case may have revoked the last one)."""
    with app.app_context():
        raw, _ = issue_token(db.session, db.session.get(User, world[role]), timedelta(hours=1))
        db.session.commit()
    return Caller(world["client"], {"id": world[role]}, raw)


def _path(rule: str, world) -> str:
    # Disabling or resetting patient A would change the answers of the routes after it.
    spared = rule.endswith(("/disable", "/enable", "/reset-code"))
    values = {
        "patient_id": world["patient_id"],
        "plan_id": world["plan_id"],
        "alert_id": world["alert_id"],
        "user_id": world["spare"] if spared else world["a_user_id"],
        "staff_id": world["spare"],
        "protocol_id": "piriformis-neural-gliding",
        "version": 8,
        "exercise_id": "not-an-exercise",
        "service_id": "stride-alerts",
        "token": "not-a-calendar-feed-token",
    }
    path = rule
    for name, value in values.items():
        for converter in ("int", "string"):
            path = path.replace(f"<{converter}:{name}>", str(value))
    assert "<" not in path, f"no value for a path parameter of {rule}: add it to _path"
    return path


def test_every_route_has_an_expectation():
    missing = [f"{m} {r}" for m, r in ROUTES if (m, r) not in EXPECTED]
    assert not missing, "new endpoint(s) with no authorization expectation: " + ", ".join(missing)
    stale = [f"{m} {r}" for m, r in EXPECTED if (m, r) not in ROUTES]
    assert not stale, "expectations for routes that no longer exist: " + ", ".join(stale)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,rule", ROUTES)
def test_route_answers_each_role_as_expected(app, world, method, rule, role):
    if (method, rule) not in EXPECTED:
        pytest.fail(f"new endpoint {method} {PREFIX}{rule} has no authorization expectation")
    expected = EXPECTED[(method, rule)][role]
    body = BODIES[(method, rule)](world) if (method, rule) in BODIES else None
    path = PREFIX + _path(rule, world)
    if role == "anonymous":
        response = world["client"].open(path, method=method, json=body)
    else:
        response = _caller(app, world, role).call(method, path[len(PREFIX) :], json=body)
    got, answer = response.status_code, response.get_json(silent=True)
    detail = f"{method} {path} as {role}: expected {expected}, got {got} {answer}"
    assert got < 500, detail
    if expected == OK:
        assert got not in (401, 403, 404), detail
    else:
        assert got == expected, detail
        assert response.get_json()["code"] == got
    if expected == OK and (method, rule) in LISTS:
        shown = LISTS[(method, rule)](response.get_json())
        assert (world["patient_id"] in shown) == (role in SEES_A), f"{detail}: lists {shown}"
