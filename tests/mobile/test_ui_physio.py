"""The physio's work in a real window against the real server, touched as a finger does.

One app for the module (conftest_ui's `stride_app`): the tests run in order as one working
session. The physio creates a patient, reads the activation code off the screen, assigns a
post-operative protocol with dates from the picker, finds the patient in the list, sees the pain
entry that patient sends in the log, and changes a dose for two weeks; a second adjustment,
made while another device changed the plan, is refused and the plan reloads. Then, for a
patient with an urgent alert open, the next-phase prompt waits until the alert is decided; and
a patient who lost the activation code gets a new one read off the detail.
"""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain import redflags
from mobile.core.api import ApiClient, ApiError
from mobile.core.formatting import date_text
from mobile.core.prescribing import next_hold
from tests.mobile.conftest import DEMO_CLINICIAN, DEMO_PASSWORD, DEMO_PHYSIO
from tests.mobile.conftest_ui import (
    _in_view,
    _scroll_views,
    idle,
    on_screen,
    open_dialog,
    pump,
    stride_app,
    tap,
    the,
    x_display,
)
from tests.mobile.test_screens import make_patient, screen, sign_in

__all__ = ["stride_app", "x_display"]  # fixtures used by name below
NEW_EMAIL = f"sam.taylor.{uuid.uuid4().hex[:8]}@example.org"
MADE: dict = {}  # what the first tests made, for the later ones (one session, in order)


def wait_for(app, name: str) -> None:
    """Wait until a screen is on show and nothing is in flight."""
    pump(lambda: app.root.ids.sm.current == name and idle(app), what=f"the {name} screen")


def rows(app) -> list:
    """Return the patient rows of the list, top to bottom."""
    return list(reversed(screen(app, "patients").ids.rows.children))


def open_patient(app, name: str):
    """Tap a patient's row and wait for the detail and its first week of log."""
    tap(next(r for r in rows(app) if r.name == name))
    wait_for(app, "patient")
    detail = screen(app)
    pump(lambda: detail.data and not detail.ids.feed.loading and idle(app), what="the detail")
    return detail


def below(label, field) -> bool:
    """Tell whether a label sits right under a field (its reason, not somewhere else)."""
    return 0 <= field.y - label.top <= field.height


def reason_under(dialog, field):
    """Return the FieldError label right under a field of a dialog."""
    labels = [w for w in dialog.walk(restrict=True) if type(w).__name__ == "FieldError"]
    return next(w for w in labels if w.text and below(w, field))


@pytest.fixture(scope="module")
def physio(live_server):
    client = ApiClient(live_server.url)
    client.sign_in(DEMO_PHYSIO, DEMO_PASSWORD)
    return client


def test_a_refused_form_names_each_field_beside_it_and_stores_nothing(
    stride_app, live_server, physio
):
    app = stride_app
    sign_in(app, live_server.url, DEMO_PHYSIO, DEMO_PASSWORD)
    wait_for(app, "patients")
    before = len(physio.get("/patients"))
    tap(screen(app).ids.new_patient)
    form = open_dialog("NewPatientDialog")
    form.ids.timezone.text = "Mars/Olympus"
    tap(form.ids.create)
    pump(lambda: not form.busy and idle(app), what="the server's answer")
    assert reason_under(form, form.ids.display_name).text == "Required."
    assert reason_under(form, form.ids.email).text == "Not a valid email address."
    assert "IANA time zone" in reason_under(form, form.ids.timezone).text
    assert len(physio.get("/patients")) == before, "a refused form stores nothing"


def test_the_physio_creates_a_patient_and_reads_the_activation_code_once(stride_app, live_server):
    form = open_dialog("NewPatientDialog")
    tap(form.ids.display_name)
    form.ids.display_name.text = "Sam Taylor"
    tap(form.ids.email)
    form.ids.email.text = NEW_EMAIL
    tap(form.ids.timezone)
    form.ids.timezone.text = "Europe/London"
    clinician = next(c for c in form.ids.care_team.children if "clinician" in c.text)
    tap(clinician)
    tap(form.ids.create)
    pump(lambda: form.mode == "created" and idle(stride_app), what="the new account")
    code = form.ids.activation_code.text
    assert code and on_screen(form, f"Sam Taylor can now activate {NEW_EMAIL}.")
    if form.account.get("invitation"):
        assert NEW_EMAIL in form.ids.invitation.text
    patient = ApiClient(live_server.url)
    patient.activate(NEW_EMAIL, code, "sam chooses this one")  # the code shown is the real one
    assert patient.get("/me")["display_name"] == "Sam Taylor"
    team = {m["role"] for m in form.account["care_team"]}
    assert team == {"physio", "clinician"}, "the chosen clinician joins the care team"
    MADE.update(patient=patient, id=form.account["id"])


