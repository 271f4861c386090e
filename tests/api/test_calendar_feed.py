"""The plan as a calendar: iCalendar read back with icalendar; the patient's private feed URL."""

import hashlib
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from domain.dose_words import session_dose_text
from domain.protocol import Dose
from server.extensions import db
from server.models import AuditEvent, CalendarFeed, User
from server.services.accounts import create_patient, create_user
from server.services.auth import issue_token
from server.services.calendar import ALARM_BEFORE, SLOT_TIMES
from tests.conftest import PASSWORD, Caller, assign, dose_change

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def team(app):
    """Build once: a physio and a clinician with tokens, on emptied tables with the protocols.

    Built with the services, not over HTTP: each sign-in over HTTP hashes a password, and this
    module needs a new patient per test, not new staff.
    """
    from server.protocols.loader import validate_files
    from server.services.protocols import load_documents

    client = app.test_client()
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        load_documents(db.session, list(validate_files(None)[0].values()))
        staff = {
            role: create_user(
                db.session,
                email=f"{role}@example.org",
                display_name=role,
                role=role,
                password=PASSWORD,
            )
            for role in ("physio", "clinician")
        }
        db.session.commit()
        callers = {role: _caller(client, user) for role, user in staff.items()}
    return {"client": client, **callers}


def _caller(client, user: User) -> Caller:
    raw, _ = issue_token(db.session, user, timedelta(hours=2))
    db.session.commit()
    who = {"id": user.id, "patient_id": user.patient.id if user.patient else None}
    return Caller(client, who, raw)


@pytest.fixture()
def client(team):
    return team["client"]


@pytest.fixture()
def physio(team):
    return team["physio"]


@pytest.fixture()
def clinician(team):
    return team["clinician"]


@pytest.fixture()
def make_patient(app, team):
    """Return a maker of new patients in the team's care, each with a token."""

    def make(email=None, timezone="Europe/London"):
        email = email or f"patient-{next(_numbers)}@example.org"
        with app.app_context():
            physio = db.session.get(User, team["physio"].user["id"])
            person = {
                "email": email,
                "display_name": email.split("@")[0],
                "timezone": timezone,
                "care_team": [team["clinician"].user["id"]],
            }
            patient, _ = create_patient(db.session, physio, person)
            db.session.commit()
            return _caller(team["client"], patient.user)

    return make


_numbers = iter(range(1, 10_000))


@pytest.fixture()
def patient(make_patient):
    return make_patient()


def london_today() -> date:
    """Return the patient's today (the fixtures' patient lives in London)."""
    return datetime.now(LONDON).date()


def parsed(response) -> Calendar:
    """Return the answer read back as iCalendar (after checking it is one)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def events_of(calendar: Calendar) -> dict[str, object]:
    """Return the calendar's events by UID."""
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def dose_line(event, name: str) -> str:
    """Return the line of an event's description that gives one exercise's dose."""
    lines = str(event["DESCRIPTION"]).splitlines()
    return next(line for line in lines if line.startswith(f"{name}: "))


def slider_name(caller, plan_id) -> str:
    """Return the name the schedule gives the seated sciatic slider."""
    days = caller.get(f"/plans/{plan_id}/schedule").get_json()["days"]
    sessions = [s for d in days for s in d["sessions"]]
    return next(s["name"] for s in sessions if s["exercise_id"] == "seated-sciatic-slider")


def ics(caller, patient_caller, first=None, last=None):
    path = f"/patients/{patient_caller.user['patient_id']}/schedule.ics"
    if first:
        path += f"?from={first.isoformat()}&to={last.isoformat()}"
    return caller.get(path)


def schedule_slots(caller, plan_id, first, last) -> dict[tuple[date, str], set[str]]:
    """Return the JSON schedule as {(date, part of the day): exercise names}."""
    days = caller.get(f"/plans/{plan_id}/schedule?from={first}&to={last}").get_json()["days"]
    slots: dict[tuple[date, str], set[str]] = {}
    for day in days:
        for s in day["sessions"]:
            key = (date.fromisoformat(day["date"]), s["time_of_day"])
            slots.setdefault(key, set()).add(s["name"])
    return slots


def test_events_are_the_schedules_sessions_in_the_patients_zone_with_reminders(physio, patient):
    plan = assign(physio, patient, start=date(2026, 11, 2))
    first, last = date(2026, 11, 2), date(2026, 11, 15)
    calendar = parsed(ics(patient, patient, first, last))
    expected = schedule_slots(patient, plan["id"], first, last)
    seen = {}
    for event in calendar.walk("VEVENT"):
        start = event.start
        assert start.tzinfo is not None and str(event["DTSTART"].params["TZID"]) == (
            "Europe/London"
        )
        slot = str(event["UID"]).split("@")[0].rsplit("-", 1)[1]
        assert start.time() == SLOT_TIMES[slot]
        names = {n for n in expected[(start.date(), slot)] if n in str(event["SUMMARY"])}
        seen[(start.date(), slot)] = names
        [alarm] = event.walk("VALARM")
        assert alarm["ACTION"] == "DISPLAY" and alarm["TRIGGER"].dt == -ALARM_BEFORE
    assert seen == expected, "one event per part of the day, naming every exercise in it"
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    day_one = patient.get(f"/plans/{plan['id']}/schedule?from={first}&to={first}").get_json()
    morning = events_of(calendar)[f"stride-plan-{plan['id']}-20261102-morning@stride-rehab.org"]
    for session in day_one["days"][0]["sessions"]:
        if session["time_of_day"] == "morning":
            line = dose_line(morning, session["name"])
            # The words the app shows for one session (its days and times are the event's).
            words = session_dose_text(Dose.from_dict(session["dose"]))
            assert line == f"{session['name']}: {words}", line


