"""The app in a real Kivy window against the real server, driven as people use it.

One app per process: the tests below run in order on the same app, as one patient's day, two
post-operative patients' checks, then the physio's and the clinician's work. Every control is
touched through the Window at its position on screen (`tap`), never by calling its handler.
Each test checks what the person sees and what the server stored, and which queue it reached.
"""

import os
import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain import nerves, postop, redflags, stops
from mobile.core.api import ApiClient, ApiError
from mobile.core.reminders import plan_reminders
from tests.mobile.conftest import DEMO_CLINICIAN, DEMO_PASSWORD, DEMO_PHYSIO
from tests.mobile.conftest_ui import (
    idle,
    on_screen,
    open_dialog,
    pump,
    stride_app,
    tap,
    the,
    x_display,
)

__all__ = ["stride_app", "x_display"]  # fixtures used by name below
PASSWORD = "screen-test-password"
CLINIC_PHONE = "0161 496 0000"
UNREACHABLE = "http://127.0.0.1:9"


def redflag_screen():
    """Return the red-flag screen's module (imported once the window is up)."""
    from mobile.screens import redflag

    return redflag


def staff(live_server, email: str) -> ApiClient:
    """Return an API client signed in as a demo staff member."""
    client = ApiClient(live_server.url)
    client.sign_in(email, DEMO_PASSWORD)
    return client


@pytest.fixture(scope="module", autouse=True)
def clinic_phone(live_server):
    """Give the server a clinic number, as STRIDE_CLINIC_PHONE does (restored afterwards)."""
    config = live_server.app.config
    before = config["CLINIC_PHONE"]
    config["CLINIC_PHONE"] = CLINIC_PHONE
    yield CLINIC_PHONE
    config["CLINIC_PHONE"] = before


def make_patient(live_server, name: str, protocol_id: str, days_ago: int, surgery=False):
    """Create a patient of the demo physio and clinician whose plan began `days_ago` days ago."""
    physio, clinician = staff(live_server, DEMO_PHYSIO), staff(live_server, DEMO_CLINICIAN)
    slug = ".".join(name.lower().split())  # the whole name: two tests may share a first name
    email = f"screens.{slug}.{os.getpid()}@example.org"
    created = physio.post(
        "/patients",
        {
            "email": email,
            "display_name": name,
            "timezone": "UTC",
            "care_team": [clinician.get("/me")["id"]],
        },
    )
    ApiClient(live_server.url).activate(email, created["activation"]["code"], PASSWORD)
    start = datetime.now(UTC).date() - timedelta(days=days_ago)
    plan = {"protocol_id": protocol_id, "start_date": start.isoformat()}
    if surgery:
        plan["surgery_date"] = start.isoformat()
    return {
        "email": email,
        "id": created["id"],
        "plan": physio.post(f"/patients/{created['id']}/plans", plan),
        "physio": physio,
        "clinician": clinician,
    }


def raise_failed_trial(live_server, who: dict) -> int:
    """Raise an R-FAIL alert on the patient's plan and return its id.

    The finding is the R-FAIL rule's own, judged on a failed 12-week course built in the domain
    (logging twelve weeks over HTTP would take the tour a minute), with the plan's protocol
    pathway; it is stored as the sweep stores it (escalation.raise_alerts).
    """
    from domain.rules import rule_fail
    from server.extensions import db
    from server.models import Plan
    from server.services.escalation import raise_alerts
    from server.services.plans import protocol_of
    from tests.unit.test_rules import trial

    with live_server.app.app_context():
        plan = db.session.get(Plan, who["plan"]["id"])
        [finding] = rule_fail(trial(pathway=protocol_of(plan.protocol).pathway))
        [(alert, _)] = raise_alerts(db.session, plan.patient_id, plan.id, [finding])
        db.session.commit()
        return alert.id


def raise_failed_trial_again(live_server, alert_id: int) -> int:
    """Raise a decided R-FAIL alert again as the sweep does on its review date; return the id."""
    from domain.rules import rule_fail
    from server.extensions import db
    from server.models import Alert, Plan
    from server.services.escalation import live_alerts, raise_again
    from server.services.plans import protocol_of
    from tests.unit.test_rules import trial

    with live_server.app.app_context():
        alert = db.session.get(Alert, alert_id)
        plan = db.session.get(Plan, alert.plan_id)
        [finding] = rule_fail(trial(pathway=protocol_of(plan.protocol).pathway))
        live = live_alerts(db.session, [plan.id])[plan.id]
        again = raise_again(db.session, alert, finding, "the review date has come", live)
        db.session.commit()
        return again.id


