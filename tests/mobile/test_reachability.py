"""Every visible, enabled control of every screen and dialog of every role takes a finger's touch.

The walk is generic: on each screen (and each dialog, in each of its modes) it collects every
widget with a touch behaviour from the widget tree, scrolls each into view in turn and touches
its centre through the Window. No ids are listed, and the screens come from the shell: the roles'
tours together must open every name in `shell.SCREENS`, so a new screen fails here until a tour
reaches it.

How a touch is proved to arrive without firing the control: for the probe, every widget in the
window gets an instance-level `on_touch_down` wrapper that forwards any other touch untouched.
For the probe's touch, a non-control runs its own code (so a ScrollView still holds the touch for
its scroll timeout and hands it on, a disabled widget still swallows it, a ModalView still keeps
it from what is under it); an enabled control that collides offers the touch to its children and
then takes it itself without running its handler, so nothing is pressed, toggled, focused or
slid. The deepest widget that took the touch must be the control or one of its children. The
touch is then lifted: no control grabbed it, so no `on_release` fires. (Handlers bound in kv as
`on_touch_down:` would still run: the app has none.) A real tap (conftest_ui's
`tap`) would fire every button, and a ChoiceChip toggles on press, which would change the screen
mid-walk.

One Kivy window per process, one app at a time: this module uses conftest_ui's module-scoped
`stride_app`, as test_screens.py does; in one pytest run the second module's app starts after
the first one's has stopped (both modules pass run together).
"""

import pytest

from tests.mobile.conftest import DEMO_CLINICIAN, DEMO_PASSWORD, DEMO_PHYSIO
from tests.mobile.conftest_ui import (
    _finger,
    _rect,
    _scroll_views,
    describe,
    idle,
    open_dialog,
    pump,
    scroll_into_view,
    settle,
    stride_app,
    tap,
    x_display,
)
from tests.mobile.test_screens import (
    PASSWORD,
    make_patient,
    offline,
    raise_failed_trial,
    raise_failed_trial_again,
)

__all__ = ["offline", "stride_app", "x_display"]  # fixtures used by name below
VISITED: dict[str, set[str]] = {}  # role -> screen names probed
PROBED: dict[str, int] = {}  # role -> controls touched
SHOWN: set[str] = set()  # what was probed: screens, dialogs and their modes


@pytest.fixture(scope="module")
def people(live_server):
    """Make the patient and the two post-operative patients the tours sign in as."""
    return {
        "patient": make_patient(live_server, "Robin Reach", "ischiofemoral-impingement", 14),
        "postop": make_patient(live_server, "Kit Reach", "hamstring-repair", 20, surgery=True),
        "glider": make_patient(live_server, "Gil Reach", "piriformis-neural-gliding", 14),
        "month": make_patient(live_server, "Mo Reach", "pelvic-floor-downtraining", 30),
        "pudendal": make_patient(live_server, "Pia Reach", "pelvic-floor-downtraining", 90),
    }


# -- what a control is, and whether a finger sees it


def _touch_owner(widget) -> type:
    """Return the class whose on_touch_down the widget runs."""
    return next(c for c in type(widget).__mro__ if "on_touch_down" in vars(c))


def is_control(widget) -> bool:
    """Tell whether a widget reacts to touches itself (not only routes them to children)."""
    from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
    from kivy.uix.checkbox import CheckBox
    from kivy.uix.label import Label
    from kivy.uix.layout import Layout
    from kivy.uix.modalview import ModalView
    from kivy.uix.screenmanager import Screen, ScreenManager
    from kivy.uix.scrollview import ScrollView
    from kivy.uix.slider import Slider
    from kivy.uix.textinput import TextInput
    from kivy.uix.widget import Widget

    if isinstance(widget, ButtonBehavior | ToggleButtonBehavior | TextInput | Slider | CheckBox):
        return True
    owner = _touch_owner(widget)
    if isinstance(widget, Layout | ScrollView | Screen | ScreenManager | ModalView):
        return not owner.__module__.startswith("kivy.")  # the app's own touch code
    if owner is Label:
        return bool(widget.refs)  # a label takes touches only on its [ref] markup
    return owner is not Widget


def _chain(widget):
    while widget is not None and widget is not widget.parent:
        yield widget
        widget = widget.parent


