"""The clinician's work in a real Kivy window against the real server, driven by touch.

Every control is touched through the Window where it is drawn (`tap`). The tests check what the
clinician reads (plain words, the patient's age, when the alert was raised, every week of the
course) and what the server stored after they acted (the injection with its guidance and the
date chosen in the date picker, the decision). They run in order on one app.
"""

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from mobile.core.api import ApiClient
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
from tests.mobile.test_screens import staff

__all__ = ["stride_app", "x_display"]  # fixtures used by name below
PASSWORD = "amber lantern river 7"
BORN = date(1979, 3, 14)
# What a raw key or a machine date looks like on screen: `saddle_numbness`,
# `decision:discharge`, `2026-11-30`, `R-FAIL` (protocol ids, `ankle-pumps`, are checked by name).
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\bdecision:|\d{4}-\d\d-\d\d|\bR-[A-Z]+")


def new_patient(
    live_server,
    name: str,
    days_ago: int,
    born: date | None = BORN,
    protocol_id: str = "piriformis-neural-gliding",
) -> dict:
    """Create a patient of the demo team whose plan (piriformis) began `days_ago` days ago."""
    physio, clinician = staff(live_server, DEMO_PHYSIO), staff(live_server, DEMO_CLINICIAN)
    email = f"clinician.ui.{name.split()[0].lower()}.{uuid.uuid4().hex[:6]}@example.org"
    body = {
        "email": email,
        "display_name": name,
        "timezone": "UTC",
        "care_team": [clinician.get("/me")["id"]],
    }
    if born:
        body["date_of_birth"] = born.isoformat()
    created = physio.post("/patients", body)
    ApiClient(live_server.url).activate(email, created["activation"]["code"], PASSWORD)
    start = datetime.now(UTC).date() - timedelta(days=days_ago)
    plan = physio.post(
        f"/patients/{created['id']}/plans",
        {"protocol_id": protocol_id, "start_date": start.isoformat()},
    )
    me = ApiClient(live_server.url)
    me.sign_in(email, PASSWORD)
    return {"id": created["id"], "plan": plan, "me": me, "clinician": clinician, "name": name}


def today() -> date:
    return datetime.now(UTC).date()


def red_flag(who: dict, **yes) -> None:
    """Answer the red-flag check as the patient's phone does (a yes raises R-RED)."""
    from domain.redflags import QUESTIONS

    answers = {q.key: yes.get(q.key, False) for q in QUESTIONS}
    body = {"id": str(uuid.uuid4()), "local_date": today().isoformat(), "answers": answers}
    who["me"].post(f"/patients/{who['id']}/red-flag-checks", body)


def stop_sign(who: dict) -> None:
    """Stop one of today's exercises for a review-level stop sign (R-STOP, bound to the plan)."""
    plan, day = who["plan"], today().isoformat()
    version = f"/protocols/{plan['protocol_id']}/versions/{plan['protocol_version']}"
    content = who["me"].get(version)["content"]
    signs = {
        e["id"]: s
        for p in content["phases"]
        for e in p["exercises"]
        for s in e.get("stop_if") or ()
        if s["level"] == "review"
    }
    [prescribed] = who["me"].get(f"/plans/{plan['id']}/schedule", **{"from": day, "to": day})[
        "days"
    ]
    session = next(s for s in prescribed["sessions"] if s["exercise_id"] in signs)
    body = {
        "id": str(uuid.uuid4()),
        "plan_id": plan["id"],
        "exercise_id": session["exercise_id"],
        "local_date": day,
        "slot": session["slot"],
        "sets_done": 0,
        "sets_due": session["dose"]["sets"],
        "status": "skipped",
        "skip_reason": "stop_if",
        "stop_if_id": signs[session["exercise_id"]]["id"],
    }
    who["me"].post(f"/patients/{who['id']}/exercise-logs", body)


@pytest.fixture(scope="module")
def flagged(live_server):
    """A patient born in 1979 who answered yes to saddle numbness a moment ago."""
    who = new_patient(live_server, "Morgan Flag", 20)
    red_flag(who, saddle_numbness=True)
    return who


