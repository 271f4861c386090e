"""The LEFS and the PGIC: items, scoring, when each is asked, baseline against current."""

from datetime import date, timedelta

import pytest

from domain import outcomes
from domain.outcomes import OutcomeEntry, function_change, lefs_due, pgic_due, score

START = date(2026, 1, 5)


def day(n):
    return START + timedelta(days=n)


def test_lefs_has_its_20_activities_and_5_answers():
    assert len(outcomes.LEFS_ITEMS) == 20
    assert outcomes.LEFS_ITEMS[14] == "Sitting for 1 hour"
    assert [v for v, _ in outcomes.LEFS_ANSWERS] == [0, 1, 2, 3, 4]
    assert outcomes.LEFS_ANSWERS[-1][1] == "No difficulty"
    assert outcomes.LEFS_MAX == 80


def test_lefs_score_is_the_sum_of_all_20_answers():
    assert score("lefs", [4] * 20) == 80
    assert score("lefs", [0] * 20) == 0
    assert score("lefs", [2] * 10 + [3] * 10) == 50


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ([4] * 19, "must have 20 answers; got 19"),
        ([4] * 19 + [5], "answer 20 must be a whole number 0..4"),
        ([4] * 19 + [None], "answer 20 must be a whole number 0..4"),
        ([True] + [4] * 19, "answer 1 must be"),
        ("4" * 20, "must be a list"),
    ],
)
def test_an_incomplete_or_out_of_range_lefs_has_no_score(answers, reason):
    with pytest.raises(ValueError, match=reason):
        score("lefs", answers)


def test_pgic_is_stored_in_guy_order_1_best_7_worst():
    assert outcomes.PGIC_WORDS[1] == "Very much improved"
    assert outcomes.PGIC_WORDS[4] == "No change"
    assert outcomes.PGIC_WORDS[7] == "Very much worse"
    assert score("pgic", [2]) == 2
    for bad in ([0], [8], [], [1, 2]):
        with pytest.raises(ValueError):
            score("pgic", bad)
    with pytest.raises(ValueError, match="instrument must be one of lefs, pgic"):
        score("odi", [1])


def test_lefs_is_due_at_the_start_then_every_14_days():
    assert lefs_due([], START, day(0))
    assert not lefs_due([], START, day(-1))
    done = [OutcomeEntry(day(0), "lefs", 40)]
    assert not lefs_due(done, START, day(13))
    assert lefs_due(done, START, day(14))
    # A LEFS of an earlier plan does not count for this one.
    assert lefs_due([OutcomeEntry(day(-3), "lefs", 40)], START, day(0))


def test_pgic_is_due_from_4_weeks_then_every_4_weeks():
    assert not pgic_due([], START, day(27))
    assert pgic_due([], START, day(28))
    done = [OutcomeEntry(day(30), "pgic", 3)]
    assert not pgic_due(done, START, day(57))
    assert pgic_due(done, START, day(58))


def test_function_change_compares_the_first_and_the_latest_lefs():
    entries = [
        OutcomeEntry(day(0), "lefs", 40),
        OutcomeEntry(day(14), "lefs", 45),
        OutcomeEntry(day(28), "lefs", 49),
        OutcomeEntry(day(28), "pgic", 3),
    ]
    change = function_change(entries, START)
    assert (change.lefs_baseline, change.lefs_current, change.lefs_change) == (40, 49, 9)
    assert change.lefs_improved and change.improved and not change.pgic_improved
    one = function_change(entries[:1], START)
    assert one.measured and one.lefs_change is None and not one.improved
    assert not function_change([], START).measured