def seen(widget) -> bool:
    """Tell whether the widget is drawn: some size, and no transparent widget around it."""
    opacity = 1.0
    for node in _chain(widget):
        opacity *= node.opacity
    return opacity > 0 and widget.width >= 1 and widget.height >= 1


def in_sight(widget) -> bool:
    """Tell whether the widget's centre is inside the window and every ScrollView around it."""
    from kivy.core.window import Window

    x, y = widget.to_window(*widget.center)
    frames = [(0, 0, Window.width - 1, Window.height - 1)]
    frames += [_rect(view) for view in _scroll_views(widget)]
    return all(left < x < right and bottom < y < top for left, bottom, right, top in frames)


def top_layer():
    """Return what a finger is on: the topmost open dialog, or the app."""
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView

    dialogs = [w for w in Window.children if isinstance(w, ModalView)]
    return dialogs[0] if dialogs else Window.children[-1]


def _window_widgets() -> list:
    from kivy.core.window import Window

    return [w for child in Window.children for w in child.walk(restrict=True)]


# -- the probe


class Probe:
    """Wrap every widget's on_touch_down so one touch can be followed without pressing anything."""

    def __init__(self):
        self.touch, self.hits, self._wrapped = None, [], []

    def __enter__(self):
        from kivy.uix.widget import Widget

        for widget in _window_widgets():
            original = widget.on_touch_down
            control = is_control(widget)

            def down(touch, widget=widget, original=original, control=control):
                if touch is not self.touch:
                    return original(touch)
                if control and not widget.disabled and widget.collide_point(*touch.pos):
                    if not Widget.on_touch_down(widget, touch):  # its children first
                        self.hits.append(widget)
                    return True
                taken = original(touch)
                if taken:
                    self.hits.append(widget)
                return taken

            widget.on_touch_down = down
            self._wrapped.append(widget)
        return self

    def __exit__(self, *_exc):
        for widget in self._wrapped:
            widget.__dict__.pop("on_touch_down", None)
        self._wrapped = []

    def taker(self, widget):
        """Touch the widget's centre; return the deepest widget that took it (None: nothing)."""
        from kivy.base import EventLoop
        from kivy.uix.scrollview import ScrollView

        x, y = widget.to_window(*widget.center)
        self.touch, self.hits = _finger()(x, y), []

        def taken():  # the deepest taker: no other taker below it, a ScrollView only waits
            hits = self.hits
            deepest = [w for w in hits if not any(h is not w and _under(h, w) for h in hits)]
            return next((w for w in deepest if not isinstance(w, ScrollView)), None)

        EventLoop.post_dispatch_input("begin", self.touch)
        # A ScrollView keeps a still touch for its timeout (and 3 frames) before handing it on;
        # on a loaded machine those frames come late, so wait for a taker rather than a fixed
        # time (a touch that reaches nothing costs the whole wait, a hit returns at once).
        try:
            pump(lambda: taken() is not None, timeout=3)
        except AssertionError:
            pass
        EventLoop.post_dispatch_input("end", self.touch)
        self.touch = None
        return taken() or (self.hits[0] if self.hits else None)


def _under(widget, ancestor) -> bool:
    """Tell whether a widget is the ancestor or inside it."""
    return any(node is ancestor for node in _chain(widget))


def probe(app, role: str, what: str) -> int:
    """Touch every control a finger can see on what is on show; fail on any that a touch misses."""
    settle(app.root)  # no dialog still fading in or out
    layer = top_layer()
    if layer is app.root:
        VISITED.setdefault(role, set()).add(app.root.ids.sm.current)
        settle(app.root.ids.sm.current_screen)
    hidden = [w for w in layer.walk(restrict=True) if is_control(w) and not seen(w)]
    assert not hidden, f"{what}: controls hidden but still in the tree: " + ", ".join(
        describe(w) for w in hidden
    )
    targets = [w for w in layer.walk(restrict=True) if is_control(w) and not w.disabled]
    missed, count = [], 0
    with Probe() as finger:
        for widget in targets:
            if widget.get_root_window() is None:
                continue  # the walk itself never changes the tree, but be exact
            scroll_into_view(widget)
            if not (seen(widget) and in_sight(widget)):
                continue
            count += 1
            got = finger.taker(widget)
            if got is None or not _under(got, widget):
                x, y = widget.to_window(*widget.center)
                missed.append(
                    f"{describe(widget)} at ({x:.0f}, {y:.0f}) -> "
                    f"{describe(got) if got is not None else 'nothing'}"
                )
    assert not missed, f"{what}: touches that miss their control:\n  " + "\n  ".join(missed)
    assert count, f"{what}: no control to touch"
    PROBED[role] = PROBED.get(role, 0) + count
    SHOWN.add(what)
    return count


