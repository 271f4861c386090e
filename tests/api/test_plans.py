"""Assigning protocols, adjusting plans as revisions, and the dated schedule."""

from datetime import date, timedelta

from sqlalchemy import select

from server.extensions import db
from tests.conftest import assign, dose_change

PIRIFORMIS_DAY_ONE = {"supine-piriformis-stretch", "seated-sciatic-slider", "side-lying-clamshell"}


def test_assigning_a_protocol_creates_revision_one(physio, patient):
    plan = assign(physio, patient, start=date(2026, 11, 2))
    assert plan["protocol_id"] == "piriformis-neural-gliding"
    assert plan["protocol_version"] == 8
    assert plan["current_revision"] == 1
    assert [r["number"] for r in plan["revisions"]] == [1]
    listed = patient.get(f"/patients/{patient.user['patient_id']}/plans").get_json()
    assert [p["id"] for p in listed] == [plan["id"]]


def test_schedule_lists_the_prescribed_sessions_of_each_day(physio, patient):
    plan = assign(physio, patient, start=date(2026, 11, 2))
    body = patient.get(f"/plans/{plan['id']}/schedule?from=2026-11-02&to=2026-11-04").get_json()
    assert [d["date"] for d in body["days"]] == ["2026-11-02", "2026-11-03", "2026-11-04"]
    first = body["days"][0]
    assert first["phase_id"] == "settle-and-slide"
    assert {s["exercise_id"] for s in first["sessions"]} == PIRIFORMIS_DAY_ONE
    sliders = [s for s in first["sessions"] if s["exercise_id"] == "seated-sciatic-slider"]
    assert [s["time_of_day"] for s in sliders] == ["morning", "evening"]
    assert first["restrictions"], "restrictions of the phase are shown"


def test_schedule_is_clipped_to_the_plan_and_range_is_checked(physio, patient):
    plan = assign(physio, patient, start=date(2026, 11, 2))
    before = patient.get(f"/plans/{plan['id']}/schedule?from=2026-10-30&to=2026-11-02")
    assert [d["date"] for d in before.get_json()["days"]] == ["2026-11-02"]
    backwards = patient.get(f"/plans/{plan['id']}/schedule?from=2026-11-05&to=2026-11-02")
    assert backwards.status_code == 422
    assert "to" in backwards.get_json()["errors"]["query"]
    bad_date = patient.get(f"/plans/{plan['id']}/schedule?from=2026-13-01")
    assert bad_date.status_code == 422
    assert "from" in bad_date.get_json()["errors"]["query"]
    too_long = patient.get(f"/plans/{plan['id']}/schedule?from=2026-01-01&to=2027-06-01")
    assert too_long.status_code == 422


def test_adjustment_is_a_new_revision_and_keeps_the_past(physio, patient):
    start = date.today() - timedelta(days=6)
    plan = assign(physio, patient, start=start)
    response = physio.patch(f"/plans/{plan['id']}", json=dose_change(5))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["current_revision"] == 2
    revision = body["revisions"][-1]
    assert revision["author_id"] == physio.user["id"]
    assert revision["reason"].startswith("Sliders flared")
    assert revision["effective_from"] == date.today().isoformat()
    assert revision["diff"][0]["exercise_id"] == "seated-sciatic-slider"

    days = patient.get(
        f"/plans/{plan['id']}/schedule?from={start.isoformat()}&to={date.today().isoformat()}"
    ).get_json()["days"]

    def slider_reps(day):
        return {
            s["dose"]["reps"]
            for s in day["sessions"]
            if s["exercise_id"] == "seated-sciatic-slider"
        }

    assert slider_reps(days[0]) == {10}, "what was prescribed before the change stays"
    assert slider_reps(days[-1]) == {5}
    assert days[0]["revision"] == 1 and days[-1]["revision"] == 2
    revisions = patient.get(f"/plans/{plan['id']}/revisions").get_json()
    assert [r["number"] for r in revisions] == [1, 2]