def test_assigning_a_post_operative_protocol_asks_for_the_surgery_date_beside_it(stride_app):
    tap(open_dialog("NewPatientDialog").ids.assign)
    assign = open_dialog("AssignDialog")
    pump(lambda: assign.protocol_choices and idle(stride_app), what="the protocols")
    assert not on_screen(assign, kind="DateField")[1:], "no surgery date before it is needed"
    tap(next(c for c in assign.ids.protocol.children if c.value == "hamstring-repair"))
    tap(assign.ids.save)
    pump(lambda: not assign.busy and idle(stride_app), what="the server's answer")
    reason = reason_under(assign, assign.ids.surgery)
    assert reason.text.startswith("Required: this protocol's phases are timed from surgery")

    tap(assign.ids.surgery)
    picker = open_dialog("DatePickerDialog")
    tap(picker.ids.prev_month)
    first = min(
        (c for c in picker.ids.grid.children if type(c).__name__ == "DayButton"),
        key=lambda c: c.day,
    )
    tap(first)
    tap(picker.ids.use)
    assert assign.ids.surgery.value == first.day
    tap(assign.ids.save)
    patients = screen(stride_app, "patients")
    pump(lambda: patients.notice and idle(stride_app), what="the assigned plan")
    assert patients.notice.startswith("Sam Taylor: Rehabilitation after proximal hamstring")
    row = next(r for r in rows(stride_app) if r.name == "Sam Taylor")
    assert row.protocol == "Rehabilitation after proximal hamstring repair"
    [plan] = MADE["patient"].get(f"/patients/{MADE['id']}/plans")
    assert plan["surgery_date"] == first.day.isoformat()
    MADE["plan"] = plan


def test_the_detail_log_shows_the_pain_entry_the_patient_sent(stride_app):
    today = datetime.now(ZoneInfo("Europe/London")).date()
    MADE["patient"].post(
        f"/patients/{MADE['id']}/pain-logs",
        {
            "id": str(uuid.uuid4()),
            "local_date": today.isoformat(),
            "nprs": 6,
            "context": "walking",
            "tingling": True,
            "recorded_at": datetime.now(ZoneInfo("UTC")).isoformat(),
        },
    )
    detail = open_patient(stride_app, "Sam Taylor")
    [day] = detail.ids.feed.ids.days.children
    assert day.title == date_text(today)
    line = the(day, kind="FeedLine")
    assert (line.title, line.detail) == ("Pain 6 of 10", "6 – Hard to ignore · walking · tingling")
    assert detail.ids.bars.weeks == [], "no finished week yet: no bars"


def test_a_dose_change_for_two_weeks_shows_the_dose_now_and_steps_holds(stride_app):
    detail = screen(stride_app)
    tap(detail.ids.adjust)
    adjust = open_dialog("AdjustDialog")
    chip = adjust.ids.exercise.children[-1]
    tap(chip)
    exercise = adjust.exercises[chip.value]
    assert adjust.ids.dose_now.text.startswith("Now: ")
    hold, seen = adjust.ids.hold, []
    plus = the(hold, "+", "RoundButton")
    expected = [exercise.dose.hold_s]
    for _ in range(3):
        tap(plus)
        seen.append(hold.value)
        expected.append(next_hold(expected[-1], +1))
    assert seen == expected[1:], "the hold follows its ladder"
    tap(next(c for c in adjust.ids.duration.children if c.value == "2"))
    last = adjust.first_day + timedelta(days=13)
    assert adjust.until_text.startswith(f"Until {date_text(last)}")
    tap(adjust.ids.reason)
    adjust.ids.reason.text = "Longer holds for two weeks while the wound settles."
    tap(adjust.ids.save)
    pump(lambda: detail.notice and idle(stride_app), what="the new revision")
    assert detail.notice.startswith(f"Saved as revision 2 (until {date_text(last)})")
    plan = MADE["patient"].get(f"/plans/{MADE['plan']['id']}")
    [change] = plan["revisions"][-1]["diff"]
    assert change["until"] == last.isoformat() and change["after"]["hold_s"] == seen[-1]
    lines = [w.text for w in detail.ids.exercises.children]
    assert any(f"Until {date_text(last)}, then back to" in text for text in lines)