@pytest.fixture(scope="module")
def long_course(live_server):
    """A patient 30 weeks into a plan, pain logged every week, then a stop sign today."""
    who = new_patient(live_server, "Avery Longcourse", 30 * 7, born=None)
    start = today() - timedelta(days=30 * 7)
    for week in range(30):
        body = {
            "id": str(uuid.uuid4()),
            "local_date": (start + timedelta(days=7 * week + 2)).isoformat(),
            "nprs": 3 + week % 5,
            "context": "rest",
        }
        who["me"].post(f"/patients/{who['id']}/pain-logs", body)
    stop_sign(who)
    return who


# -- moving around as the clinician


def sign_in_clinician(app, server_url: str) -> None:
    """Sign in as the demo clinician through the form; wait for the queue."""
    if app.role:
        app.sign_out()
        pump(lambda: app.root.ids.sm.current == "signin" and idle(app), what="sign-in")
    form = named(app, "signin")
    form.ids.server.text, form.ids.email.text = server_url, DEMO_CLINICIAN
    form.ids.password.text = DEMO_PASSWORD
    tap(form.ids.submit)
    pump(lambda: app.role == "clinician" and idle(app) and rows(app), what="the alert queue")


def named(app, name: str):
    """Return a screen by name, wherever the shell put it (beside its list on a wide window)."""
    root = app.root.ids
    managers = [root.sm] + ([root.side] if "side" in root else [])
    return next(m.get_screen(name) for m in managers if m.has_screen(name))


def rows(app) -> list:
    """Return the queue's rows, top to bottom."""
    return list(reversed(named(app, "alerts").ids.rows.children))


def row_of(app, name: str, rule: str):
    return next(r for r in rows(app) if r.patient.startswith(name) and r.alert["rule_id"] == rule)


def open_alert(app, name: str, rule: str):
    """Tap a patient's alert in the queue; wait until its evidence has loaded."""
    tap(row_of(app, name, rule))
    alert = named(app, "alert")
    pump(lambda: alert.patient and alert.rationale and idle(app), what="the alert")
    return alert


def chip(group, value: str):
    return next(c for c in group.children if c.value == value)


def texts(root) -> list[str]:
    """Return every text a label or button under `root` shows."""
    return [w.text for w in root.walk(restrict=True) if isinstance(getattr(w, "text", None), str)]


def pick_date(app, field, day: date) -> None:
    """Choose a day in the field's date picker: month steps, the day, "Use this date"."""
    tap(field)
    picker = open_dialog("DatePickerDialog")
    while (picker.year, picker.month) != (day.year, day.month):
        later = (picker.year, picker.month) < (day.year, day.month)
        tap(picker.ids.next_month if later else picker.ids.prev_month)
    tap(next(c for c in day_buttons(picker) if c.day == day))
    assert picker.chosen_text.endswith(str(day.year)) and str(day.day) in picker.chosen_text
    tap(picker.ids.use)
    pump(lambda: "DatePickerDialog" not in dialogs(), what="the date picker to close")


def day_buttons(picker) -> list:
    return [c for c in picker.ids.grid.children if type(c).__name__ == "DayButton"]


# -- every key has words (no window needed)


def rule_ids() -> set[str]:
    """Return every rule id the domain raises a finding for (read from its source, so a new
    rule is found the day it is written)."""
    import pathlib

    import domain

    found = set()
    for path in pathlib.Path(domain.__file__).parent.glob("*.py"):
        found |= set(re.findall(r'make_finding\(\s*"(R-[A-Z]+)"', path.read_text()))
    assert len(found) >= 9, found
    return found


def protocol_ids() -> set[str]:
    """Return the ids of every exercise and phase of the shipped protocols."""
    from server.protocols.loader import validate_files

    docs, problems = validate_files(None)
    assert not problems, problems
    phases = [p for doc in docs.values() for p in doc["phases"]]
    return {p["id"] for p in phases} | {e["id"] for p in phases for e in p.get("exercises", ())}