# -- helpers to move around as a person does


def screen(app, name=None):
    """Return a screen by name, or the one on show."""
    return app.root.ids.sm.get_screen(name) if name else app.root.ids.sm.current_screen


def open_screen(app, name: str) -> None:
    """Wait until a screen is on show and its background calls are done."""
    pump(lambda: app.root.ids.sm.current == name and idle(app), what=f"the {name} screen")


def go_tab(app, name: str) -> None:
    """Tap a tab of the bottom bar."""
    tap(next(t for t in app.root.ids.tabs.children if t.target == name))
    open_screen(app, name)


def close(dialog) -> None:
    """Close a dialog the way its Cancel does, and wait until it is gone."""
    from kivy.core.window import Window

    dialog.dismiss()
    pump(lambda: dialog not in Window.children, timeout=5, what="the dialog to close")


def chip(group, value: str):
    """Return a ChipGroup's chip by value."""
    return next(c for c in group.children if c.value == value)


def sign_in(app, server_url: str, email: str, password: str, home: str) -> None:
    """Sign out if signed in, type into the sign-in form and tap the button; wait for home."""
    if app.role:
        app.sign_out()
        open_screen(app, "signin")
    form = screen(app, "signin")
    form.ids.server.text, form.ids.email.text, form.ids.password.text = server_url, email, password
    tap(form.ids.submit)
    open_screen(app, home)
    pump(lambda: idle(app) and app.store.pending_count() == 0, what="the first sync")


def today_cards(app):
    """Return Today's exercise cards, top to bottom."""
    today = screen(app, "today")
    pump(lambda: today.view is not None, what="the plan from the first sync")
    return [c for c in reversed(today.ids.groups.children) if hasattr(c, "item")]


def button(root, text: str):
    """Return the first button with this text in the tree under `root`."""
    return next(w for w in root.walk(restrict=True) if getattr(w, "text", None) == text)


# -- the tours


def urgent_advice(app, role: str, what: str, back: str) -> None:
    """Answer yes to an emergency sign on the check on show; probe the advice; close it."""
    check = screen(app)
    tap(next(c for c in check.cards["saddle_numbness"].ids.chips.children if c.text == "Yes"))
    open_screen(app, "urgent")
    probe(app, role, what)
    tap(screen(app).ids.close)
    open_screen(app, back)


def test_signed_out_the_sign_in_screen_is_reachable(stride_app):
    app = stride_app
    probe(app, "signed out", "sign-in")
    form = screen(app, "signin")
    tap(form.ids.advanced)
    probe(app, "signed out", "sign-in, advanced settings open")
    tap(form.ids.reveal_password)
    probe(app, "signed out", "sign-in, password shown")
    tap(form.ids.reveal_password)
    tap(form.ids.advanced)
    # The activation form: the clinic's code and a new password.
    email_before, form.ids.email.text = form.ids.email.text, "reach.activate@example.org"
    tap(form.ids.activate)
    open_screen(app, "password")
    probe(app, "signed out", "the activation form")
    tap(screen(app).ids.back)
    open_screen(app, "signin")
    form.ids.email.text = email_before
    # The red-flag check without an account, and its urgent advice.
    tap(form.ids.safety_check)
    open_screen(app, "redflag")
    probe(app, "signed out", "the red-flag check, signed out")
    urgent_advice(app, "signed out", "the urgent advice, signed out", "signin")


EXERCISE_MODES = {"hold": "running", "rest": "resting", "reps": "a set of reps"}