def test_adjustment_needs_a_reason_and_valid_operations(physio, patient, plan):
    no_reason = physio.patch(
        f"/plans/{plan['id']}",
        json={"operations": [{"op": "remove_exercise", "exercise_id": "side-lying-clamshell"}]},
    )
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["errors"]["json"]
    unknown = physio.patch(
        f"/plans/{plan['id']}",
        json={"reason": "x", "operations": [{"op": "remove_exercise", "exercise_id": "nope"}]},
    )
    assert unknown.status_code == 422
    assert "exercise_id" in unknown.get_json()["message"]
    bad_dose = physio.patch(
        f"/plans/{plan['id']}",
        json={
            "reason": "x",
            "operations": [
                {"op": "set_dose", "exercise_id": "side-lying-clamshell", "dose": {"sets": 500}}
            ],
        },
    )
    assert bad_dose.status_code == 422
    past = physio.patch(
        f"/plans/{plan['id']}",
        json={
            "reason": "x",
            "effective_from": "2020-01-01",
            "operations": [{"op": "remove_exercise", "exercise_id": "side-lying-clamshell"}],
        },
    )
    assert past.status_code == 422
    assert "effective_from" in past.get_json()["errors"]["json"]
    assert physio.get(f"/plans/{plan['id']}").get_json()["current_revision"] == 1


def test_physio_adds_an_exercise_validated_like_a_protocol(physio, patient, plan):
    exercise = {
        "id": "wall-sit",
        "name": "Wall sit",
        "category": "strength",
        "instructions": ["Slide down a wall to a comfortable knee bend and hold."],
        "dose": {"sets": 3, "reps": 1, "hold_s": 30, "rest_s": 60},
        "stop_if": [{"id": "sharp-pain", "level": "stop", "text": "Sharp knee or buttock pain"}],
        "regression": "Hold a shallower bend.",
        "progression": "Hold longer.",
    }
    broken = {**exercise, "dose": {"sets": 3, "reps": 1, "hold_s": -5}}
    refused = physio.patch(
        f"/plans/{plan['id']}",
        json={
            "reason": "add strength",
            "operations": [
                {"op": "add_exercise", "phase_id": "settle-and-slide", "exercise": broken}
            ],
        },
    )
    assert refused.status_code == 422
    assert "hold_s" in refused.get_json()["message"]
    added = physio.patch(
        f"/plans/{plan['id']}",
        json={
            "reason": "add strength",
            "operations": [
                {"op": "add_exercise", "phase_id": "settle-and-slide", "exercise": exercise}
            ],
        },
    )
    assert added.status_code == 200, added.get_json()
    today = date.today().isoformat()
    day = patient.get(f"/plans/{plan['id']}/schedule?from={today}&to={today}").get_json()
    assert "wall-sit" in {s["exercise_id"] for s in day["days"][0]["sessions"]}


def test_move_phase_changes_the_schedule_from_today(physio, patient, plan):
    response = physio.patch(
        f"/plans/{plan['id']}",
        json={
            "reason": "Criteria met: sliders symptom-free for a week.",
            "operations": [{"op": "move_phase", "phase_id": "tension-and-strength"}],
        },
    )
    assert response.status_code == 200, response.get_json()
    today = date.today().isoformat()
    day = patient.get(f"/plans/{plan['id']}/schedule?from={today}&to={today}").get_json()
    assert day["days"][0]["phase_id"] == "tension-and-strength"


def test_unknown_protocol_and_missing_surgery_date_are_field_errors(physio, patient):
    pid = patient.user["patient_id"]
    unknown = physio.post(
        f"/patients/{pid}/plans", json={"protocol_id": "no-such", "start_date": "2026-11-02"}
    )
    assert unknown.status_code == 422
    assert "protocol_id" in unknown.get_json()["errors"]["json"]
    no_surgery = physio.post(
        f"/patients/{pid}/plans",
        json={"protocol_id": "hamstring-repair", "start_date": "2026-11-02"},
    )
    assert no_surgery.status_code == 422
    assert "surgery_date" in no_surgery.get_json()["errors"]["json"]
    post_op = assign(
        physio, patient, "hamstring-repair", start=date(2026, 11, 2), surgery_date="2026-10-12"
    )
    days = patient.get(f"/plans/{post_op['id']}/schedule?from=2026-11-02&to=2026-11-02")
    assert days.get_json()["days"][0]["phase_id"] == "partial-weight-bearing"


