"""Today, the week ahead and the pain check-in in a real Kivy window, against the real server.

Every control is touched through the Window where it is drawn (`tap`). Each test checks what
the patient sees and what the care team relies on: what is in the phone's outbox and what the
server stored. The tests run in order on one app, as one patient's day and then another's.
"""

import pytest

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
from tests.mobile.test_screens import (
    PASSWORD,
    card_of,
    cards,
    go_tab,
    logs,
    make_patient,
    option,
    screen,
    sign_in,
    sign_in_as,
    slide_to,
    synced,
)

__all__ = ["stride_app", "x_display"]  # fixtures used by name below


@pytest.fixture(scope="module")
def patient(live_server):
    """A piriformis patient in week 3: a one-set stretch, clamshells and two nerve sliders."""
    return make_patient(live_server, "Ada Today", "piriformis-neural-gliding", 14)


@pytest.fixture(scope="module")
def other(live_server):
    """A second patient who signs in on the same phone."""
    return make_patient(live_server, "Ben Today", "ischiofemoral-impingement", 14)


def today(app):
    """Return Today once it shows the plan."""
    page = screen(app, "today")
    pump(lambda: page.view is not None, what="the plan from the first sync")
    return page


def button(root, text: str):
    """Return the one button with this text in the tree under `root`."""
    return the(root, text, "RoundButton")


def quiet(app) -> None:
    """Wait until no sync is in flight (its end redraws Today's cards)."""
    pump(lambda: idle(app), what="the sync in flight")


def card(app, exercise_id: str, slot: int | None = None):
    """Return an exercise's card on Today once no sync is about to redraw the cards."""
    quiet(app)
    return card_of(screen(app, "today"), exercise_id, slot)


def held(app) -> bool:
    """Tell whether something waits in the outbox that no push may take yet."""
    return app.store.pending_count() > len(app.store.outbox())


def settled(app) -> bool:
    """Tell whether every undo window has ended and everything is sent."""
    return synced(app) and not held(app)


# -- "Done", and taking it back


def test_today_opens_with_the_phase_points_in_full_and_a_done_can_be_undone(
    stride_app, live_server, patient
):
    sign_in(stride_app, live_server.url, patient["email"], PASSWORD)
    pump(lambda: stride_app.root.ids.sm.current == "today" and synced(stride_app))
    page = today(stride_app)
    assert page.important_open and page.ids.restrictions.children, "the first view: in full"
    tap(button(card(stride_app, "side-lying-clamshell"), "Done"))
    clamshell = card(stride_app, "side-lying-clamshell")
    assert clamshell.status_text == "Done" and clamshell.undoable
    assert not on_screen(clamshell, "Done", "RoundButton"), "a second tap cannot log it twice"
    assert stride_app.store.outbox() == [], "held: no sync may take it"
    tap(button(clamshell, "Undo"))
    assert page.ids.notice.text.startswith("Undone: ")
    clamshell = card(stride_app, "side-lying-clamshell")
    assert (clamshell.status, clamshell.undoable) == ("todo", False)
    assert on_screen(clamshell, "Done", "RoundButton")
    assert stride_app.store.pending_count() == 0
    stride_app.sync.request()
    pump(lambda: settled(stride_app), what="the sync")
    assert logs(patient, "exercise-logs") == {}, "an undone Done never reaches the server"


def test_a_done_left_alone_reaches_the_server_when_its_window_ends(stride_app, patient):
    today(stride_app)
    tap(button(card(stride_app, "side-lying-clamshell"), "Done"))
    assert held(stride_app)
    pump(lambda: settled(stride_app), what="the undo window to end and the sync")
    clamshell = card(stride_app, "side-lying-clamshell")
    assert clamshell.status == "done" and not clamshell.undoable
    assert not on_screen(clamshell, "Undo")
    [row] = logs(patient, "exercise-logs").values()
    assert (row["exercise_id"], row["status"]) == ("side-lying-clamshell", "done")