def test_every_key_the_server_knows_has_plain_words():
    from domain import nerves, postop, redflags
    from domain.decisions import all_decision_ids
    from domain.protocol import STOP_LEVELS
    from domain.readiness import readiness_checklist
    from mobile.screens import labels
    from server.models.alerts import SEVERITIES, STATUSES
    from server.protocols.loader import validate_files
    from server.schemas.logs import DETAIL_SCHEMAS, INJECTION_GUIDANCE, ImagingDetails
    from tests.unit.shipped_protocols import PROTOCOLS_DIR

    docs, _ = validate_files([str(PROTOCOLS_DIR)])
    pathway_ids = {
        d["id"] for doc in docs.values() for d in (doc.get("pathway") or {}).get("decisions", ())
    }

    known = {
        "red-flag question": ({q.key for q in redflags.QUESTIONS}, labels.RED_FLAGS),
        "red-flag group": ({q.group for q in redflags.QUESTIONS}, labels.RED_FLAG_GROUPS),
        "post-op question": ({q.key for q in postop.QUESTIONS}, labels.POSTOP_SIGNS),
        "decision": (all_decision_ids() | pathway_ids, dict(labels.DECISIONS)),
        "rule": (rule_ids(), labels.RULES),
        "event kind": (set(DETAIL_SCHEMAS), labels.EVENT_KINDS),
        "modality": (set(ImagingDetails().fields["modality"].validate.choices), labels.MODALITIES),
        "guidance": (set(INJECTION_GUIDANCE), labels.GUIDANCE),
        "tear grade": (set(range(4)), labels.TEAR_GRADES),
        "severity": (set(SEVERITIES), labels.SEVERITIES),
        "status": (set(STATUSES), labels.STATUSES),
        "nerve answer": (set(nerves.NERVE_ANSWERS), labels.NERVE_ANSWERS),
        "level": (set(STOP_LEVELS), labels.LEVEL_ADVICE),
        "checklist item": ({i.key for i in readiness_checklist([])}, labels.CHECKLIST),
    }
    for what, (keys, words) in known.items():
        missing = sorted(str(k) for k in keys - set(words))
        assert not missing, f"{what} keys without words in labels.py: {missing}"
        for key in keys:
            assert words[key] and not RAW.search(words[key]), (what, key, words[key])
    from typing import get_args

    from domain.history import ClinicalKind

    assert set(get_args(ClinicalKind)) == set(labels.EVENT_KINDS)


@pytest.fixture(scope="module")
def swept_server(tmp_path_factory):
    """A server of its own with the demo seeded and swept: the morning queue, every rule in it."""
    from server.extensions import db
    from server.services.sweep import run_sweep
    from tests.mobile.conftest import start_server

    server, stop = start_server(str(tmp_path_factory.mktemp("swept") / "server.sqlite3"))
    with server.app.app_context():
        run_sweep(db.session, kind="manual")
    yield server
    stop()


def test_every_demo_alert_reads_in_plain_words(swept_server):
    """The seeded queue holds every rule: its summary, facts and history show no raw key."""
    from mobile.screens import evidence
    from mobile.screens.alert import event_line

    clinician = staff(swept_server, DEMO_CLINICIAN)
    ids = protocol_ids()
    now = datetime.now().astimezone()
    alerts = [clinician.get(f"/alerts/{a['id']}") for a in clinician.get("/alerts")]
    assert {a["rule_id"] for a in alerts} == rule_ids(), "the demo has an alert of every rule"
    for alert in alerts:
        shown = [
            evidence.summary(alert),
            evidence.status_line(alert, now),
            *evidence.evidence_lines(alert, now),
            *(
                evidence.checklist_label(i) + evidence.checklist_detail(i)
                for i in alert["checklist"]
            ),
            *(event_line(e, now) for e in alert["events"]),
            *evidence.clinical_record_lines(alert),
        ]
        for text in shown:
            assert text and not RAW.search(text), (alert["rule_id"], text)
            assert not set(re.findall(r"[a-z]+(?:-[a-z]+)+", text)) & ids, text
            assert ".;" not in text and "()" not in text and "..." not in text, text