def test_protocols_are_listed_with_versions(patient):
    listed = patient.get("/protocols").get_json()
    assert {p["id"] for p in listed} >= {
        "piriformis-neural-gliding",
        "pelvic-floor-downtraining",
        "ischiofemoral-impingement",
        "hamstring-repair",
        "hamstring-nonoperative",
    }
    one = patient.get("/protocols/hamstring-repair").get_json()
    assert one["versions"] == [4]
    assert one["content"]["phases"][0]["start_relative_to"] == "surgery_date"
    assert patient.get("/protocols/hamstring-repair/versions/9").status_code == 404
    assert patient.get("/protocols/nope").status_code == 404


def test_a_schedule_read_again_follows_every_change_to_the_plan(physio, patient, plan):
    from server.api.plans import _schedules

    today = date.today().isoformat()
    url = f"/plans/{plan['id']}/schedule?from={today}&to={today}"

    def slider_reps():
        sessions = patient.get(url).get_json()["days"][0]["sessions"]
        return {s["dose"]["reps"] for s in sessions if s["exercise_id"] == "seated-sciatic-slider"}

    before = slider_reps()
    hits = _schedules.hits
    assert slider_reps() == before
    assert _schedules.hits == hits + 1, "an unchanged plan is answered from the cache"
    halved = physio.patch(f"/plans/{plan['id']}", json=dose_change(3))
    assert halved.status_code == 200, halved.get_json()
    assert slider_reps() == {3} != before
    ended = physio.patch(f"/plans/{plan['id']}", json={"reason": "Discharged.", "end_date": today})
    assert ended.status_code == 200, ended.get_json()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    after_end = patient.get(f"/plans/{plan['id']}/schedule?from={today}&to={tomorrow}")
    assert [d["date"] for d in after_end.get_json()["days"]] == [today]


def test_a_week_never_read_before_follows_the_plan_as_it_is_now(physio, patient, plan):
    """Another week is expanded from the plan's inputs kept by the last read, never stale ones."""
    from server.services.plans import _INPUTS as _inputs

    def slider_reps(day: date) -> set[int]:
        url = f"/plans/{plan['id']}/schedule?from={day}&to={day}"
        sessions = patient.get(url).get_json()["days"][0]["sessions"]
        return {s["dose"]["reps"] for s in sessions if s["exercise_id"] == "seated-sciatic-slider"}

    today = date.today()
    before = slider_reps(today)
    held = len(_inputs)
    assert slider_reps(today + timedelta(days=1)) == before
    assert len(_inputs) == held, "the second week came from the inputs of the first"
    assert physio.patch(f"/plans/{plan['id']}", json=dose_change(3)).status_code == 200
    assert slider_reps(today + timedelta(days=2)) == {3} != before


