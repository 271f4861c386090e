"""The LEFS and the PGIC in a real Kivy window, against the real server.

Today offers each when it is due; the patient answers by tapping the chips where they are drawn,
saves, and the card goes; the answers reach the server, which scores them itself.
"""

import pytest

from domain import outcomes
from tests.mobile.conftest_ui import idle, on_screen, pump, stride_app, tap, the, x_display
from tests.mobile.test_screens import PASSWORD, logs, make_patient, screen, sign_in, synced

__all__ = ["stride_app", "x_display"]  # fixtures used by name below


@pytest.fixture(scope="module")
def patient(live_server):
    """A deep gluteal patient five weeks in: the LEFS and the global impression are both due."""
    return make_patient(live_server, "Lee Outcomes", "piriformis-neural-gliding", 35)


def today(app):
    page = screen(app, "today")
    pump(lambda: page.view is not None and idle(app), what="the plan from the first sync")
    return page


def chip(card, text: str):
    return the(card, text, "ChoiceChip")


def test_the_lefs_is_answered_by_taps_and_reaches_the_server(stride_app, live_server, patient):
    sign_in(stride_app, live_server.url, patient["email"], PASSWORD)
    pump(lambda: stride_app.root.ids.sm.current == "today" and synced(stride_app))
    page = today(stride_app)
    assert page.lefs_due and page.pgic_due
    tap(page.ids.start_lefs)
    pump(lambda: stride_app.root.ids.sm.current == "outcome", what="the questionnaire")
    form = screen(stride_app, "outcome")
    assert [c.text for c in form.cards] == list(outcomes.LEFS_ITEMS)
    tap(form.ids.save)
    assert (
        form.error
        == f"Please answer every question: 20 left ({', '.join(map(str, range(1, 21)))})."
    )
    # "A little" for the first 10 activities, "Moderate" for the rest: 10 x 3 + 10 x 2 = 50.
    for number, card in enumerate(form.cards, start=1):
        tap(chip(card, "A little" if number <= 10 else "Moderate"))
    assert form.answered == 20
    tap(form.ids.save)
    pump(lambda: stride_app.root.ids.sm.current == "today", what="back on Today")
    page = today(stride_app)
    assert page.notice.startswith("Thank you. Your answers are saved")
    assert not page.lefs_due and not on_screen(page, "Answer the 20 questions"), "the card went"
    pump(lambda: synced(stride_app), what="the answers sent")
    [row] = logs(patient, "outcome-measures").values()
    assert (row["instrument"], row["score"]) == ("lefs", 50)
    assert row["answers"] == [3] * 10 + [2] * 10


def test_the_global_impression_is_one_tap_and_reaches_the_server(stride_app, patient):
    page = today(stride_app)
    tap(page.ids.start_pgic)
    pump(lambda: stride_app.root.ids.sm.current == "outcome", what="the PGIC")
    form = screen(stride_app, "outcome")
    assert [t for _v, t in form.cards[0].ids.chips.choices] == [
        w for _v, w in outcomes.PGIC_ANSWERS
    ]
    tap(chip(form.cards[0], "Much improved"))
    tap(form.ids.save)
    pump(lambda: stride_app.root.ids.sm.current == "today", what="back on Today")
    page = today(stride_app)
    assert not page.pgic_due and not on_screen(page, "Answer one question")
    pump(lambda: synced(stride_app), what="the answer sent")
    pgic = [r for r in logs(patient, "outcome-measures").values() if r["instrument"] == "pgic"]
    assert [(r["answers"], r["score"]) for r in pgic] == [([2], 2)]