def test_times_and_ages_read_as_a_clinician_says_them():
    from mobile.screens.moments import age_on, when_text

    now = datetime(2026, 12, 1, 16, 30).astimezone()
    at = (now - timedelta(hours=2, minutes=5)).isoformat()
    assert when_text(at, now) == f"{(now - timedelta(hours=2, minutes=5)):%H:%M} (2 h ago)"
    assert when_text((now - timedelta(minutes=12)).isoformat(), now).endswith("(12 min ago)")
    yesterday = now - timedelta(days=1)
    assert when_text(yesterday.isoformat(), now) == f"yesterday {yesterday:%H:%M}"
    assert when_text((now - timedelta(days=9)).isoformat(), now).startswith("Sun 22 Nov ")
    assert when_text((now - timedelta(days=400)).isoformat(), now) == "Mon 27 Oct 2025 16:30"
    assert age_on(date(1979, 12, 1), date(2026, 12, 1)) == 47
    assert age_on(date(1979, 12, 2), date(2026, 12, 1)) == 46
    assert age_on(None, date(2026, 12, 1)) is None


def test_the_month_grid_has_six_weeks_monday_first_and_steps_across_years():
    from mobile.widgets.datepicker import clamp, month_cells, shift_month

    february = month_cells(2026, 2)  # 1 Feb 2026 is a Sunday
    assert len(february) == 42 and february[:6] == [None] * 6
    assert february[6] == date(2026, 2, 1) and february[33] == date(2026, 2, 28)
    assert february[34:] == [None] * 8
    assert shift_month(2026, 1, -1) == (2025, 12) and shift_month(2025, 12, 1) == (2026, 1)
    assert shift_month(2026, 3, -12) == (2025, 3)
    assert clamp(date(2027, 1, 1), None, date(2026, 12, 1)) == date(2026, 12, 1)
    assert clamp(date(1970, 1, 1), date(1979, 3, 14), None) == date(1979, 3, 14)


# -- the clinician at work, by touch


def test_the_queue_shows_the_patients_age_and_when_the_alert_was_raised(
    stride_app, live_server, flagged
):
    app = stride_app
    sign_in_clinician(app, live_server.url)
    row = row_of(app, "Morgan Flag", "R-RED")
    age = today().year - BORN.year - ((today().month, today().day) < (BORN.month, BORN.day))
    assert row.patient == f"Morgan Flag · age {age}"
    assert re.fullmatch(r"Open · raised \d\d:\d\d \((just now|\d+ min ago)\)", row.meta), row.meta
    assert row.rationale.startswith("Red-flag check on ")
    assert "new saddle numbness or tingling" in row.rationale and "saddle_numbness" not in (
        row.rationale
    )
    for shown in texts(named(app, "alerts")):
        assert not RAW.search(shown), shown


def test_the_alert_shows_age_time_and_the_answer_in_words(stride_app, flagged):
    app = stride_app
    alert = open_alert(app, "Morgan Flag", "R-RED")
    assert alert.patient_line.startswith("Morgan Flag · age ")
    status = r"Urgent · Open · raised \d\d:\d\d \((just now|\d+ min ago)\)"
    assert re.fullmatch(status, alert.status_text), alert.status_text
    assert "go to the emergency department now" in alert.rationale
    assert "Points to possible cauda equina syndrome." in alert.facts_text
    for shown in texts(alert):
        assert not RAW.search(shown), shown
    assert alert.events_text.endswith(": Raised.")
    assert on_screen(alert, "Mark seen") and on_screen(alert, "Decide")
    buttons = [w for w in alert.walk(restrict=True) if type(w).__name__ == "RoundButton"]
    assert all(b.text and not b.disabled for b in buttons), "no blank or dead button"