def test_a_schedule_body_is_the_text_of_a_full_dump(clean_app):
    """Days written from their kept text give the bytes the schema's dump, written whole, gives."""
    from domain.protocol import Protocol
    from domain.schedule import DayPlan, Revision, expand_schedule
    from server.protocols.loader import validate_files
    from server.schemas.plans import ScheduleSchema, ScheduleWriter

    dumps = clean_app.json.dumps
    writer, schema = ScheduleWriter(dumps), ScheduleSchema()

    def whole(plan_id, days) -> bytes:
        return (dumps(schema.dump({"plan_id": plan_id, "days": days})) + "\n").encode()

    start = date(2026, 1, 5)
    for doc in validate_files(None)[0].values():
        protocol = Protocol.from_dict(doc)
        first = protocol.phases[0].exercises[0]
        # The same exercise with two doses: a day is more than its exercises and slots.
        twice = {"dose_overrides": {first.id: {"reps": first.dose.reps + 1}}}
        revisions = [Revision(1, start, {}), Revision(2, start + timedelta(days=3), twice)]
        surgery = start - timedelta(days=3)  # only the post-operative protocols use it
        days = expand_schedule(
            protocol, start, surgery, None, revisions, start, start + timedelta(days=200)
        )
        for plan_id in (7, 123456):
            for week in range(0, len(days), 7):  # each week twice: written, then from kept days
                assert writer.body(plan_id, days[week : week + 7]) == whole(
                    plan_id, days[week : week + 7]
                ), doc["id"]
    # A day whose own text holds the date that marks where the date goes, and none at all.
    odd = DayPlan(start, "p", "Phase 0001-01-01 \u00e9", ("0001-01-01",), 1, (), True)
    assert writer.body(3, [odd, odd._replace(date=start + timedelta(days=1))]) == whole(
        3, [odd, odd._replace(date=start + timedelta(days=1))]
    )
    assert writer.body(3, []) == whole(3, [])


def test_a_cached_schedule_is_refused_at_once_to_a_dead_token_or_disabled_account(
    client, clean_app, physio, patient, plan
):
    """The schedule reads its token with the plan's key: each answer checks the token afresh."""
    from server.api.plans import _schedules
    from server.models import AuthToken, User
    from server.models.types import utcnow
    from server.services.auth import digest
    from tests.conftest import sign_in

    url = f"/plans/{plan['id']}/schedule"

    def cached(caller) -> None:
        assert caller.get(url).status_code == 200
        hits = _schedules.hits
        assert caller.get(url).status_code == 200
        assert _schedules.hits == hits + 1  # the next read would be answered from the cache

    def change(raw_token, **fields) -> None:
        with clean_app.app_context():
            token = db.session.scalar(
                select(AuthToken).where(AuthToken.token_hash == digest(raw_token))
            )
            for name, value in fields.items():
                owner = token.user if name == "is_active" else token
                setattr(owner, name, value)
            db.session.commit()

    cached(patient)
    assert patient.delete("/auth/tokens").status_code == 204
    assert patient.get(url).status_code == 401

    expiring = sign_in(client, "pat@example.org")
    cached(expiring)
    change(expiring.token, expires_at=utcnow() - timedelta(seconds=1))
    assert expiring.get(url).status_code == 401

    disabled = sign_in(client, "pat@example.org")
    cached(disabled)
    change(disabled.token, is_active=False)  # the token itself is still live
    answer = disabled.get(url)
    assert answer.status_code == 401
    assert answer.get_json()["message"] == "The account is disabled."
    with clean_app.app_context():
        assert db.session.get(User, disabled.user["id"]).is_active is False


def test_a_cached_schedule_is_refused_at_once_to_staff_taken_off_the_care_team(
    physio, clinician, patient, plan
):
    url = f"/plans/{plan['id']}/schedule"
    assert clinician.get(url).status_code == 200
    assert clinician.get(url).status_code == 200
    removed = physio.delete(
        f"/patients/{patient.user['patient_id']}/care-team/{clinician.user['id']}"
    )
    assert removed.status_code == 204, removed.get_json()
    assert clinician.get(url).status_code == 404
    assert physio.get(url).status_code == 200


def test_a_cached_schedule_is_still_only_for_those_who_may_see_it(
    physio, patient, make_patient, make_staff, plan
):
    url = f"/plans/{plan['id']}/schedule"
    assert patient.get(url).status_code == 200
    assert physio.get(url).status_code == 200
    assert make_patient("someone-else@example.org").get(url).status_code == 404
    assert make_staff("physio", "not-on-the-team@example.org").get(url).status_code == 404


def test_a_kept_day_is_keyed_by_everything_but_its_dates():
    """ScheduleWriter keys a day by its fields but the date, its sessions' by all but the first."""
    from domain.schedule import DayPlan, Session

    assert DayPlan._fields[0] == "date" and Session._fields[0] == "date"