def test_a_done_is_kept_when_the_patient_leaves_today_inside_the_window(stride_app, patient):
    page = today(stride_app)
    stretch = card(stride_app, "supine-piriformis-stretch")
    assert stretch.item.sets_due == 1 and not on_screen(stretch, "Partial"), "one set, no Partial"
    assert on_screen(card(stride_app, "side-lying-clamshell"), "Partial", "RoundButton")
    tap(button(card(stride_app, "supine-piriformis-stretch"), "Done"))
    go_tab(stride_app, "pain")
    pump(lambda: settled(stride_app), what="the sync")
    done = {r["exercise_id"] for r in logs(patient, "exercise-logs").values()}
    assert done == {"side-lying-clamshell", "supine-piriformis-stretch"}
    go_tab(stride_app, "today")
    assert not any(c.undoable for c in cards(page))


# -- skipping for a reason of one's own


def test_another_reason_asks_for_the_patients_words_and_the_server_keeps_them(stride_app, patient):
    page = today(stride_app)
    quiet(stride_app)
    [evening] = [c for c in cards(page) if c.item.is_neural_glide and c.item.slot_index == 2]
    tap(button(evening, "Skip"))
    tap(option(open_dialog("ChoiceDialog"), "Another reason"))
    box = open_dialog("ReasonDialog")
    tap(box.ids.text)
    box.ids.text.insert_text("x" * 201)
    tap(box.ids.save)
    assert "at most 200 characters" in box.ids.error.text, "too long: it says so and waits"
    assert stride_app.store.pending_count() == 0
    box.ids.text.text = ""
    box.ids.text.insert_text("Visiting my sister, no room to lie down")
    tap(box.ids.save)
    pump(lambda: synced(stride_app), what="the sync")
    assert card(stride_app, evening.item.exercise_id, 2).status_text == "Skipped: another reason"
    [row] = [r for r in logs(patient, "exercise-logs").values() if r["status"] == "skipped"]
    assert (row["skip_reason"], row["note"]) == ("other", "Visiting my sister, no room to lie down")


# -- the phase's points, the week ahead, the physio's change


def test_the_important_box_is_one_line_after_the_first_view_and_opens_again(stride_app):
    page = today(stride_app)
    go_tab(stride_app, "pain")
    go_tab(stride_app, "today")
    assert not page.important_open
    assert page.ids.restrictions.get_root_window() is None, "the points left the screen"
    toggle = page.ids.important
    assert toggle.height <= 48 and on_screen(toggle, "Show")
    tap(toggle)
    assert page.ids.restrictions.get_root_window() is not None
    assert len(page.ids.restrictions.children) == len(page.view.restrictions)
    tap(toggle)
    assert page.ids.restrictions.get_root_window() is None


def test_the_week_ahead_lists_the_coming_days_from_the_stored_plan(stride_app):
    from mobile.core.week import coming_days

    page = today(stride_app)
    tap(page.ids.week)
    pump(lambda: stride_app.root.ids.sm.current == "week", what="the week ahead")
    week = screen(stride_app)
    expected = coming_days(stride_app.store, stride_app.local_today())
    shown = list(reversed(week.ids.days.children))
    assert [c.day.title for c in shown] == [d.title for d in expected] and len(shown) == 7
    assert shown[0].day.title.startswith("Today · ")
    listed = [(w.name, w.dose) for w in shown[0].walk(restrict=True) if hasattr(w, "dose")]
    assert listed == [line for _slot, lines in expected[0].slots for line in lines]
    repeats = [c for c in shown if c.day.same_as_before]
    assert repeats and all(on_screen(c, "The same exercises as the day before.") for c in repeats)
    tap(stride_app.root.ids.back)
    pump(lambda: stride_app.root.ids.sm.current == "today", what="Today again")


def test_a_plan_change_is_told_once_with_the_physios_reason(stride_app, patient):
    page = today(stride_app)
    plan = patient["plan"]
    reason = "You managed every set last week: a little more load."
    patient["physio"].patch(
        f"/plans/{plan['id']}",
        {
            "reason": reason,
            "operations": [
                {"op": "set_dose", "exercise_id": "side-lying-clamshell", "dose": {"reps": 14}}
            ],
        },
    )
    stride_app.sync.request()
    pump(lambda: synced(stride_app) and page.revision_notes, what="the plan change")
    told = [w.text for w in reversed(page.ids.revisions.children)]
    clamshell = card(stride_app, "side-lying-clamshell")
    reps = "holds" if clamshell.item.dose.hold_s else "reps"  # the word the card uses
    assert told[0].startswith(f"•  {clamshell.item.name}: 14 {reps} (was ")
    assert told[-1] == f"Because: “{reason}”"
    assert on_screen(page, "Your physio changed your plan")
    assert clamshell.item.dose.reps == 14 and f"14 {reps}" in clamshell.dose
    tap(page.ids.revision_seen)
    assert not on_screen(page, "Your physio changed your plan")
    go_tab(stride_app, "pain")
    go_tab(stride_app, "today")
    assert not page.revision_notes, "told once"