def test_recording_an_injection_needs_its_guidance_and_a_date_from_the_picker(stride_app, flagged):
    app = stride_app
    alert = named(app, "alert")
    event = open_form(app, alert, "guided_injection")
    assert not event.ids.guidance.selected, "no guidance is chosen for the clinician"
    tap(event.ids.save)
    assert event.error == (
        "Still needed: the date, the injection target, the guidance, pain before and pain after."
    )
    assert event.ids.target_note.get_root_window() is None, "hidden leaves the tree"
    assert flagged["clinician"].get(f"/patients/{flagged['id']}/clinical-events") == []

    # The picker never offers a day after the patient's today, as a button or otherwise.
    tap(event.ids.date)
    picker = open_dialog("DatePickerDialog")
    assert (picker.year, picker.month) == (today().year, today().month)
    assert max(b.day for b in day_buttons(picker)) == today()
    assert picker.ids.next_month.disabled and picker.ids.use.disabled
    tap(picker.ids.cancel)
    pump(lambda: not event.ids.date.value and "DatePickerDialog" not in dialogs())

    chosen = today().replace(day=1) - timedelta(days=1)  # a day of last month
    chosen = chosen.replace(day=min(17, chosen.day))
    pick_date(app, event.ids.date, chosen)
    assert event.ids.date.value == chosen
    assert event.ids.date.text == f"{chosen:%a} {chosen.day} {chosen:%b} {chosen.year}"
    assert event.error.startswith("Still needed: the injection target"), event.error

    tap(chip(event.ids.target, "other"))
    assert event.error.startswith("Still needed: the target in words, the guidance"), event.error
    tap(event.ids.target_note)
    assert event.ids.target_note.focus
    event.ids.target_note.text = "Right obturator internus"
    tap(chip(event.ids.target, "piriformis"))
    assert event.ids.target_note.get_root_window() is None, "only for 'other'"
    tap(event.ids.anaesthetic)
    event.ids.anaesthetic.text = "Lidocaine 1 %"
    tap(chip(event.ids.guidance, "fluoroscopy"))
    for _ in range(8):  # none -> 0 -> ... -> 7
        tap(the(event.ids.before, "+", "RoundButton"))
    for _ in range(3):
        tap(the(event.ids.after, "+", "RoundButton"))
    assert (event.ids.before.value, event.ids.after.value) == (7, 2)
    assert event.relief.startswith("71 % relief: positive")
    tap(event.ids.minutes)
    event.ids.minutes.text = "3000"
    tap(event.ids.save)
    assert event.error == "Still needed: the minutes after the injection (0-1440)."
    event.ids.minutes.text = "30"
    tap(event.ids.task)
    event.ids.task.text = "Sitting for 20 minutes"
    assert not event.error
    tap(event.ids.save)
    pump(lambda: alert.notice and idle(app), what="the alert after saving")
    assert alert.notice == "Result recorded for the next review."
    [stored] = flagged["clinician"].get(f"/patients/{flagged['id']}/clinical-events")
    assert stored["kind"] == "guided_injection" and stored["event_date"] == chosen.isoformat()
    assert stored["details"] == {
        "target": "piriformis",
        "anaesthetic": "Lidocaine 1 %",
        "guidance": "fluoroscopy",
        "minutes_after": 30,
        "provocative_task": "Sitting for 20 minutes",
        "pain_before": 7,
        "pain_after": 2,
    }


def test_recording_an_exam_test_shows_its_accuracy_and_palpation_needs_its_site(
    stride_app, flagged
):
    app = stride_app
    alert = named(app, "alert")
    event = open_form(app, alert, "exam_finding")
    assert not on_screen(event, "Site palpated (required)")
    tap(chip(event.ids.exam_test, "seated_piriformis_stretch"))
    assert on_screen(
        event, "Looks for deep gluteal syndrome: sensitivity 52 %, specificity 90 %, Martin 2014."
    )
    tap(chip(event.ids.exam_test, "ifi_test"))
    assert event.accuracy == (
        "Looks for ischiofemoral impingement. Accuracy not known: no verified study."
    )
    tap(chip(event.ids.exam_test, "palpation"))
    pick_date(app, event.ids.date, today())
    tap(chip(event.ids.result, "positive"))
    tap(event.ids.save)
    assert event.error == "Still needed: the site palpated."
    tap(chip(event.ids.site, "lateral_to_ischial_tuberosity"))
    assert not event.error
    tap(chip(event.ids.lumbar, "excluded"))
    tap(event.ids.save)
    pump(lambda: app.root.ids.sm.current == "alert" and idle(app), what="the alert")
    stored = flagged["clinician"].get(f"/patients/{flagged['id']}/clinical-events")[-1]
    assert stored["details"] == {
        "test": "palpation",
        "site": "lateral_to_ischial_tuberosity",
        "result": "positive",
        "lumbar_spine": "excluded",
    }