@pytest.fixture(scope="module")
def person(live_server):
    """A piriformis patient in week 3: stretches, clamshells and two nerve sliders a day."""
    return make_patient(live_server, "Rowan Screens", "piriformis-neural-gliding", 14)


@pytest.fixture(scope="module")
def repaired(live_server):
    """A patient 10 days after a hamstring repair (the daily post-operative check is due)."""
    return make_patient(live_server, "Sasha Repair", "hamstring-repair", 10, surgery=True)


@pytest.fixture(scope="module")
def repaired_later(live_server):
    """A patient 20 days after a hamstring repair (the bruising question is asked too)."""
    return make_patient(live_server, "Jordan Repair", "hamstring-repair", 20, surgery=True)


@pytest.fixture()
def dialled(monkeypatch):
    """Replace the phone's dialer with one that records the numbers called."""
    from mobile.screens import dialer

    numbers: list[str] = []
    monkeypatch.setattr(dialer, "dial", numbers.append)
    return numbers


@pytest.fixture()
def offline(stride_app):
    """Yield a switch: `offline(True)` points the sync at a dead port, `offline(False)` back."""
    engine = stride_app.engine
    online = engine._client_factory

    def switch(off: bool) -> None:
        engine._client_factory = (
            (lambda _url, token: ApiClient(UNREACHABLE, token, 2)) if off else online
        )

    yield switch
    engine._client_factory = online


# -- helpers: find what a person sees, and what the server holds


def screen(app, name=None):
    """Return a screen by name, or the one on show."""
    return app.root.ids.sm.get_screen(name) if name else app.root.ids.sm.current_screen


def button(root, text: str):
    """Return the one button with this text that is in the widget tree under `root`."""
    return the(root, text, "RoundButton")


def go_tab(app, name: str) -> None:
    """Tap a tab of the bottom bar."""
    tap(next(t for t in app.root.ids.tabs.children if t.target == name))


def sign_in(app, server_url: str, email: str, password: str) -> None:
    """Type into the sign-in form and tap the button."""
    form = screen(app, "signin")
    form.ids.server.text, form.ids.email.text, form.ids.password.text = server_url, email, password
    tap(form.ids.submit)


def sign_in_as(app, live_server, who: dict) -> None:
    """Sign out (tapping the header's button) and sign in as another patient; wait for Today."""
    tap(app.root.ids.sign_out)
    pump(lambda: app.root.ids.sm.current == "signin" and idle(app), what="the sign-in screen")
    sign_in(app, live_server.url, who["email"], PASSWORD)
    pump(lambda: app.root.ids.sm.current == "today" and synced(app), what="Today after sync")
    pump(lambda: screen(app).view is not None, what="the plan from the first sync")


def synced(app) -> bool:
    """Tell whether the outbox is empty and nothing is in flight."""
    return idle(app) and app.store.pending_count() == 0


def failed_sync(app) -> bool:
    """Tell whether the last pass failed and nothing is in flight."""
    return idle(app) and app.engine.state().last_error is not None


def logs(who, kind: str) -> dict:
    """Return the patient's logs of a kind on the server, by id."""
    return {row["id"]: row for row in who["physio"].get(f"/patients/{who['id']}/{kind}")}


def alerts(who, rule: str) -> list[dict]:
    """Return the patient's alerts of one rule, as the staff's queues list them."""
    return who["clinician"].get("/alerts", patient_id=who["id"], rule=rule)


def cards(today) -> list:
    """Return Today's exercise cards, top to bottom."""
    return [c for c in reversed(today.ids.groups.children) if hasattr(c, "item")]


def card_of(today, exercise_id: str, slot: int | None = None):
    """Return the card of one exercise (and slot) on Today."""
    return next(
        c
        for c in cards(today)
        if c.item.exercise_id == exercise_id and slot in (None, c.item.slot_index)
    )


def answer(card, label: str) -> None:
    """Tap the "Yes" or "No" chip of a question card."""
    tap(next(c for c in card.ids.chips.children if c.text == label))