def test_a_session_keeps_its_wall_clock_time_across_the_change_to_summer_time(physio, patient):
    plan = assign(physio, patient, start=date(2027, 3, 22))
    calendar = parsed(ics(patient, patient, date(2027, 3, 22), date(2027, 4, 4)))
    mornings = sorted(
        e.start
        for e in calendar.walk("VEVENT")
        if str(e["UID"]).endswith("-morning@stride-rehab.org")
    )
    assert mornings, "the plan has morning sessions"
    assert {m.time() for m in mornings} == {SLOT_TIMES["morning"]}
    before = [m for m in mornings if m.date() < date(2027, 3, 28)]
    after = [m for m in mornings if m.date() >= date(2027, 3, 28)]
    assert before and after
    assert {m.utcoffset() for m in before} == {timedelta(0)}  # GMT
    assert {m.utcoffset() for m in after} == {timedelta(hours=1)}  # BST
    assert before[0].astimezone(ZoneInfo("UTC")).hour == 8
    assert after[-1].astimezone(ZoneInfo("UTC")).hour == 7
    [zone] = calendar.timezones
    assert {c.name for c in zone.subcomponents} >= {"STANDARD", "DAYLIGHT"}
    days = {m.date() for m in mornings}
    assert days == {
        d
        for d, slot in schedule_slots(patient, plan["id"], "2027-03-22", "2027-04-04")
        if slot == "morning"
    }


def test_and_back_to_winter_time_at_the_end_of_october(physio, patient):
    assign(physio, patient, start=date(2026, 10, 19))
    calendar = parsed(ics(patient, patient, date(2026, 10, 19), date(2026, 11, 1)))
    starts = [e.start for e in calendar.walk("VEVENT")]
    assert {s.utcoffset() for s in starts if s.date() < date(2026, 10, 25)} == {timedelta(hours=1)}
    assert {s.utcoffset() for s in starts if s.date() >= date(2026, 10, 25)} == {timedelta(0)}
    assert {s.time() for s in starts} <= set(SLOT_TIMES.values())


def test_uids_stay_put_across_reads_and_after_the_physio_adjusts_the_plan(physio, patient):
    plan = assign(physio, patient)  # started 10 days ago: the feed's default weeks
    first = ics(patient, patient)
    again = ics(patient, patient)
    assert first.get_data() == again.get_data(), "the same plan gives the same feed"
    before = events_of(parsed(first))
    today = london_today().strftime("%Y%m%d")
    assert min(before)  # the feed is not empty
    changed = physio.patch(f"/plans/{plan['id']}", json=dose_change(5))
    assert changed.status_code == 200, changed.get_json()
    after = events_of(parsed(ics(patient, patient)))
    assert set(after) == set(before), "the same events, updated in place"
    uid = f"stride-plan-{plan['id']}-{today}-morning@stride-rehab.org"
    name = slider_name(patient, plan["id"])
    assert "× 10 reps" in dose_line(before[uid], name)
    assert "× 5 reps" in dose_line(after[uid], name)
    assert after[uid]["SEQUENCE"] == before[uid]["SEQUENCE"] + 1
    first_day = f"stride-plan-{plan['id']}-{(london_today() - timedelta(days=7)):%Y%m%d}-morning"
    past = next(u for u in after if u.startswith(first_day))
    assert after[past].to_ical() == before[past].to_ical(), "the past is left as it was"


def test_the_feed_covers_a_week_back_and_twelve_weeks_ahead_within_the_plan(physio, patient):
    assign(physio, patient)
    starts = [e.start.date() for e in parsed(ics(patient, patient)).walk("VEVENT")]
    today = london_today()
    assert min(starts) == today - timedelta(days=7)
    assert max(starts) == today + timedelta(weeks=12)
    ended = assign(physio, patient, start=london_today() - timedelta(days=3))
    end = london_today() + timedelta(days=2)
    physio.patch(f"/plans/{ended['id']}", json={"reason": "Stop soon.", "end_date": str(end)})
    ended_starts = [
        e.start.date()
        for e in parsed(ics(patient, patient)).walk("VEVENT")
        if str(e["UID"]).startswith(f"stride-plan-{ended['id']}-")
    ]
    assert min(ended_starts) == london_today() - timedelta(days=3) and max(ended_starts) == end


def test_a_bad_range_is_a_field_error(patient, physio):
    assign(physio, patient)
    backwards = ics(patient, patient, date(2026, 11, 5), date(2026, 11, 1))
    assert backwards.status_code == 422 and "to" in backwards.get_json()["errors"]["query"]
    bad = patient.get(f"/patients/{patient.user['patient_id']}/schedule.ics?from=2026-13-01")
    assert bad.status_code == 422 and "from" in bad.get_json()["errors"]["query"]