def exercise_modes(app, role: str, exercise) -> None:
    """Tap an exercise through to its end, probing each mode of the screen the first time."""
    from mobile.core.formatting import plural

    probe(app, role, "the exercise")  # before the first set: pain before, Start
    tap(exercise.ids.toggle)  # Start, or "Set done" on an untimed set
    seen, ended = set(), False
    while exercise.mode != "finish":
        mode = exercise.mode
        if mode not in seen:
            seen.add(mode)
            probe(app, role, f"the exercise, {EXERCISE_MODES[mode]}")
            if mode == "hold":
                tap(exercise.ids.toggle)
                probe(app, role, "the exercise, paused")
                tap(exercise.ids.toggle)
        if exercise.timer.sets_completed and not ended:  # a set is done: it can end here
            if exercise.mode in ("hold", "rest"):
                tap(exercise.ids.toggle)
            tap(exercise.ids.end_early)
            probe(app, role, "the exercise, ended early")
            tap(exercise.ids.carry_on)
            ended = True
        # "Next" / "Skip rest" on the clock; "Set done" or "Continue" otherwise.
        timed = exercise.mode in ("hold", "rest")
        tap(exercise.ids.skip if timed else exercise.ids.toggle)
    due = exercise.item.sets_due
    assert exercise.ids.save.text == f"Save: {due} of {plural(due, 'set')} done"
    probe(app, role, "the exercise, finished")


def today_modes(app, role: str) -> None:
    """Probe Today's own modes: a plan change told, Undo, the phase's points, the week, a reason."""
    today = screen(app, "today")
    if today.revision_notes:
        probe(app, role, "Today, a plan change told")
        tap(today.ids.revision_seen)
    card = next(c for c in today_cards(app) if not c.item.is_neural_glide)
    tap(button(card, "Done"))
    pump(lambda: idle(app) and card.undoable, what="the Undo of a Done")
    probe(app, role, "Today, Done can be undone")
    if card.undoable:  # the probe may outlast the window: then the Done is kept, as it would be
        tap(button(card, "Undo"))
    if today.has_restrictions:
        tap(today.ids.important)
        probe(
            app, role, f"Today, the phase's points {'shown' if today.important_open else 'folded'}"
        )
        tap(today.ids.important)
    tap(today.ids.week)
    open_screen(app, "week")
    probe(app, role, "the week ahead")
    tap(app.root.ids.back)
    open_screen(app, "today")
    tap(button(card, "Skip"))
    tap(
        next(
            b
            for b in open_dialog("ChoiceDialog").ids.options.children
            if b.text == "Another reason"
        )
    )
    probe(app, role, "the skip reason box")
    close(open_dialog("ReasonDialog"))


def patient_day(app, role: str) -> None:
    """Probe Today, its dialogs, the exercise screen and its stop dialog, and the tabs."""
    probe(app, role, "Today")
    today_modes(app, role)
    tap(app.root.ids.reminder_times)
    open_screen(app, "reminders")
    probe(app, role, "the reminder times")
    tap(app.root.ids.back)
    open_screen(app, "today")
    cards = today_cards(app)
    first = cards[0]
    many = [c for c in cards if c.item.sets_due > 2]  # of two sets, one was done: no question
    if many:
        tap(button(many[0], "Partial"))
        probe(app, role, "the partial dialog")
        close(open_dialog("ChoiceDialog"))
    tap(button(first, "Skip"))
    probe(app, role, "the skip dialog")
    close(open_dialog("ChoiceDialog"))
    # Several sets if there are: the finish panel of a session ended early is reached too.
    tap(button(many[0] if many else first, "Start"))
    open_screen(app, "exercise")
    exercise_modes(app, role, screen(app))
    tap(app.root.ids.back)
    open_screen(app, "today")
    first = today_cards(app)[0]
    tap(button(first, "Start"))
    open_screen(app, "exercise")
    exercise = screen(app)
    tap(exercise.ids.stop_button)
    probe(app, role, "the stop dialog")
    dialog = open_dialog("ChoiceDialog")
    review = [s.text for s in first.item.stop_if if s.level == "review"]
    if review:  # the stopped panel; an urgent sign would leave for the urgent screen
        tap(next(b for b in dialog.ids.options.children if b.text == review[0]))
        probe(app, role, "the exercise, stopped")
        tap(exercise.ids.back_today)
        open_screen(app, "today")
    else:
        close(dialog)
    go_tab(app, "pain")
    probe(app, role, "the pain check-in")
    go_tab(app, "redflag")
    probe(app, role, "the red-flag check")
    go_tab(app, "progress")
    probe(app, role, "progress")
    go_tab(app, "today")


def change_the_plan(who: dict) -> None:
    """Have the physio change the patient's plan, as the adjust dialog does (Today tells it)."""
    schedule = who["physio"].get(f"/plans/{who['plan']['id']}/schedule")
    session = next(s for day in schedule["days"] for s in day["sessions"])
    dose = {"reps": session["dose"]["reps"] + 1}
    who["physio"].patch(
        f"/plans/{who['plan']['id']}",
        {
            "reason": "Steady progress: a little more each time.",
            "operations": [{"op": "set_dose", "exercise_id": session["exercise_id"], "dose": dose}],
        },
    )