def slide_to(slider, value: int) -> None:
    """Touch a slider's track where `value` is (its range lies inside the padding)."""
    share = (value - slider.min) / (slider.max - slider.min)
    x = slider.x + slider.padding + (slider.width - 2 * slider.padding) * share
    tap(slider, at=(x, slider.center_y))
    assert slider.value == value


def option(dialog, text: str):
    """Return a dialog's option button by its text."""
    return next(b for b in dialog.ids.options.children if b.text == text)


# -- the section that leaves the tree


def test_reveal_keeps_its_place_among_siblings_whatever_is_shown_or_hidden(stride_app):
    from kivy.lang import Builder

    from mobile.widgets.reveal import Reveal

    assert stride_app.root is not None  # the window is up first, at the phone's size

    root = Builder.load_string(
        """
BoxLayout:
    orientation: "vertical"
    Label:
        text: "a"
    Reveal:
        id: outer
        Label:
            text: "o1"
        Reveal:
            id: inner
            Label:
                text: "i1"
        Reveal:
            id: inner2
            Label:
                text: "i2"
        Label:
            text: "o2"
    Reveal:
        id: side
        Label:
            text: "s"
    Label:
        text: "c"
"""
    )

    def tree(widget) -> list:
        return [c.text if hasattr(c, "text") else tree(c) for c in reversed(widget.children)]

    shown = dict.fromkeys(("outer", "inner", "inner2", "side"), True)
    steps = random.Random(9)
    for _ in range(400):
        name = steps.choice(list(shown))
        shown[name] = not shown[name]
        root.ids[name].shown = shown[name]
        inner = [[text] for text, key in (("i1", "inner"), ("i2", "inner2")) if shown[key]]
        expected = ["a"]
        expected += [["o1", *inner, "o2"]] if shown["outer"] else []
        expected += [["s"]] if shown["side"] else []
        assert tree(root) == [*expected, "c"], shown
    # Hidden content is out of the tree: nothing in it can be found, or touched.
    root.ids.outer.shown = False
    assert not [w for w in root.walk() if getattr(w, "text", "") in ("o1", "i1", "i2")]
    assert not [w for w in root.walk() if isinstance(w, Reveal) and not w.shown]


# -- one patient's day


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
    assert {c.exercise for c in cards(today)} == {i.name for i in today.view.items}
    assert today.ids.restrictions.children, "the phase restrictions are shown"
    assert stride_app.sync_text == "All changes synced"
    assert stride_app.store.get_session()["token"], "the sign-in is remembered"
    assert today.check_due, "a new patient is asked for the weekly safety check"
    assert not on_screen(today, "Start the daily check"), "no post-op check without surgery"
    assert not today.episode and not on_screen(today, "I have had care")
    planned = plan_reminders(today.view, stride_app.timezone())
    assert [r.at for r in stride_app.reminders.upcoming] == [r.at for r in planned]


def test_marking_a_session_done_updates_the_day_and_reaches_the_server(stride_app, person):
    today = screen(stride_app, "today")
    card = card_of(today, "side-lying-clamshell")
    tap(button(card, "Done"))
    assert stride_app.sync_text == "1 entry waiting to sync"  # before any network
    card = card_of(today, "side-lying-clamshell")
    assert card.status == "done" and card.status_text == "Done"
    assert today.progress_text.startswith(f"{card.item.sets_due} of ")

    pump(lambda: synced(stride_app), what="the sync")
    assert stride_app.sync_text == "All changes synced"
    stored = logs(person, "exercise-logs")
    assert [(r["exercise_id"], r["status"]) for r in stored.values()] == [
        ("side-lying-clamshell", "done")
    ]


def test_a_one_set_exercise_has_no_partial_button_and_skipping_asks_why(stride_app, person):
    today = screen(stride_app, "today")
    card = card_of(today, "supine-piriformis-stretch")
    assert card.item.sets_due == 1 and not on_screen(card, "Partial")
    assert on_screen(card_of(today, "side-lying-clamshell"), "Partial", "RoundButton")
    tap(button(card, "Skip"))
    tap(option(open_dialog("ChoiceDialog"), "No time"))
    pump(lambda: synced(stride_app), what="the sync")
    skipped = [r for r in logs(person, "exercise-logs").values() if r["status"] == "skipped"]
    assert [(r["exercise_id"], r["skip_reason"]) for r in skipped] == [
        ("supine-piriformis-stretch", "no_time")
    ]


