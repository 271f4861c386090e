"""Where the exercise screen puts the figure: the arrangement that draws it largest (pure).

mobile.core.stage imports no Kivy: a test module that did would open the window at collection,
before the screen tests set its size and display.
"""

import pytest

from mobile.core.stage import arrange, one_line

STANDING, LYING = (0.6, 1.1), (1.1, 0.45)  # frames (width, height) of domain figures
GAPS = {"gap": 14, "row_gap": 8}  # dp(14) and dp(8) at a density of 1, as on the desktop
PHONE = {"width": 368, "room": 286, "ring": 166, "text_w": 140, "under_h": 0, **GAPS}
TABLET = {"width": 708, "room": 220, "ring": 144, "text_w": 140, "under_h": 0, **GAPS}


def test_on_a_phone_a_standing_figure_goes_beside_the_ring_and_a_lying_one_across_the_card():
    standing, lying = arrange(**PHONE, frame=STANDING), arrange(**PHONE, frame=LYING)
    assert standing.place == "beside" and lying.place == "above"
    # Beside: as tall as the room; across: the whole width.
    assert standing.stage == pytest.approx((368 - 166 - 14, 286))
    assert lying.stage[0] == 368 and lying.row_h == 166
    assert standing.height <= PHONE["room"] and lying.height <= PHONE["room"]


def test_on_a_tablet_a_standing_figure_goes_in_the_ring_and_texts_row_at_the_full_room():
    chosen = arrange(**TABLET, frame=STANDING)
    assert chosen.place == "wide"
    assert chosen.stage == pytest.approx((708 - 144 - 140 - 28, 220))
    assert chosen.scale == pytest.approx(220 / 1.1)


def test_the_figure_fills_its_box_at_the_scale_it_is_drawn():
    for sizes in (PHONE, TABLET, dict(PHONE, room=120, width=308, ring=120)):
        for frame in (STANDING, LYING, (1.0, 1.0)):
            chosen = arrange(**sizes, frame=frame)
            w, h = chosen.stage
            assert chosen.scale == pytest.approx(min(w / frame[0], h / frame[1]))
            assert chosen.scale > 0, (sizes, frame)


def test_with_no_room_beside_or_above_the_figure_keeps_the_rings_height():
    # A small phone with the steps' share taken: the figure beside the ring, as high as it.
    chosen = arrange(width=308, room=60, ring=120, text_w=140, under_h=0, frame=STANDING, **GAPS)
    assert chosen.place == "beside" and chosen.row_h == 120 and chosen.stage[1] == 120


def test_text_under_the_row_that_the_pain_score_does_not_make_room_for_is_taken_off_the_room():
    chosen = arrange(**dict(PHONE, under_h=20), frame=STANDING)
    assert chosen.place == "beside" and chosen.stage[1] == pytest.approx(286 - 20)
    assert chosen.height == pytest.approx(286)


def test_no_figure_leaves_the_ring_and_its_text():
    chosen = arrange(**PHONE, frame=None)
    assert (chosen.place, chosen.stage, chosen.height) == ("none", (0.0, 0.0), 166)


def test_the_step_under_the_row_reads_on_one_line():
    assert one_line("Hold 2 of 15\nSet 1 of 3") == "Hold 2 of 15 · Set 1 of 3"
    assert one_line("Rest 1 min") == "Rest 1 min"