def test_a_patient_reaches_every_control(stride_app, live_server, people, offline):
    app = stride_app
    change_the_plan(people["patient"])
    sign_in(app, live_server.url, people["patient"]["email"], PASSWORD, "today")
    patient_day(app, "patient")
    outcome_questions(app, "patient", "start_lefs", "the LEFS")
    # A yes on the red-flag check: the urgent screen, then Today in its episode mode.
    go_tab(app, "redflag")
    urgent_advice(app, "patient", "the urgent advice", "today")
    probe(app, "patient", "Today during an episode")
    tap(screen(app).ids.had_care)
    probe(app, "patient", "the had-care dialog")
    close(open_dialog("ChoiceDialog"))
    signing_out_with_an_entry_not_sent(app, offline)


def outcome_questions(app, role: str, start: str, what: str) -> None:
    """Open a questionnaire from its Today card, probe every chip, and go back to Today."""
    tap(screen(app, "today").ids[start])
    open_screen(app, "outcome")
    probe(app, role, what)
    tap(app.root.ids.back)
    open_screen(app, "today")


def test_a_patient_a_month_in_reaches_the_global_impression(stride_app, live_server, people):
    app = stride_app
    sign_in(app, live_server.url, people["month"]["email"], PASSWORD, "today")
    probe(app, "month patient", "Today with both questionnaires due")
    outcome_questions(app, "month patient", "start_pgic", "the global impression of change")


def signing_out_with_an_entry_not_sent(app, offline) -> None:
    """Probe the warning that signing out with an entry the server has not got brings up."""
    from mobile.core.today import log_pain

    offline(True)
    log_pain(app.store, app.local_today(), 2, "rest")  # setting the scene, offline
    app.changed()
    pump(lambda: idle(app) and app.engine.failures, what="the failed sync")
    tap(app.root.ids.sign_out)
    probe(app, "patient", "the sign-out warning")
    close(open_dialog("ChoiceDialog"))
    offline(False)
    app.sync.request()
    pump(lambda: idle(app) and app.store.pending_count() == 0, what="the entry sent")


def test_a_post_operative_patient_reaches_every_control(stride_app, live_server, people):
    app = stride_app
    sign_in(app, live_server.url, people["postop"]["email"], PASSWORD, "today")
    patient_day(app, "post-op patient")
    tap(screen(app).ids.start_postop)
    open_screen(app, "postop")
    probe(app, "post-op patient", "the post-operative check")


def still_there_yesterday(live_server, who: dict) -> None:
    """Log yesterday's glide as "still there" from the patient's other phone, 25 hours ago."""
    import uuid
    from datetime import UTC, datetime, timedelta

    from mobile.core.api import ApiClient

    moment = datetime.now(UTC) - timedelta(hours=25)
    day = moment.date().isoformat()
    plan_id = who["plan"]["id"]
    [yesterday] = who["physio"].get(f"/plans/{plan_id}/schedule", **{"from": day, "to": day})[
        "days"
    ]
    glide = next(s for s in yesterday["sessions"] if s["category"] == "neural_glide")
    phone = ApiClient(live_server.url)
    phone.sign_in(who["email"], PASSWORD)
    sets = glide["dose"]["sets"]
    phone.post(
        f"/patients/{who['id']}/exercise-logs",
        {
            "id": str(uuid.uuid4()),
            "plan_id": plan_id,
            "exercise_id": glide["exercise_id"],
            "local_date": day,
            "slot": glide["slot"],
            "sets_done": sets,
            "sets_due": sets,
            "status": "done",
            "nerve_symptoms": "ongoing",
            "recorded_at": moment.isoformat(),
        },
    )


def test_a_patient_with_nerve_glides_reaches_the_follow_up_and_the_glide_question(
    stride_app, live_server, people
):
    app = stride_app
    still_there_yesterday(live_server, people["glider"])
    sign_in(app, live_server.url, people["glider"]["email"], PASSWORD, "today")
    today = screen(app, "today")
    pump(lambda: today.followups_due, what="the nerve follow-up")
    probe(app, "glide patient", "Today with a nerve follow-up")
    glide = next(c for c in today_cards(app) if c.item.is_neural_glide)
    tap(button(glide, "Done"))
    probe(app, "glide patient", "the question after a glide")
    close(open_dialog("ChoiceDialog"))