def test_a_review_stop_sign_says_the_physio_reviews_it_and_tells_them(stride_app, person):
    today = screen(stride_app, "today")
    card = card_of(today, "supine-piriformis-stretch")
    tap(button(card, "Start"))
    exercise = screen(stride_app)
    item = card.item
    assert exercise.name == "exercise" and exercise.big_text == str(item.dose.hold_s)
    tap(exercise.ids.toggle)
    pump(seconds=1.3)
    assert exercise.running and int(exercise.big_text) < item.dose.hold_s
    assert exercise.small_text.startswith("Hold 1 of")
    listed = [w.text for w in reversed(exercise.ids.stops.children)]
    assert listed == [f"•  {sign.text}" for sign in item.stop_if]

    tap(exercise.ids.stop_button)
    dialog = open_dialog("ChoiceDialog")
    assert [b.text for b in reversed(dialog.ids.options.children)] == [s.text for s in item.stop_if]
    assert "will see" not in dialog.message
    sign = next(s for s in item.stop_if if s.level == "review")
    tap(option(dialog, sign.text))
    assert stride_app.root.ids.sm.current == "exercise", "review: no red screen"
    assert exercise.stopped_text == f"Stopped: {sign.text}"
    assert exercise.ids.stopped_advice.text == stops.STOP_REVIEW
    assert not on_screen(exercise, "All sets done"), "a stopped session cannot be saved again"
    tap(exercise.ids.back_today)
    assert stride_app.root.ids.sm.current == "today"
    pump(lambda: synced(stride_app), what="the sync")
    stopped = [r for r in logs(person, "exercise-logs").values() if r["skip_reason"] == "stop_if"]
    assert [(r["exercise_id"], r["stop_symptom"], r["stop_level"]) for r in stopped] == [
        (item.exercise_id, sign.text, "review")
    ]
    [alert] = alerts(person, "R-STOP")
    assert (alert["severity"], alert["route_to"]) == ("review", "physio")


def test_after_each_glide_the_nerve_question_is_asked_and_two_episodes_raise_r_neuro(
    stride_app, live_server, person
):
    today = screen(stride_app, "today")
    sliders = [c for c in cards(today) if c.item.is_neural_glide]
    assert len(sliders) == 2, "a slider in the morning and one in the evening"
    for slot, (answer, label) in zip((0, 1), (nerves.CHOICES[1], nerves.CHOICES[2]), strict=True):
        pump(lambda: synced(stride_app), what="the sync")  # it redraws Today's cards
        card = card_of(today, sliders[slot].item.exercise_id, sliders[slot].item.slot_index)
        tap(button(card, "Done"))
        dialog = open_dialog("ChoiceDialog")
        assert dialog.title == nerves.QUESTION
        assert [b.text for b in reversed(dialog.ids.options.children)] == [
            text for _value, text in nerves.CHOICES
        ]
        tap(option(dialog, label))
        assert today.ids.notice.text == nerves.ADVICE[answer]
    pump(lambda: synced(stride_app), what="the sync")
    glides = [r for r in logs(person, "exercise-logs").values() if r["nerve_symptoms"]]
    assert sorted(r["nerve_symptoms"] for r in glides) == ["ongoing", "settled"]

    from server.extensions import db
    from server.services.sweep import run_sweep

    with live_server.app.app_context():
        run_sweep(db.session, kind="manual")
    [alert] = person["physio"].get("/alerts", patient_id=person["id"], rule="R-NEURO")
    assert alert["route_to"] == "physio" and alert["status"] == "open"


