"""The app in a real Kivy window against the real server, driven as people use it.

One app per process: the tests below run in order on the same app, as one patient's day, then
their physio's and their clinician's work on it. Each test checks what the person sees and what
the server stored.
"""

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest

from mobile.core.api import ApiClient, ApiError
from mobile.core.reminders import plan_reminders
from tests.mobile.conftest import DEMO_CLINICIAN, DEMO_PASSWORD, DEMO_PHYSIO
from tests.mobile.conftest_ui import idle, open_dialog, press, pump, stride_app, x_display

__all__ = ["stride_app", "x_display"]  # fixtures used by name below
PASSWORD = "screen-test-password"


def staff(live_server, email: str) -> ApiClient:
    """Return an API client signed in as a demo staff member."""
    client = ApiClient(live_server.url)
    client.sign_in(email, DEMO_PASSWORD)
    return client


@pytest.fixture(scope="module")
def person(live_server):
    """Create a patient of the demo physio and clinician whose plan began 14 days ago."""
    physio, clinician = staff(live_server, DEMO_PHYSIO), staff(live_server, DEMO_CLINICIAN)
    clinician_id = clinician.get("/me")["id"]
    email = f"screens.{os.getpid()}@example.org"
    created = physio.post(
        "/patients",
        {
            "email": email,
            "display_name": "Rowan Screens",
            "timezone": "UTC",
            "password": PASSWORD,
            "care_team": [clinician_id],
        },
    )
    start = datetime.now(UTC).date() - timedelta(days=14)
    plan = physio.post(
        f"/patients/{created['id']}/plans",
        {"protocol_id": "piriformis-neural-gliding", "start_date": start.isoformat()},
    )
    return {
        "email": email,
        "id": created["id"],
        "plan": plan,
        "physio": physio,
        "clinician": clinician,
    }


def screen(app, name=None):
    """Return a screen by name, or the one on show."""
    return app.root.ids.sm.get_screen(name) if name else app.root.ids.sm.current_screen


def sign_in(app, server_url: str, email: str, password: str) -> None:
    """Type into the sign-in form and press the button."""
    form = screen(app, "signin")
    form.ids.server.text, form.ids.email.text, form.ids.password.text = server_url, email, password
    press(form.ids.submit)


def synced(app) -> bool:
    """Tell whether the outbox is empty and nothing is in flight."""
    return idle(app) and app.store.pending_count() == 0


def logs(person, kind: str) -> dict:
    """Return the patient's logs of a kind on the server, by id."""
    return {row["id"]: row for row in person["physio"].get(f"/patients/{person['id']}/{kind}")}


def test_sign_in_refuses_a_wrong_password_then_shows_today(stride_app, live_server, person):
    sign_in(stride_app, live_server.url, person["email"], "not the password")
    pump(lambda: screen(stride_app, "signin").error, what="the sign-in error")
    assert "do not match" in screen(stride_app, "signin").error

    sign_in(stride_app, live_server.url, person["email"], PASSWORD)
    pump(lambda: stride_app.root.ids.sm.current == "today" and synced(stride_app))
    today = screen(stride_app)
    pump(lambda: today.view is not None, what="the plan from the first sync")
    assert stride_app.root.screen_title == "Today"
    assert today.progress_text == f"0 of {today.view.sets_due} sets done today"
    cards = today.ids.groups.children
    assert {c.exercise for c in cards if hasattr(c, "exercise")} == {
        i.name for i in today.view.items
    }
    assert today.ids.restrictions.children, "the phase restrictions are shown"
    assert stride_app.sync_text == "All changes synced"
    assert stride_app.store.get_session()["token"], "the sign-in is remembered"
    assert today.check_due, "a new patient is asked for the weekly safety check"
    planned = plan_reminders(today.view, stride_app.timezone())
    assert [r.at for r in stride_app.reminders.upcoming] == [r.at for r in planned]


def test_marking_a_session_done_updates_the_day_and_reaches_the_server(stride_app, person):
    today = screen(stride_app, "today")
    card = next(c for c in reversed(today.ids.groups.children) if hasattr(c, "item"))
    done_button = next(b for b in card.walk() if getattr(b, "text", "") == "Done")
    press(done_button)
    assert stride_app.sync_text == "1 entry waiting to sync"  # before any network
    first = next(c for c in reversed(today.ids.groups.children) if hasattr(c, "item"))
    assert first.status == "done" and first.status_text == "Done"
    assert today.progress_text.startswith(f"{card.item.sets_due} of ")

    pump(lambda: synced(stride_app), what="the sync")
    assert stride_app.sync_text == "All changes synced"
    stored = logs(person, "exercise-logs")
    assert [r["status"] for r in stored.values()] == ["done"]
    assert next(iter(stored.values()))["exercise_id"] == card.item.exercise_id