def physio_enrols(app) -> None:
    """Probe the new-patient form and result, a detail without a plan, the assign dialog."""
    import uuid

    tap(screen(app).ids.new_patient)
    form = open_dialog("NewPatientDialog")
    probe(app, "physio", "the new-patient form")
    form.ids.display_name.text = "Noor Reach"
    form.ids.email.text = f"noor.reach.{uuid.uuid4().hex[:8]}@example.org"
    tap(form.ids.create)
    pump(lambda: form.mode == "created" and idle(app), what="the new account")
    probe(app, "physio", "the new patient's activation code")
    tap(form.ids.done)
    open_screen(app, "patients")
    tap(next(r for r in reversed(screen(app).ids.rows.children) if r.name == "Noor Reach"))
    open_screen(app, "patient")
    pump(lambda: screen(app).data and idle(app), what="the patient detail")
    probe(app, "physio", "the patient detail without a plan")
    tap(screen(app).ids.assign)
    assign = open_dialog("AssignDialog")
    pump(lambda: assign.protocol_choices and idle(app), what="the protocols")
    probe(app, "physio", "the assign dialog")
    tap(chip(assign.ids.protocol, "hamstring-repair"))
    probe(app, "physio", "the assign dialog: post-operative")
    close(assign)
    tap(app.root.ids.back)
    open_screen(app, "patients")


def test_a_physio_reaches_every_control(stride_app, live_server, people):
    app = stride_app
    sign_in(app, live_server.url, DEMO_PHYSIO, DEMO_PASSWORD, "patients")
    probe(app, "physio", "the patients")
    physio_enrols(app)
    rows = list(reversed(screen(app).ids.rows.children))
    tap(next(r for r in rows if r.name == "Robin Reach"))
    open_screen(app, "patient")
    pump(lambda: screen(app).data, what="the patient detail")
    probe(app, "physio", "the patient detail")
    detail = screen(app)
    tap(detail.ids.adjust)
    adjust = open_dialog("AdjustDialog")
    for op, _label in adjust.ops:
        tap(chip(adjust.ids.op, op))
        probe(app, "physio", f"the adjust dialog: {op}")
    tap(chip(adjust.ids.op, "set_dose"))
    tap(chip(adjust.ids.duration, "2"))
    probe(app, "physio", "the adjust dialog: a dose for two weeks")
    close(adjust)
    go_tab(app, "alerts")
    probe(app, "physio", "the alerts")
    tap(next(r for r in reversed(screen(app).ids.rows.children) if r.patient == "Robin Reach"))
    open_screen(app, "alert")
    pump(lambda: screen(app).rationale, what="the alert")
    probe(app, "physio", "an alert")


def test_a_clinician_reaches_every_control(stride_app, live_server, people):
    app = stride_app
    sign_in(app, live_server.url, DEMO_CLINICIAN, DEMO_PASSWORD, "alerts")
    probe(app, "clinician", "the alerts")
    tap(next(r for r in reversed(screen(app).ids.rows.children) if r.patient == "Robin Reach"))
    open_screen(app, "alert")
    alert = screen(app)
    pump(lambda: alert.rationale and alert.patient, what="the alert")
    probe(app, "clinician", "an alert")
    tap(alert.ids.decide)
    decision = open_dialog("DecisionDialog")
    probe(app, "clinician", "the decision dialog")
    close(decision)
    clinician_decides_a_failed_trial(app, live_server, people["pudendal"])
    tap(alert.ids.record)
    open_screen(app, "event")
    event = screen(app)
    for kind in [c.value for c in reversed(event.ids.kind.children)]:
        tap(chip(event.ids.kind, kind))
        probe(app, "clinician", f"the record-result form: {kind}")
    # The modes that open more of the form: palpation's sites, an "other" target's words,
    # the Nantes line once a criterion is answered, the "Still needed" line.
    tap(chip(event.ids.kind, "exam_finding"))
    tap(chip(event.ids.exam_test, "palpation"))
    probe(app, "clinician", "the record-result form: palpation and its sites")
    tap(chip(event.ids.kind, "guided_injection"))
    tap(chip(event.ids.target, "other"))
    probe(app, "clinician", "the record-result form: an injection at another target")
    tap(chip(event.ids.kind, "intake"))
    tap(chip(event.nantes_rows["worse_sitting"].ids.chips, "yes"))
    probe(app, "clinician", "the record-result form: the intake with a Nantes answer")
    tap(event.ids.save)
    probe(app, "clinician", "the record-result form: what is still needed")
    date_picker(app, event.ids.date)
    go_tab(app, "patients")
    probe(app, "clinician", "the patients")
    rows = list(reversed(screen(app).ids.rows.children))
    tap(next(r for r in rows if r.name == "Robin Reach"))
    open_screen(app, "patient")
    pump(lambda: screen(app).data, what="the patient detail")
    probe(app, "clinician", "the patient detail")