def test_a_day_after_still_there_today_asks_again_and_the_answer_supersedes(stride_app, person):
    # Yesterday evening's slider, answered "still there", logged from another phone 25 h ago.
    patient = ApiClient(stride_app.store.get_session()["server_url"])
    patient.sign_in(person["email"], PASSWORD)
    yesterday = datetime.now(UTC) - timedelta(hours=25)
    first = str(uuid.uuid4())
    patient.post(
        f"/patients/{person['id']}/exercise-logs",
        {
            "id": first,
            "plan_id": person["plan"]["id"],
            "exercise_id": "seated-sciatic-slider",
            "local_date": yesterday.date().isoformat(),
            "slot": 2,
            "sets_done": 1,
            "sets_due": 1,
            "status": "done",
            "nerve_symptoms": "ongoing",
            "recorded_at": yesterday.isoformat(),
        },
    )
    today = screen(stride_app, "today")
    stride_app.sync.request()
    pump(lambda: synced(stride_app) and today.followups_due, what="the follow-up card")
    [card] = today.ids.followups.children
    name = "the sciatic nerve slider (sitting or lying)"
    assert card.question == nerves.FOLLOW_UP.format(name=name)
    tap(button(card, "It is still there"))
    assert today.ids.notice.text == nerves.ADVICE["lasting"]
    assert not today.followups_due and not on_screen(today, "It is still there")
    pump(lambda: synced(stride_app), what="the sync")
    [follow_up] = [r for r in logs(person, "exercise-logs").values() if r.get("supersedes")]
    assert (follow_up["supersedes"], follow_up["nerve_symptoms"]) == (first, "lasting")


def test_pain_check_in_offers_after_exercise_and_is_logged(stride_app, person):
    go_tab(stride_app, "pain")
    pain = screen(stride_app)
    slide_to(pain.ids.slider, 6)
    assert pain.nprs_text == "6 – Hard to ignore"
    tap(pain.ids.save)
    assert "Choose what you were doing" in pain.ids.error.text
    assert not on_screen(pain, "Since your operation"), "post-op signs have their own check"
    tap(next(c for c in pain.ids.context.children if c.value == "after_exercise"))
    tap(next(c for c in pain.ids.nerves.children if c.value == "tingling"))
    tap(pain.ids.save)
    assert pain.ids.saved.text.startswith("Saved: pain 6")
    pump(lambda: synced(stride_app), what="the sync")
    [row] = logs(person, "pain-logs").values()
    assert (row["nprs"], row["context"], row["tingling"], row["numbness"]) == (
        6,
        "after_exercise",
        True,
        False,
    )


def test_red_flag_check_needs_every_answer_and_none_of_these_answers_all(stride_app, person):
    go_tab(stride_app, "redflag")
    check = screen(stride_app)
    assert "new for you, or different from your usual symptoms" in check.ids.intro.text
    shown = [c.text for c in reversed(check.ids.questions.children)]
    assert shown == [q.text for q in redflags.QUESTIONS]
    tap(check.ids.submit)
    assert check.ids.error.text == f"Please answer every question: {len(shown)} left."
    first = next(iter(check.cards.values()))
    answer(first, "No")
    tap(check.ids.submit)
    assert check.ids.error.text == f"Please answer every question: {len(shown) - 1} left."
    assert not logs(person, "red-flag-checks"), "nothing is sent while answers are missing"

    tap(check.ids.none_of_these)
    assert stride_app.root.ids.sm.current == "redflag"
    assert (
        check.ids.outcome.ids.text.text
        == "Thank you. No warning signs today. Carry on with your plan."
    )
    pump(lambda: synced(stride_app), what="the sync")
    [row] = logs(person, "red-flag-checks").values()
    assert row["answers"] == redflags.all_no() and row["level"] == "none"


def test_red_flag_yes_shows_urgent_advice_offline_and_send_now_sends_it(
    stride_app, person, offline
):
    offline(True)
    go_tab(stride_app, "pain")
    pain = screen(stride_app)
    tap(next(c for c in pain.ids.context.children if c.value == "night"))
    slide_to(pain.ids.slider, 7)
    tap(pain.ids.save)
    go_tab(stride_app, "redflag")
    check = screen(stride_app)
    saddle = check.cards["saddle_numbness"]
    answer(saddle, "Yes")
    urgent = screen(stride_app)  # at once: no network call stands in between
    assert urgent.name == "urgent" and urgent.ids.headline.text == "Seek emergency care now"
    assert urgent.ids.advice.text == redflags.EMERGENCY_ADVICE
    assert urgent.ids.sent.text == "Not sent yet: do not wait for us, call 999."
    queued = stride_app.store.outbox()
    assert [e["type"] for e in queued] == ["red_flag_check", "pain_log"], "urgent goes first"
    answers = queued[0]["data"]["answers"]
    assert answers["saddle_numbness"] is True
    assert {v for k, v in answers.items() if k != "saddle_numbness"} == {None}, "not asked"

    tap(urgent.ids.send_now)  # the server cannot be reached: still not sent
    pump(lambda: failed_sync(stride_app), what="the failed sync")
    assert urgent.ids.sent.text == "Not sent yet: do not wait for us, call 999."
    assert stride_app.store.outbox()[0]["type"] == "red_flag_check"

    offline(False)
    # Back online, the urgent retry (every 5 s) sends it without waiting for another tap.
    pump(lambda: synced(stride_app), what="the urgent retry")
    assert urgent.ids.sent.text == "Your care team has been told."
    assert not on_screen(urgent, "Send now")
    [alert] = alerts(person, "R-RED")
    assert (alert["severity"], alert["route_to"]) == ("urgent", "clinician")
    levels = [r["level"] for r in logs(person, "red-flag-checks").values()]
    assert sorted(levels) == ["emergency", "none"]
    tap(urgent.ids.close)
    assert stride_app.root.ids.sm.current == "today"