def test_an_adjustment_made_on_a_plan_changed_meanwhile_is_refused_and_the_plan_reloads(
    stride_app, physio
):
    detail = screen(stride_app)
    plan_id = MADE["plan"]["id"]
    tap(detail.ids.adjust)
    adjust = open_dialog("AdjustDialog")
    tap(next(c for c in adjust.ids.op.children if c.value == "remove_exercise"))
    tap(adjust.ids.exercise.children[-1])
    tap(adjust.ids.reason)
    adjust.ids.reason.text = "Rest this one while the wound settles."
    # Meanwhile, on another device, the same plan gets a change.
    other = {
        "reason": "Seen in clinic today.",
        "operations": [
            {"op": "set_dose", "exercise_id": adjust.ids.exercise.selected, "dose": {"sets": 1}}
        ],
    }
    physio.patch(f"/plans/{plan_id}", other)
    tap(adjust.ids.save)
    pump(lambda: detail.notice.startswith("Not saved") and idle(stride_app), what="the refusal")
    plan = physio.get(f"/plans/{plan_id}")
    assert [r["reason"] for r in plan["revisions"][1:]] == [
        "Longer holds for two weeks while the wound settles.",
        "Seen in clinic today.",
    ], "the refused adjustment stored nothing"
    pump(lambda: detail.data.get("plan", {}).get("current_revision") == 3, what="the reload")
    assert not any(type(w).__name__ == "AdjustDialog" for w in stride_app.root_window.children)


def raise_phase_prompt(live_server, patient_id: int) -> None:
    """Raise R-PHASE for one patient as the sweep would: the real rule on the stored record."""
    from domain.rules import rule_phase
    from server.extensions import db
    from server.models import Patient, Plan
    from server.services.escalation import raise_alerts
    from server.services.histories import history_of, load_history_rows
    from server.services.plans import local_today

    with live_server.app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.patient_id == patient_id))
        today = local_today(db.session.get(Patient, patient_id))
        history, _ = history_of(plan, today, load_history_rows(db.session, [plan.id], [patient_id]))
        findings = rule_phase(history)
        assert findings, "the plan has reached its next phase's time gate"
        raise_alerts(db.session, patient_id, plan.id, findings)
        db.session.commit()


def test_no_next_phase_prompt_while_an_urgent_alert_is_open(stride_app, live_server):
    who = make_patient(live_server, "Quinn Gate", "piriformis-neural-gliding", 22)
    patient = ApiClient(live_server.url)
    patient.sign_in(who["email"], "screen-test-password")
    answers = {q.key: q.key == "saddle_numbness" for q in redflags.QUESTIONS}
    patient.post(
        f"/patients/{who['id']}/red-flag-checks",
        {"id": str(uuid.uuid4()), "local_date": who["plan"]["start_date"], "answers": answers},
    )
    raise_phase_prompt(live_server, who["id"])
    tap(stride_app.root.ids.back)
    wait_for(stride_app, "patients")
    detail = open_patient(stride_app, "Quinn Gate")
    titles = [card.title for card in detail.ids.prompts.children]
    assert titles == ["Red flag reported"], "the urgent alert first, no next-phase prompt"

    clinician = ApiClient(live_server.url)
    clinician.sign_in(DEMO_CLINICIAN, DEMO_PASSWORD)
    [red] = clinician.get("/alerts", patient_id=who["id"], rule="R-RED")
    decision = {"decision": "seen_and_excluded", "note": "Seen in clinic: no cauda equina."}
    clinician.post(f"/alerts/{red['id']}/decision", decision)
    tap(stride_app.root.ids.back)
    wait_for(stride_app, "patients")
    detail = open_patient(stride_app, "Quinn Gate")
    [card] = detail.ids.prompts.children
    assert card.title == "Ready for the next phase?"
    tap(the(card, "Adjust plan", "RoundButton"))
    adjust = open_dialog("AdjustDialog")
    assert adjust.ids.op.selected == "move_phase"
    assert adjust.ids.phase.selected == "tension-and-strength"
    tap(the(adjust, "Cancel", "RoundButton"))


def test_a_patient_who_lost_the_code_gets_a_new_one_from_the_detail(
    stride_app, live_server, physio
):
    email = f"lost.code.{uuid.uuid4().hex[:8]}@example.org"
    created = physio.post(
        "/patients", {"email": email, "display_name": "Robin Lost", "timezone": "UTC"}
    )
    tap(stride_app.root.ids.back)
    wait_for(stride_app, "patients")
    detail = open_patient(stride_app, "Robin Lost")
    assert detail.not_activated and not detail.activation_code
    tap(detail.ids.new_code)
    pump(lambda: detail.activation_code and idle(stride_app), what="the new code")
    shown = detail.ids.activation_code
    assert shown.text == detail.activation_code and shown.height > 0
    assert all(_in_view(shown, view) for view in _scroll_views(shown)), "read off the screen"
    lost = ApiClient(live_server.url)
    with pytest.raises(ApiError) as refused:
        lost.activate(email, created["activation"]["code"], "amber lantern river 7")
    assert refused.value.status == 401, "the lost code stopped working"
    ApiClient(live_server.url).activate(email, shown.text, "amber lantern river 7")
    detail.refresh()
    pump(lambda: not detail.not_activated and idle(stride_app), what="the activated patient")