def test_a_save_tapped_again_after_its_answer_was_lost_records_it_once(
    stride_app, flagged, monkeypatch
):
    from mobile.core.api import ApiError

    app = stride_app
    path = f"/patients/{flagged['id']}/clinical-events"
    before = len(flagged["clinician"].get(path))
    real_post, lost = ApiClient.post, []

    def answer_lost_once(client, where, body):
        answer = real_post(client, where, body)  # the server stores the record ...
        if where.endswith("/clinical-events") and not lost:
            lost.append(body)  # ... and the phone never hears back
            raise ApiError(None, "The server did not answer in time.")
        return answer

    monkeypatch.setattr(ApiClient, "post", answer_lost_once)
    alert = named(app, "alert")
    event = open_form(app, alert, "imaging")
    chosen = today().replace(day=1) - timedelta(days=1)  # a day of last month
    pick_date(app, event.ids.date, chosen.replace(day=min(12, chosen.day)))
    tap(event.ids.finding)
    event.ids.finding.text = "Thickened sciatic nerve at the sciatic notch."
    tap(event.ids.save)
    pump(lambda: event.error and idle(app), what="the lost answer")
    assert "did not answer" in event.error and app.root.ids.sm.current == "event"
    tap(event.ids.save)  # the clinician taps Save again
    pump(lambda: app.root.ids.sm.current == "alert" and idle(app), what="the alert after saving")
    stored = flagged["clinician"].get(path)
    assert len(stored) == before + 1, "the second tap stored the record a second time"
    [record] = [e for e in stored if e["id"] == lost[0]["id"]]
    assert record["kind"] == "imaging" and record["details"]["finding"].startswith("Thickened")


def open_form(app, alert, kind: str):
    """Tap "Record result" on the alert and choose the kind of record; return the form."""
    tap(alert.ids.record)
    event = named(app, "event")
    pump(lambda: app.root.ids.sm.current == "event", what="the record-result form")
    tap(chip(event.ids.kind, kind))
    return event


def dialogs() -> list[str]:
    from kivy.core.window import Window

    return [type(w).__name__ for w in Window.children]


def test_the_clinician_decides_and_the_history_says_so_in_words(stride_app, flagged):
    app = stride_app
    alert = named(app, "alert")
    tap(alert.ids.decide)
    decision = open_dialog("DecisionDialog")
    # A red flag's own outcomes, in the server's words: never the surgical-review choices.
    assert [c.text for c in reversed(decision.ids.decision.children)] == [
        d["label"] for d in alert.alert["decisions"]
    ]
    assert [c.value for c in reversed(decision.ids.decision.children)][0] == (
        "sent_to_emergency_department"
    )
    assert "Continue conservative care" not in texts(decision)
    tap(chip(decision.ids.decision, "seen_and_excluded"))
    assert decision.ids.review_on.get_root_window() is None, "no review date: out of the tree"
    tap(decision.ids.note)
    decision.ids.note.text = "Seen today: cauda equina excluded on MRI; [b]refer[/b] for review."
    tap(decision.ids.save)
    pump(lambda: alert.notice.startswith("Decision saved") and idle(app), what="the decision")
    words = "Seen: the red flag is excluded (e.g. cauda equina)"
    assert alert.notice == "Decision saved: " + words
    stored = flagged["clinician"].get(f"/alerts/{alert.alert['id']}")
    assert (stored["status"], stored["decision"]) == ("decided", "seen_and_excluded")
    last = alert.events_text.splitlines()[-1]
    assert f"Decided: {words}. Seen today" in last
    assert "&bl;b&br;refer" in last, "a note's brackets are text, never markup"
    assert "decision:" not in alert.events_text
    assert not on_screen(alert, "Decide") and not on_screen(alert, "Mark seen")


@pytest.fixture(scope="module")
def pudendal_fail(live_server):
    """A pudendal neuralgia patient whose 12-week trial failed (an open R-FAIL alert)."""
    from tests.mobile.test_screens import raise_failed_trial

    who = new_patient(live_server, "Pat Pudendal", 90, protocol_id="pelvic-floor-downtraining")
    who["alert_id"] = raise_failed_trial(live_server, who)
    return who