def test_today_keeps_the_advice_with_call_buttons_and_pauses_exercises_until_care(
    stride_app, person, dialled
):
    today = screen(stride_app, "today")
    assert today.episode and today.paused
    assert on_screen(today.ids.banner, "Seek emergency care now")
    assert on_screen(today.ids.banner, redflags.EMERGENCY_ADVICE)
    assert today.ids.episode_status.text == "Your care team has been told."
    for label in ("Start", "Done", "Partial", "Skip"):
        assert not on_screen(today, label, "RoundButton"), f"{label} must not be reachable"
    assert {c.status_text for c in cards(today) if c.status == "todo"} <= {"Paused"}

    tap(button(today.ids.banner, "Call 999"))
    tap(button(today.ids.banner, f"Call the clinic: {CLINIC_PHONE}"))
    assert dialled == ["999", CLINIC_PHONE]

    tap(today.ids.had_care)
    tap(option(open_dialog("ChoiceDialog"), "Yes, I have had care"))
    assert not today.episode and not on_screen(today, "I have had care")
    assert today.ids.notice.text.startswith("Thank you. Your exercises are back")
    assert on_screen(today, "Start", "RoundButton"), "the exercises are back"


def test_progress_draws_the_pain_trend_and_weekly_adherence(stride_app):
    go_tab(stride_app, "progress")
    progress = screen(stride_app)
    chart, bars = progress.ids.pain_chart, progress.ids.bars
    assert [p[1] for p in chart.points if p[1] is not None] == [6.5]  # today's two check-ins
    assert len(chart.points) == 15 and len(bars.weeks) == 2
    assert bars.weeks[0][0] == "W1" and bars.weeks[0][1] == 0.0  # nothing logged that week


# -- after a hamstring repair


def test_post_op_check_none_of_these_answers_every_question_no(stride_app, live_server, repaired):
    sign_in_as(stride_app, live_server, repaired)
    today = screen(stride_app)
    tap(today.ids.start_postop)
    check = screen(stride_app)
    assert check.name == "postop" and check.days == 10
    shown = [c.text for c in reversed(check.ids.questions.children)]
    assert shown == [q.text for q in postop.questions_for(10)]
    assert "spreading_bruising" not in check.cards, "bruising is asked after week 2"
    tap(check.ids.submit)
    assert check.ids.error.text == f"Please answer every question: {len(shown)} left."
    tap(check.ids.none_of_these)
    assert stride_app.root.ids.sm.current == "today"
    assert today.ids.notice.text == postop.ALL_CLEAR
    assert not on_screen(today, "Start the daily check"), "today's check is done"
    pump(lambda: synced(stride_app), what="the sync")
    [row] = logs(repaired, "postop-checks").values()
    assert row["answers"] == postop.all_no(10)
    assert not alerts(repaired, "R-POSTOP")