def test_skipping_asks_why_and_keeps_the_reason(stride_app, person):
    today = screen(stride_app, "today")
    card = [c for c in reversed(today.ids.groups.children) if hasattr(c, "item")][1]
    press(next(b for b in card.walk() if getattr(b, "text", "") == "Skip"))
    dialog = open_dialog("ChoiceDialog")
    press(next(b for b in dialog.ids.options.children if b.text == "No time"))
    pump(lambda: synced(stride_app), what="the sync")
    skipped = [r for r in logs(person, "exercise-logs").values() if r["status"] == "skipped"]
    assert [(r["exercise_id"], r["skip_reason"]) for r in skipped] == [
        (card.item.exercise_id, "no_time")
    ]


def test_exercise_timer_runs_and_a_stop_symptom_is_recorded(stride_app, person):
    today = screen(stride_app, "today")
    item = next(i for i in today.view.items if i.dose.hold_s and i.status == "todo")
    today.start(item)
    exercise = screen(stride_app)
    assert exercise.name == "exercise" and exercise.big_text == str(item.dose.hold_s)
    press(exercise.ids.toggle)
    pump(seconds=1.3)
    assert exercise.running and int(exercise.big_text) < item.dose.hold_s
    assert exercise.small_text.startswith("Hold 1 of")

    press(exercise.ids.stop_button)
    dialog = open_dialog("ChoiceDialog")
    symptom = item.stop_if[0]
    press(next(b for b in dialog.ids.options.children if b.text == symptom))
    assert stride_app.root.ids.sm.current == "today"
    pump(lambda: synced(stride_app), what="the sync")
    stopped = [r for r in logs(person, "exercise-logs").values() if r["skip_reason"] == "stop_if"]
    assert [(r["exercise_id"], r["stop_symptom"]) for r in stopped] == [
        (item.exercise_id, symptom)
    ]


def test_pain_check_in_is_logged(stride_app, person):
    press(next(t for t in stride_app.root.ids.tabs.children if t.target == "pain"))
    pain = screen(stride_app)
    pain.ids.slider.value = 6
    assert pain.nprs_text == "6 – Hard to ignore"
    press(pain.ids.save)
    assert "Choose where you were" in pain.error
    press(next(c for c in pain.ids.context.children if c.value == "walking"))
    press(next(c for c in pain.ids.nerves.children if c.value == "tingling"))
    press(pain.ids.save)
    assert pain.saved_text.startswith("Saved: pain 6")
    pump(lambda: synced(stride_app), what="the sync")
    [row] = logs(person, "pain-logs").values()
    assert (row["nprs"], row["context"], row["tingling"], row["numbness"]) == (
        6,
        "walking",
        True,
        False,
    )


def test_red_flag_yes_shows_urgent_advice_offline_and_syncs_first(stride_app, person):
    engine = stride_app.engine
    online = engine._client_factory
    engine._client_factory = lambda _url, token: ApiClient("http://127.0.0.1:9", token, 2)
    try:
        press(next(t for t in stride_app.root.ids.tabs.children if t.target == "pain"))
        pain = screen(stride_app)
        pain.ids.slider.value = 7
        press(next(c for c in pain.ids.context.children if c.value == "night"))
        press(pain.ids.save)
        press(next(t for t in stride_app.root.ids.tabs.children if t.target == "redflag"))
        check = screen(stride_app)
        assert len(check.groups) == 10
        press(next(c for c in check.groups["saddle_numbness"].children if c.value == "yes"))
        urgent = screen(stride_app)  # at once: no network call stands in between
        assert urgent.name == "urgent" and urgent.headline == "Seek emergency care now"
        assert "emergency department" in urgent.ids.advice.text
        assert "Saved on this phone" in urgent.sent_text
        assert [e["type"] for e in stride_app.store.outbox()] == ["red_flag_check", "pain_log"]
        pump(lambda: idle(stride_app) and engine.state().last_error, what="the failed sync")
        assert stride_app.sync_text.startswith("Offline: 2 entries waiting")
    finally:
        engine._client_factory = online
    stride_app.sync.request()
    pump(lambda: synced(stride_app), what="the sync")
    assert urgent.sent_text == "Your care team has been told."
    [check_row] = person["physio"].get(f"/patients/{person['id']}/red-flag-checks")
    assert check_row["level"] == "emergency"
    alerts = person["clinician"].get("/alerts", patient_id=person["id"])
    assert [a["rule_id"] for a in alerts] == ["R-RED"]
    press(urgent.ids.close)
    assert stride_app.root.ids.sm.current == "today"
    assert not screen(stride_app).check_due


