"""The staff's pure logic: the log feed's words, what waits while an urgent alert is open,
the hold steps, changes for a set time, and the create-patient form's choices and errors."""

from datetime import date
from zoneinfo import ZoneInfo

from domain.adjustments import apply_operations
from domain.protocol import Dose, Exercise
from mobile.core.caution import calm_summary, prompts
from mobile.core.enrolling import colleagues, field_errors, usual_timezone
from mobile.core.feed import by_day, feed_entries
from mobile.core.plan import day_plans, exercises_on, protocol_from
from mobile.core.prescribing import (
    HOLD_STEPS,
    dose_changes,
    last_day,
    next_hold,
    timed_note,
)
from mobile.screens import labels

SLIDER = Exercise.from_dict(
    {
        "id": "seated-sciatic-slider",
        "name": "Seated sciatic slider",
        "category": "neural_glide",
        "instructions": ["Slide."],
        "cautions": [],
        "stop_if": [],
        "regression": "Smaller.",
        "progression": "Bigger.",
        "references": [],
        "dose": {"sets": 1, "reps": 10, "times_per_day": 2},
    }
)
NAMES = {SLIDER.id: SLIDER}


def session(**fields) -> dict:
    row = {
        "id": "s1",
        "exercise_id": SLIDER.id,
        "local_date": "2026-11-30",
        "slot": 2,
        "sets_done": 1,
        "sets_due": 1,
        "status": "done",
        "recorded_at": "2026-11-30T18:05:00+00:00",
        "received_at": "2026-11-30T18:06:00+00:00",
    }
    return {**row, **fields}


def only(entries):
    [entry] = entries
    return entry


def test_a_session_names_the_exercise_and_slot_with_its_status_in_words():
    entry = only(feed_entries([session(nerve_symptoms="settled")], [], [], [], NAMES))
    assert entry.title == "Seated sciatic slider, evening"
    assert entry.detail == f"Done: 1 of 1 set · {labels.NERVE_ANSWERS['settled']}"
    assert entry.tone == "warn", "nerve symptoms after a glide are worth a look"


def test_a_skip_and_a_stop_say_why_without_internal_keys():
    skipped = session(id="a", status="skipped", sets_done=0, skip_reason="no_time")
    stopped = session(
        id="b",
        status="skipped",
        sets_done=0,
        skip_reason="stop_if",
        stop_if_id="sharp-pain",
        stop_symptom="Sharp pain in the hip.",
        stop_level="urgent",
        pain_before=3,
        pain_after=7,
        recorded_at="2026-11-30T19:00:00+00:00",
    )
    newest, older = feed_entries([skipped, stopped], [], [], [], NAMES)
    assert newest.detail == (
        f"Stopped: Sharp pain in the hip · 0 of 1 set done · {labels.LEVEL_ADVICE['urgent']}"
        " · pain 3 before, 7 after"
    )
    assert newest.tone == "danger"
    assert older.detail == "Skipped: no time" and "_" not in older.detail


def test_pain_entries_read_as_words_and_post_op_signs_are_red():
    pain = {
        "id": "p1",
        "local_date": "2026-11-30",
        "nprs": 6,
        "context": "after_exercise",
        "tingling": True,
        "felt_pop": True,
        "recorded_at": "2026-11-30T07:00:00+00:00",
    }
    entry = only(feed_entries([], [pain], [], [], NAMES))
    assert entry.title == "Pain 6 of 10"
    assert entry.detail == "6 – Hard to ignore · after exercise · tingling · felt a pop"
    assert entry.tone == "danger"


def test_a_red_flag_yes_quotes_the_question_and_the_advice_level():
    check = {
        "id": "r1",
        "local_date": "2026-11-30",
        "answers": {"saddle_numbness": True, "bladder_bowel": None},
        "level": "emergency",
    }
    clear = {"id": "r2", "local_date": "2026-11-29", "answers": {"fever": False}, "level": "none"}
    yes, no = feed_entries([], [], [check, clear], [], NAMES)
    assert yes.title == "Red-flag check" and yes.tone == "danger"
    assert yes.detail.split("\n") == [
        f"Yes: {labels.RED_FLAGS['saddle_numbness']}",
        "1 question not asked after the yes",
        labels.LEVEL_ADVICE["emergency"],
    ]
    assert "_" not in yes.detail
    assert no.detail == "No warning signs: every answer no" and no.tone == "good"


def test_a_post_op_check_is_named_and_a_correction_replaces_what_it_corrects():
    first = {"id": "c1", "local_date": "2026-11-30", "answers": {"fever": True}, "level": "urgent"}
    fixed = {**first, "id": "c2", "answers": {"fever": False}, "level": "none", "supersedes": "c1"}
    marked = {**first, "id": "c3", "superseded_by": "c9"}
    entry = only(feed_entries([], [], [], [first, fixed, marked], NAMES))
    assert entry.title == "Post-operative check" and entry.tone == "good"