def test_an_urgent_stop_sign_shows_the_surgical_advice_at_once_and_alerts(stride_app, repaired):
    today = screen(stride_app, "today")
    card = card_of(today, "ankle-pumps", 1)
    tap(button(card, "Start"))
    exercise = screen(stride_app)
    tap(exercise.ids.stop_button)
    dialog = open_dialog("ChoiceDialog")
    assert "will see" not in dialog.message
    sign = card.item.stop_sign("calf-pain-swelling")
    assert sign.level == "urgent"
    tap(option(dialog, sign.text))
    urgent = screen(stride_app)  # before any network
    assert urgent.name == "urgent"
    assert urgent.ids.headline.text == "Contact your surgical team today"
    assert urgent.ids.advice.text == stops.STOP_URGENT_POSTOP
    calls = urgent.ids.calls.ids
    assert calls.first.text == f"Call the clinic: {CLINIC_PHONE}", "same day: the clinic first"
    assert calls.second.text == "In an emergency: call 999"
    assert urgent.ids.sent.text.startswith("Not sent yet: do not wait for us, call the clinic")
    pump(lambda: synced(stride_app), what="the sync")
    assert urgent.ids.sent.text == "Your care team has been told."
    [row] = [r for r in logs(repaired, "exercise-logs").values() if r["skip_reason"]]
    assert (row["stop_symptom"], row["stop_level"]) == (sign.text, "urgent")
    [alert] = alerts(repaired, "R-STOP")
    assert (alert["severity"], alert["route_to"]) == ("urgent", "surgical_team")
    tap(urgent.ids.close)
    assert screen(stride_app, "today").paused


def test_a_review_level_red_flag_is_a_calm_result_not_the_red_screen(stride_app, repaired):
    go_tab(stride_app, "redflag")
    check = screen(stride_app)
    for key, card in check.cards.items():
        tap(
            next(
                c
                for c in card.ids.chips.children
                if c.text == ("Yes" if key == "night_pain" else "No")
            )
        )
    assert stride_app.root.ids.sm.current == "redflag", "night pain alone: the check goes on"
    tap(check.ids.submit)
    assert stride_app.root.ids.sm.current == "redflag"
    outcome = check.ids.outcome
    assert outcome.title == "A clinician will review this"
    assert outcome.ids.text.text == redflags.REVIEW_ADVICE
    pump(lambda: synced(stride_app), what="the sync")
    [row] = logs(repaired, "red-flag-checks").values()
    assert row["level"] == "review"


def test_a_post_op_yes_shows_its_advice_at_once_and_is_retried_within_seconds(
    stride_app, live_server, repaired_later, offline
):
    sign_in_as(stride_app, live_server, repaired_later)
    offline(True)
    tap(screen(stride_app).ids.start_postop)
    check = screen(stride_app)
    assert "spreading_bruising" in check.cards
    keys = list(check.cards)
    answer(check.cards[keys[0]], "No")
    calf = check.cards["calf_pain_swelling"]
    answer(calf, "Yes")
    urgent = screen(stride_app)
    question = postop.QUESTIONS_BY_KEY["calf_pain_swelling"]
    assert urgent.name == "urgent" and urgent.ids.advice.text == question.advice
    assert urgent.reasons == [question.text]
    assert urgent.ids.sent.text.startswith("Not sent yet: do not wait for us, call the clinic")
    answers = stride_app.store.outbox()[0]["data"]["answers"]
    assert answers[keys[0]] is False and answers["calf_pain_swelling"] is True
    assert {answers[k] for k in keys[1:] if k != "calf_pain_swelling"} == {None}

    pump(lambda: failed_sync(stride_app), what="the failed sync")
    offline(False)
    failed_at = datetime.now(UTC)
    # No tap: an urgent entry is retried about 5 s after a failure, not after a backoff.
    pump(lambda: synced(stride_app), timeout=8, what="the urgent retry")
    assert datetime.now(UTC) - failed_at < timedelta(seconds=7)
    pump(lambda: urgent.ids.sent.text == "Your care team has been told.", timeout=2)
    [alert] = alerts(repaired_later, "R-POSTOP")
    assert (alert["severity"], alert["route_to"]) == ("urgent", "surgical_team")
    [row] = logs(repaired_later, "postop-checks").values()
    assert row["answers"]["calf_pain_swelling"] is True
    tap(urgent.ids.close)
    today = screen(stride_app)
    assert on_screen(today.ids.banner, "Contact your surgical team today")


# -- the staff