def test_progress_draws_the_pain_trend_and_weekly_adherence(stride_app):
    press(next(t for t in stride_app.root.ids.tabs.children if t.target == "progress"))
    progress = screen(stride_app)
    chart, bars = progress.ids.pain_chart, progress.ids.bars
    assert [p[1] for p in chart.points if p[1] is not None] == [6.5]  # today's two check-ins
    assert len(chart.points) == 15 and len(bars.weeks) == 2
    assert bars.weeks[0][0] == "W1" and bars.weeks[0][1] == 0.0  # nothing logged that week


def test_physio_sees_the_patient_and_adjusts_the_plan(stride_app, live_server, person):
    stride_app.sign_out()
    sign_in(stride_app, live_server.url, DEMO_PHYSIO, DEMO_PASSWORD)
    pump(lambda: stride_app.root.ids.sm.current == "patients" and idle(stride_app))
    rows = list(reversed(screen(stride_app).ids.rows.children))
    row = next(r for r in rows if r.name == "Rowan Screens")
    assert row.alerts == "1 urgent alert" and row.urgent
    press(row)
    pump(lambda: screen(stride_app).data and idle(stride_app), what="the patient detail")
    detail = screen(stride_app)
    assert "Phase: Settle and slide" in detail.phase_text

    press(detail.ids.adjust)
    adjust = open_dialog("AdjustDialog")
    exercise = next(c for c in adjust.ids.exercise.children if "slider" in c.value)
    press(exercise)
    before = adjust.ids.reps.value
    adjust.ids.reps.step(2)
    press(adjust.ids.save)
    assert "reason" in adjust.error
    adjust.ids.reason.text = "Sliders easy for a week: two more repeats."
    press(adjust.ids.save)
    pump(lambda: detail.notice, what="the new revision")
    assert detail.notice == "Saved as revision 2: Sliders easy for a week: two more repeats."
    plan = person["physio"].get(f"/plans/{person['plan']['id']}")
    assert plan["current_revision"] == 2
    assert plan["revisions"][-1]["operations"][0]["dose"]["reps"] == before + 2


def test_clinician_works_the_alert_records_a_result_and_decides(stride_app, live_server, person):
    # The physio's last call answers 401 (token revoked by the sign-out) after the clinician
    # has signed in: that late answer must not sign the clinician out.
    answer = threading.Event()

    def revoked(_client):
        answer.wait(10)
        raise ApiError(401, "The token has been revoked.")

    screen(stride_app, "patients").fetch(revoked, lambda _result: None)
    stride_app.sign_out()
    sign_in(stride_app, live_server.url, DEMO_CLINICIAN, DEMO_PASSWORD)
    pump(lambda: stride_app.root.ids.sm.current == "alerts" and stride_app.role == "clinician")
    answer.set()
    pump(lambda: idle(stride_app))
    assert stride_app.role == "clinician" and stride_app.root.ids.sm.current == "alerts"
    rows = list(reversed(screen(stride_app).ids.rows.children))
    assert rows[0].severity == "urgent", "urgent alerts come first"
    press(next(r for r in rows if r.patient == "Rowan Screens"))
    pump(lambda: screen(stride_app).rationale and idle(stride_app), what="the alert")
    alert = screen(stride_app)
    assert alert.headline == "Red flag reported"
    assert "saddle" in alert.facts_text

    press(alert.ids.record)
    event = screen(stride_app)
    press(next(c for c in event.ids.kind.children if c.value == "imaging"))
    event.ids.finding.text = "No compressive lesion of the cauda equina."
    press(event.ids.save)
    pump(lambda: screen(stride_app).name == "alert" and alert.notice and idle(stride_app))
    [recorded] = person["clinician"].get(f"/patients/{person['id']}/clinical-events")
    assert recorded["details"]["modality"] == "MRI"

    press(alert.ids.decide)
    decision = open_dialog("DecisionDialog")
    press(next(c for c in decision.ids.decision.children if c.value == "continue_conservative"))
    decision.ids.note.text = "Seen in clinic today; MRI clear. Safety-net advice given."
    press(decision.ids.save)
    pump(lambda: alert.notice.startswith("Decision saved") and idle(stride_app))
    assert alert.status == "decided"
    stored = person["clinician"].get(f"/alerts/{alert.alert['id']}")
    assert (stored["status"], stored["decision"]) == ("decided", "continue_conservative")
    assert stored["events"][-1]["note"] == decision.ids.note.text
