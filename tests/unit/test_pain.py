"""Pain trend: per-day medians, baseline vs current windows, clinically important change."""

from datetime import date, timedelta

import pytest

from domain.history import PainEntry
from domain.pain import clinically_important_change, daily_medians, pain_trend
from domain.ruleset import DEFAULT_THRESHOLDS as THR
from domain.ruleset import thresholds_for

START = date(2026, 1, 5)


def day(n):
    return START + timedelta(days=n)


def logs(first, last, nprs, context="rest"):
    """Log one pain score on every day from plan day `first` to `last` inclusive."""
    return [PainEntry(day(n), nprs, context) for n in range(first, last + 1)]


@pytest.mark.parametrize(
    ("baseline", "current", "improved", "worse"),
    [
        # Ostelo 2008: 2 points OR 30 % (rule set 2026.4; 2026.3 needed both).
        (8, 6, True, False),  # 2 points (25 %)
        (6, 3, True, False),  # 3 points, 50 %
        (6, 4, True, False),  # 2 points, 33 %
        (7, 5, True, False),  # 2 points (28.6 %)
        (10, 7, True, False),  # exactly 3 points and exactly 30 %
        (10, 8.5, False, False),  # 1.5 points, 15 %: neither
        (10, 8, True, False),  # exactly 2 points (20 %)
        (5, 3.5, True, False),  # exactly 30 % (1.5 points)
        (8, 6.5, False, False),  # 1.5 points, 18.75 %
        (3, 2.5, False, False),  # 0.5 points, 16.7 %
        (2, 0, True, False),  # both thresholds met from a low baseline
        (0, 0, False, False),  # no improvement possible from 0
        (4, 6, False, True),  # exactly +2
        (4, 5.5, False, False),
        (3, 1.5, True, False),  # 50 % (1.5 points)
        (None, 4, False, False),
        (4, None, False, False),
    ],
)
def test_clinically_important_change(baseline, current, improved, worse):
    assert clinically_important_change(baseline, current, THR) == (improved, worse)


def test_change_thresholds_come_from_the_protocol():
    lenient = thresholds_for({"mcid_points": 1, "mcid_percent": 10})
    assert clinically_important_change(8, 7, lenient).improved
    assert not clinically_important_change(8, 7, THR).improved


def test_each_day_counts_once_whatever_the_number_of_logs():
    entries = [PainEntry(day(0), 9) for _ in range(5)] + logs(1, 2, 2)
    assert daily_medians(entries, day(0), day(6)) == [(day(0), 9.0), (day(1), 2.0), (day(2), 2.0)]
    trend = pain_trend(entries + logs(7, 9, 2), START, day(9), THR)
    assert trend.baseline == 2.0


def test_daily_value_is_the_median_of_that_day():
    entries = [PainEntry(day(0), n) for n in (2, 3, 8, 9)]
    assert daily_medians(entries, day(0), day(0)) == [(day(0), 5.5)]


def test_trend_from_baseline_to_current():
    entries = logs(0, 6, 8) + logs(7, 70, 7) + logs(71, 84, 7)
    trend = pain_trend(entries, START, day(84), THR)
    assert (trend.baseline, trend.current) == (8.0, 7.0)
    assert (trend.n_baseline_days, trend.n_current_days) == (7, 14)
    assert trend.change_points == -1.0
    assert trend.change_percent == pytest.approx(-12.5)
    assert (trend.improved, trend.worse) == (False, False)
    assert trend.baseline_window == (day(0), day(6))
    assert trend.current_window == (day(71), day(84))
    assert [d for d, _ in trend.series] == [day(n) for n in [*range(7), *range(71, 85)]]


def test_logs_before_the_plan_are_not_baseline():
    entries = [PainEntry(START - timedelta(days=1), 10)] + logs(0, 6, 4) + logs(20, 33, 4)
    assert pain_trend(entries, START, day(33), THR).baseline == 4.0


def test_current_window_ends_on_the_given_today():
    entries = logs(0, 6, 8) + logs(30, 43, 8) + logs(44, 57, 3)
    assert pain_trend(entries, START, day(43), THR).current == 8.0
    assert pain_trend(entries, START, day(57), THR).current == 3.0
    assert pain_trend(entries, START, day(57), THR).improved


@pytest.mark.parametrize(
    ("baseline_days_logged", "current_days_logged", "available"),
    [(3, 3, True), (2, 14, False), (7, 2, False), (0, 0, False)],
)
def test_too_little_data_gives_no_trend(baseline_days_logged, current_days_logged, available):
    entries = logs(0, baseline_days_logged - 1, 8) + logs(50, 50 + current_days_logged - 1, 2)
    trend = pain_trend(entries, START, day(63), THR)
    assert trend.available is available
    if not available:
        assert (trend.improved, trend.worse, trend.change_points) == (False, False, None)


def test_current_window_never_overlaps_baseline_early_in_the_plan():
    entries = logs(0, 6, 3) + logs(7, 9, 6)
    trend = pain_trend(entries, START, day(9), THR)
    assert trend.current_window == (day(7), day(9))
    assert (trend.baseline, trend.current, trend.worse) == (3.0, 6.0, True)
    assert pain_trend(entries, START, day(5), THR).current is None


def test_zero_baseline_has_no_percent_change():
    trend = pain_trend(logs(0, 6, 0) + logs(10, 23, 3), START, day(23), THR)
    assert trend.change_percent is None
    assert trend.worse


def test_evidence_is_json_ready():
    evidence = pain_trend(logs(0, 6, 8) + logs(71, 84, 6), START, day(84), THR).as_evidence()
    assert evidence["series"][0] == ["2026-01-05", 8.0]
    assert evidence["current_window"] == [day(71).isoformat(), day(84).isoformat()]
    assert evidence["change_percent"] == -25.0


def test_pain_entry_rejects_out_of_range_scores():
    with pytest.raises(ValueError, match="nprs"):
        PainEntry(START, 11)
    with pytest.raises(ValueError, match="context"):
        PainEntry(START, 3, "jogging")