def test_the_care_team_reads_the_calendar_and_is_audited_the_patient_is_not(
    app, physio, clinician, patient
):
    assign(physio, patient)
    assert ics(patient, patient).status_code == 200
    assert ics(clinician, patient).status_code == 200
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "plan.calendar.read")
        ).all()
        mine = [
            e for e in reads if patient.user["patient_id"] in {p.patient_id for p in e.patients}
        ]
        assert [(e.actor_id, e.actor_role) for e in mine] == [(clinician.user["id"], "clinician")]


def feed_path(url: str) -> str:
    """Return the path of a feed URL, as the test client opens it."""
    return urlsplit(url).path


def test_the_patient_makes_replaces_and_revokes_the_private_feed(app, client, physio, patient):
    assign(physio, patient)
    made = patient.post("/me/calendar-feed")
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["url"].startswith("http://localhost/api/v1/calendar/")
    assert body["url"].endswith(".ics")
    assert body["webcal_url"] == "webcal://" + body["url"][len("http://") :]
    token = feed_path(body["url"]).rsplit("/", 1)[1][: -len(".ics")]
    assert len(token) >= 43
    read = client.get(feed_path(body["url"]))  # no bearer token: a calendar app's request
    assert events_of(parsed(read)) == events_of(parsed(ics(patient, patient)))
    with app.app_context():
        [row] = db.session.scalars(
            select(CalendarFeed).where(CalendarFeed.patient_id == patient.user["patient_id"])
        ).all()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in repr(vars(row)), "only the hash is stored"
        assert row.last_read_at is not None

    replaced = patient.post("/me/calendar-feed").get_json()
    assert replaced["url"] != body["url"]
    gone = client.get(feed_path(body["url"]))
    assert gone.status_code == 404 and gone.get_json()["code"] == 404
    assert client.get(feed_path(replaced["url"])).status_code == 200

    assert patient.delete("/me/calendar-feed").status_code == 204
    assert client.get(feed_path(replaced["url"])).status_code == 404
    assert patient.delete("/me/calendar-feed").status_code == 204, "nothing left to stop: fine"
    unknown = client.get("/api/v1/calendar/" + "A" * 43 + ".ics")
    assert unknown.status_code == 404 and unknown.get_json() == gone.get_json()
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.actor_id == patient.user["id"], AuditEvent.action.like("calendar%"))
            .order_by(AuditEvent.id)
        ).all()
    assert actions == [
        "calendar_feed.create",
        "calendar_feed.create",
        "calendar_feed.revoke",
        "calendar_feed.revoke",
    ]


def test_the_feed_url_uses_the_configured_public_address(app, physio, patient):
    before = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = "https://stride.clinic.example"
    try:
        body = patient.post("/me/calendar-feed").get_json()
    finally:
        app.config["PUBLIC_URL"] = before
    assert body["url"].startswith("https://stride.clinic.example/api/v1/calendar/")
    assert body["webcal_url"].startswith("webcal://stride.clinic.example/api/v1/calendar/")


def test_a_feed_token_opens_only_its_own_patients_feed(client, physio, patient, make_patient):
    plan = assign(physio, patient)
    other = make_patient(timezone="UTC")
    other_plan = assign(physio, other)
    mine = feed_path(patient.post("/me/calendar-feed").get_json()["url"])
    theirs = feed_path(other.post("/me/calendar-feed").get_json()["url"])
    uids = set(events_of(parsed(client.get(mine))))
    assert uids and all(u.startswith(f"stride-plan-{plan['id']}-") for u in uids)
    other_uids = set(events_of(parsed(client.get(theirs))))
    assert all(u.startswith(f"stride-plan-{other_plan['id']}-") for u in other_uids)
    in_utc = parsed(client.get(theirs))
    assert not in_utc.timezones, "UTC needs no VTIMEZONE"
    assert {e.start.utcoffset() for e in in_utc.walk("VEVENT")} == {timedelta(0)}
    token = mine.rsplit("/", 1)[1][: -len(".ics")]
    as_bearer = {"Authorization": f"Bearer {token}"}
    pid = patient.user["patient_id"]
    for path in (f"/patients/{pid}/schedule.ics", f"/patients/{pid}", f"/plans/{plan['id']}"):
        assert client.get("/api/v1" + path, headers=as_bearer).status_code == 401, path
    assert client.get(mine[: -len(".ics")]).status_code == 404


def test_staff_cannot_make_a_patients_feed(physio, clinician, patient):
    for staff in (physio, clinician):
        refused = staff.post("/me/calendar-feed")
        assert refused.status_code == 403, refused.get_json()
        assert staff.delete("/me/calendar-feed").status_code == 403


def test_the_feeds_times_of_day_are_the_apps_usual_reminder_times():
    from mobile.core.reminders import DEFAULT_TIMES

    assert SLOT_TIMES == DEFAULT_TIMES, "docs/interop.md promises the app's usual times"