# -- the nerve follow-up and another account on the same phone


def test_another_patient_signing_in_finds_today_at_the_top_with_points_in_full(
    stride_app, live_server, other
):
    page = today(stride_app)
    page.ids.page.scroll_y = 0  # as far down as the first patient had scrolled
    pump(seconds=0.2)
    sign_in_as(stride_app, live_server, other)
    page = today(stride_app)
    assert page.ids.page.scroll_y == 1
    assert page.important_open, "their own first view of their phase"
    assert not page.revision_notes


# -- pain


def test_the_pain_scale_starts_unset_and_saving_says_what_is_missing(stride_app, other):
    go_tab(stride_app, "pain")
    pain = screen(stride_app)
    assert pain.ids.value.text == "Tap the scale" and pain.ids.slider.unset
    assert on_screen(pain, "What were you doing?")
    assert [c.text for c in reversed(pain.ids.context.children)] == [
        "Resting",
        "Sitting",
        "Walking",
        "In bed at night",
        "Just exercised",
        "Something else",
    ]
    tap(pain.ids.save)
    assert pain.ids.error.text == (
        "Tap the scale to say how much it hurts and choose what you were doing."
    )
    tap(next(c for c in pain.ids.context.children if c.text == "In bed at night"))
    assert pain.ids.error.text == "Tap the scale to say how much it hurts."
    tap(pain.ids.save)
    assert stride_app.store.pending_count() == 0, "no score, nothing saved"
    slide_to(pain.ids.slider, 0)  # 0 is a real answer, not the unset scale
    assert pain.ids.value.text == "0 – No pain" and not pain.ids.error.text
    slide_to(pain.ids.slider, 7)
    tap(pain.ids.save)
    assert pain.ids.saved.text.startswith("Saved: pain 7")
    assert pain.ids.value.text == "Tap the scale" and pain.ids.slider.unset
    pump(lambda: synced(stride_app), what="the sync")
    [row] = logs(other, "pain-logs").values()
    assert (row["nprs"], row["context"]) == (7, "night")


def _track_colour(slider, value: float, dx: float = 0):
    """Return the colour drawn on the slider's track at a score (the fill or the bare track),
    or `dx` pixels to the right of it."""
    pump(seconds=0.3)  # drawn
    share = (value - slider.min) / (slider.max - slider.min)
    x = slider.padding + (slider.width - 2 * slider.padding) * share + dx
    texture = slider.export_as_image().texture
    row, column = int(slider.height / 2), int(x)  # rows count from the bottom, as GL draws
    at = (row * texture.width + column) * 4
    return tuple(b / 255 for b in texture.pixels[at : at + 3])


def test_after_saving_the_bar_and_the_knob_agree(stride_app):
    from kivy.metrics import dp

    from mobile.widgets import theme

    pain = screen(stride_app, "pain")
    slider = pain.ids.slider
    slide_to(slider, 9)
    tap(next(c for c in pain.ids.context.children if c.text == "Walking"))
    tap(pain.ids.save)
    pump(seconds=0.3)
    # The score was cleared: the track is bare where the last score's fill used to end.
    assert _close(_track_colour(slider, 6), theme.PRIMARY_SOFT[:3])
    slide_to(slider, 2)
    assert _close(_track_colour(slider, 1), theme.PRIMARY[:3])
    assert _close(_track_colour(slider, 6), theme.PRIMARY_SOFT[:3])
    slide_to(slider, 9)
    slide_to(slider, 0)  # the fill shrinks to nothing: none of it may stay behind
    assert _close(_track_colour(slider, 6), theme.PRIMARY_SOFT[:3])
    # The knob's ring (its centre is a white dot) is drawn where 0 is.
    assert _close(_track_colour(slider, 0, dx=dp(11)), theme.PRIMARY[:3]), "the knob is at 0"


def _close(colour, expected, tolerance=0.04) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))