def test_physio_sees_the_patient_and_adjusts_the_plan(stride_app, live_server, person):
    tap(stride_app.root.ids.sign_out)
    pump(lambda: stride_app.root.ids.sm.current == "signin" and idle(stride_app))
    sign_in(stride_app, live_server.url, DEMO_PHYSIO, DEMO_PASSWORD)
    pump(
        lambda: stride_app.root.ids.sm.current == "patients" and idle(stride_app),
        what=lambda: f"the patients, not {stride_app.root.ids.sm.current} "
        f"({screen(stride_app, 'signin').error!r})",
    )
    rows = list(reversed(screen(stride_app).ids.rows.children))
    row = next(r for r in rows if r.name == "Rowan Screens")
    assert row.alerts == "1 urgent alert" and row.urgent
    tap(row)
    pump(lambda: screen(stride_app).data and idle(stride_app), what="the patient detail")
    detail = screen(stride_app)
    assert "Phase: Settle and slide" in detail.phase_text

    tap(detail.ids.adjust)
    adjust = open_dialog("AdjustDialog")
    tap(next(c for c in adjust.ids.exercise.children if "slider" in c.value))
    before = adjust.ids.reps.value
    for _ in range(2):
        tap(the(adjust.ids.reps, "+", "RoundButton"))
    assert adjust.ids.reps.value == before + 2
    tap(adjust.ids.save)
    assert "reason" in adjust.error
    tap(adjust.ids.reason)
    adjust.ids.reason.text = "Sliders easy for a week: two more repeats."
    tap(adjust.ids.save)
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
    stride_app.sign_out()  # from a sub-screen: the header offers no button here
    sign_in(stride_app, live_server.url, DEMO_CLINICIAN, DEMO_PASSWORD)
    pump(lambda: stride_app.root.ids.sm.current == "alerts" and stride_app.role == "clinician")
    answer.set()
    pump(lambda: idle(stride_app))
    assert stride_app.role == "clinician" and stride_app.root.ids.sm.current == "alerts"
    rows = list(reversed(screen(stride_app).ids.rows.children))
    assert rows[0].severity == "urgent", "urgent alerts come first"
    tap(next(r for r in rows if r.patient == "Rowan Screens"))
    pump(lambda: screen(stride_app).rationale and idle(stride_app), what="the alert")
    alert = screen(stride_app)
    assert alert.headline == "Red flag reported"
    assert "saddle numbness" in alert.rationale
    assert alert.cancer_text.startswith("Not recorded")

    tap(alert.ids.cancer_yes)
    pump(lambda: alert.notice == "History of cancer recorded." and idle(stride_app))
    assert alert.cancer_text.startswith("Yes, recorded")
    assert person["clinician"].get(f"/patients/{person['id']}")["cancer_history"] is True

    tap(alert.ids.record)
    event = screen(stride_app)
    tap(next(c for c in event.ids.kind.children if c.value == "imaging"))
    for _ in range(2):  # none -> 0 -> 1 tendon torn
        tap(the(event.ids.tendons, "+", "RoundButton"))
    assert event.ids.tendons.value == 1
    tap(event.ids.finding)  # the field takes the finger, then the keyboard types
    assert event.ids.finding.focus
    event.ids.finding.text = "No compressive lesion of the cauda equina."
    tap(event.ids.source)
    assert event.ids.source.focus and not event.ids.finding.focus
    tap(event.ids.date)  # the date comes from the picker: today, then "Use this date"
    picker = open_dialog("DatePickerDialog")
    tap(next(c for c in picker.ids.grid.children if getattr(c, "is_today", False)))
    tap(picker.ids.use)
    tap(event.ids.save)
    pump(lambda: screen(stride_app).name == "alert" and alert.notice and idle(stride_app))
    [recorded] = person["clinician"].get(f"/patients/{person['id']}/clinical-events")
    assert recorded["details"]["modality"] == "MRI"
    assert recorded["details"]["tendons_torn"] == 1 and "retraction_mm" not in recorded["details"]

    tap(alert.ids.decide)
    decision = open_dialog("DecisionDialog")
    tap(next(c for c in decision.ids.decision.children if c.value == "seen_and_excluded"))
    decision.ids.note.text = "Seen in clinic today; MRI clear. Safety-net advice given."
    tap(decision.ids.save)
    pump(lambda: alert.notice.startswith("Decision saved") and idle(stride_app))
    assert alert.status == "decided"
    stored = person["clinician"].get(f"/alerts/{alert.alert['id']}")
    assert (stored["status"], stored["decision"]) == ("decided", "seen_and_excluded")
    assert stored["events"][-1]["note"] == decision.ids.note.text