def test_entries_are_newest_day_first_then_latest_time_and_shown_in_the_patients_zone():
    rows = [
        session(id="1", local_date="2026-11-29", recorded_at="2026-11-29T20:00:00+00:00"),
        session(id="2", recorded_at="2026-11-30T06:00:00+00:00"),
        session(id="3", recorded_at="2026-11-30T09:30:00+00:00"),
    ]
    entries = feed_entries(rows, [], [], [], NAMES, ZoneInfo("America/New_York"))
    assert [e.time for e in entries] == ["04:30", "01:00", "15:00"]
    assert [d for d, _ in by_day(entries)] == [date(2026, 11, 30), date(2026, 11, 29)]


def test_an_exercise_the_protocol_does_not_name_reads_as_words_not_as_its_id():
    entry = only(feed_entries([session(exercise_id="prone_hip_lift")], [], [], [], {}))
    assert entry.title == "Prone hip lift"


def test_while_an_urgent_alert_is_open_no_improving_trend_and_no_next_phase_prompt():
    alerts = [
        {"rule_id": "R-PHASE", "status": "open"},
        {"rule_id": "R-RED", "status": "acknowledged"},
        {"rule_id": "R-ADH", "status": "decided"},
    ]
    urgent = {"urgent_alerts": 1, "pain_trend": "improving"}
    assert calm_summary(urgent)["pain_trend"] is None
    assert [a["rule_id"] for a in prompts(alerts, urgent)] == ["R-RED"]
    calm = {"urgent_alerts": 0, "pain_trend": "improving"}
    assert calm_summary(calm)["pain_trend"] == "improving"
    assert [a["rule_id"] for a in prompts(alerts, calm)] == ["R-PHASE", "R-RED"]


def test_holds_step_finely_when_short_and_coarsely_when_long():
    ladder = [0]
    while ladder[-1] < 60:
        ladder.append(next_hold(ladder[-1], +1))
    assert ladder == [0, 1, 2, 3, 4, 5, 10, 15, 20, 25, 30, 45, 60]
    assert next_hold(8, +1) == 10 and next_hold(8, -1) == 5, "off the ladder: the next step"
    assert next_hold(0, -1) == 0 and next_hold(HOLD_STEPS[-1], +1) == 600


def test_a_change_for_weeks_ends_the_day_before_the_same_weekday_and_sends_only_what_changed():
    assert last_day(date(2026, 12, 1), 2) == date(2026, 12, 14)
    assert last_day(date(2026, 12, 1), 0) is None
    dose = Dose(sets=3, reps=10, hold_s=5)
    assert dose_changes(dose, 3, 8, 0) == {"reps": 8, "hold_s": 0}
    assert dose_changes(dose, 3, 10, 5) == {}


def test_colleagues_come_from_shared_care_teams_and_the_zone_from_the_caseload():
    me = {"id": 7, "display_name": "Me", "role": "physio"}
    maya = {"id": 9, "display_name": "Dr Maya Shah", "role": "clinician"}
    patients = [
        {"timezone": "Europe/London", "care_team": [me, maya]},
        {"timezone": "Europe/London", "care_team": [me]},
        {"timezone": "UTC", "care_team": [me, maya]},
    ]
    assert colleagues(patients, 7) == [("9", "Dr Maya Shah, clinician")]
    assert usual_timezone(patients) == "Europe/London" and usual_timezone([]) == "UTC"


def test_server_errors_become_plain_reasons_per_field():
    errors = {
        "json": {
            "display_name": ["Length must be between 1 and 120.", "Must not be blank."],
            "email": ["taken"],
            "surgery_date": ["must be on or before start_date"],
            "care_team": {"0": ["user 4 is not an active physio or clinician"]},
        }
    }
    assert field_errors(errors) == {
        "display_name": "Required.",
        "email": "Another account already uses this email.",
        "surgery_date": "Must be on or before the start date",
        "care_team": "User 4 is not an active physio or clinician",
    }
    assert field_errors(None) == {}


def test_the_dose_in_force_shows_a_timed_change_and_what_comes_back_after_it():
    from server.protocols.loader import load_protocol_file, protocols_dir

    content, problems = load_protocol_file(protocols_dir() / "piriformis-neural-gliding.yaml")
    assert not problems
    protocol = protocol_from(content)
    start, day = date(2026, 11, 2), date(2026, 11, 10)
    timed, _ = apply_operations(
        protocol,
        {},
        [{"op": "set_dose", "exercise_id": SLIDER.id, "dose": {"reps": 5}}],
        day,
        start_date=start,
        until=date(2026, 11, 23),
    )
    plan = {
        "start_date": start.isoformat(),
        "revisions": [
            {"number": 1, "effective_from": start.isoformat(), "adjustments": {}},
            {"number": 2, "effective_from": day.isoformat(), "adjustments": timed},
        ],
    }
    [today] = day_plans(plan, protocol, day, day)
    assert exercises_on(plan, protocol, today)[SLIDER.id].dose.reps == 5
    assert timed_note(plan, protocol, today, SLIDER.id) == (
        "Until Mon 23 Nov, then back to 1 set × 10 reps, twice a day"
    )
    [after] = day_plans(plan, protocol, date(2026, 11, 24), date(2026, 11, 24))
    assert exercises_on(plan, protocol, after)[SLIDER.id].dose.reps == 10
    assert timed_note(plan, protocol, after, SLIDER.id) == ""