def open_alert_by_id(app, alert_id: int):
    """Tap an alert in the queue (once the queue shows it); wait until it has loaded."""
    go_tab(app, "alerts")
    queue = screen(app)
    pump(lambda: any(r.alert["id"] == alert_id for r in queue.ids.rows.children), what="queue")
    tap(next(r for r in reversed(queue.ids.rows.children) if r.alert["id"] == alert_id))
    open_screen(app, "alert")
    alert = screen(app)
    pump(lambda: alert.alert.get("id") == alert_id and alert.patient, what="the alert")
    return alert


def clinician_decides_a_failed_trial(app, live_server, who) -> None:
    """Probe the decision dialog with and without a review date, and an alert with a chain."""
    first = raise_failed_trial(live_server, who)
    alert = open_alert_by_id(app, first)
    probe(app, "clinician", "a failed-trial alert")
    tap(alert.ids.decide)
    decision = open_dialog("DecisionDialog")
    tap(chip(decision.ids.decision, "refer_decompression"))
    probe(app, "clinician", "the decision dialog: no review date")
    tap(chip(decision.ids.decision, "continue_conservative"))
    probe(app, "clinician", "the decision dialog: a review date")
    date_picker(app, decision.ids.review_on)
    decision.ids.note.text = "Six more weeks of down-training."
    tap(decision.ids.save)
    pump(lambda: alert.status == "decided", what="the decision")
    again = raise_failed_trial_again(live_server, first)
    alert = open_alert_by_id(app, again)
    pump(lambda: alert.chain_text, what="the chain")
    probe(app, "clinician", "an alert raised again, with its chain")
    go_tab(app, "alerts")
    tap(next(r for r in reversed(screen(app).ids.rows.children) if r.patient == "Robin Reach"))
    open_screen(app, "alert")
    pump(lambda: alert.patient and alert.alert.get("id") not in (first, again), what="back")


def date_picker(app, field) -> None:
    """Probe a date field's picker: this month (later days are text), an earlier one, a day."""
    tap(field)
    picker = open_dialog("DatePickerDialog")
    probe(app, "clinician", "the date picker")
    tap(picker.ids.prev_month)
    probe(app, "clinician", "the date picker, an earlier month")
    tap(next(c for c in picker.ids.grid.children if type(c).__name__ == "DayButton"))
    probe(app, "clinician", "the date picker, a day chosen")
    close(picker)


def test_the_tours_opened_every_screen_of_the_shell(stride_app):
    from mobile.screens.shell import SCREENS, TABS

    for role in ("patient", "post-op patient", "physio", "clinician"):
        tabs = TABS["patient" if "patient" in role else role]
        assert {name for name, _label in tabs} <= VISITED.get(role, set()), role
    opened = set().union(*VISITED.values())
    assert opened == set(SCREENS), f"screens no tour opens: {sorted(set(SCREENS) - opened)}"
    assert set(stride_app.root.ids.sm.screen_names) <= opened
    assert "the partial dialog" in SHOWN, "no tour had an exercise of three sets or more"
    assert "the exercise, stopped" in SHOWN, "no tour stopped an exercise for a review sign"
    assert "the date picker, a day chosen" in SHOWN, "no tour opened the date picker"
    for what in (
        "Today, a plan change told",
        "Today, Done can be undone",
        "Today with a nerve follow-up",
        "the question after a glide",
        "the skip reason box",
        "the LEFS",
        "the global impression of change",
        "the decision dialog: no review date",
        "the decision dialog: a review date",
        "an alert raised again, with its chain",
    ):
        assert what in SHOWN, f"no tour showed {what}"
    for mode in ("finished", "ended early", "paused", "resting"):
        assert f"the exercise, {mode}" in SHOWN, f"no tour showed the exercise {mode}"
    print("controls probed per role:", PROBED)