def test_a_failed_trial_offers_its_pathway_and_a_review_date_from_the_picker(
    stride_app, live_server, pudendal_fail
):
    from tests.mobile.test_screens import raise_failed_trial_again

    app = stride_app
    sign_in_clinician(app, live_server.url)
    alert = open_alert(app, "Pat Pudendal", "R-FAIL")
    steps = [item.label for item in reversed(alert.ids.checklist.children)]
    assert steps == [
        "Nantes criteria on record",
        "Image-guided pudendal block with at least 50 % relief",
        "Neuropathic medication reviewed",
    ]
    assert on_screen(alert, "Next steps after the failed trial")
    assert alert.ids.chain.get_root_window() is None, "no earlier alert: no chain section"
    tap(alert.ids.decide)
    decision = open_dialog("DecisionDialog")
    offered = [c.text for c in reversed(decision.ids.decision.children)]
    assert offered[:3] == [
        "Review neuropathic medication",
        "Refer for an image-guided pudendal block",
        "Refer for pudendal nerve decompression",
    ]
    assert "Refer for surgical review" not in offered
    review = decision.ids.review_on
    assert review.get_root_window() is None, "nothing chosen yet: no review date"
    tap(chip(decision.ids.decision, "refer_decompression"))
    assert review.get_root_window() is None, "a referral for surgery takes no review date"
    tap(chip(decision.ids.decision, "review_medication"))
    pump(lambda: review.get_root_window() is not None, what="the review date")
    default = date.fromisoformat(alert.alert["default_review_on"])
    assert review.value == default and str(default.day) in review.text
    later = default + timedelta(days=7)
    pick_date(app, review, later)
    assert review.value == later
    tap(decision.ids.note)
    decision.ids.note.text = "Start pregabalin; judge again after the titration."
    tap(decision.ids.save)
    pump(lambda: alert.notice.startswith("Decision saved") and idle(app), what="the decision")
    assert alert.notice == "Decision saved: Review neuropathic medication"
    stored = pudendal_fail["clinician"].get(f"/alerts/{pudendal_fail['alert_id']}")
    assert (stored["decision"], stored["review_on"]) == ("review_medication", later.isoformat())

    # On the review date the episode comes back: the new alert shows the decided one.
    again = raise_failed_trial_again(live_server, pudendal_fail["alert_id"])
    sign_in_clinician(app, live_server.url)  # the morning queue, fresh
    tap(next(r for r in rows(app) if r.alert["id"] == again))
    pump(lambda: alert.alert.get("id") == again and alert.chain_text and idle(app), what="chain")
    assert on_screen(alert, "Earlier alerts of this episode")
    assert "Review neuropathic medication, review on" in alert.chain_text
    assert str(later.day) in alert.chain_text and not RAW.search(alert.chain_text)


def test_the_course_charts_every_week_and_scrolls_to_the_latest(
    stride_app, live_server, long_course
):
    app = stride_app
    tap(next(t for t in app.root.ids.tabs.children if t.target == "alerts"))
    pump(lambda: idle(app) and rows(app), what="the queue")
    alert = open_alert(app, "Avery Longcourse", "R-STOP")
    assert alert.patient_line == "Avery Longcourse", "no date of birth: no age is made up"
    bars = alert.ids.bars
    pump(lambda: bars.weeks, what="the weekly chart")
    assert [label for label, _ratio in bars.weeks] == [f"W{n}" for n in range(1, 31)]
    weeks_logged = {x // 7 for x, value, _median in alert.ids.chart.points if value is not None}
    assert weeks_logged == set(range(30)), "a pain point in every week of the plan"
    assert alert.span_text.endswith("(30 weeks)")
    view = alert.ids.bars_view
    assert bars.width > view.width
    assert on_screen(alert, "Swipe the chart sideways for the earlier weeks.")
    pump(lambda: view.scroll_x == 1, what="the latest weeks in view")
    assert " stopped for " in alert.rationale and not RAW.search(alert.rationale)


def test_thirteen_weeks_fit_the_phone_without_scrolling(stride_app, live_server):
    who = new_patient(live_server, "Quinn Thirteen", 13 * 7 - 1)
    stop_sign(who)
    app = stride_app
    tap(next(t for t in app.root.ids.tabs.children if t.target == "alerts"))
    pump(lambda: idle(app) and rows(app), what="the queue")
    alert = open_alert(app, "Quinn Thirteen", "R-STOP")
    bars, view = alert.ids.bars, alert.ids.bars_view
    pump(lambda: len(bars.weeks) == 13, what="the weekly chart")
    assert bars.width <= view.width, "every week in view at once"
    assert not on_screen(alert, "Swipe the chart sideways for the earlier weeks.")
