"""Pure pieces of the FHIR mapping: local moments, referrals, the dose as a FHIR Timing."""

from datetime import UTC, date, datetime

from domain.protocol import Dose
from server.fhir.careplan import _timing
from server.fhir.codes import is_referral
from server.fhir.common import local_moment


def test_a_moment_is_given_in_local_time_when_it_falls_on_the_local_date():
    moment = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # London changed to summer time at 01:00
    assert local_moment(moment, "Europe/London", date(2026, 3, 29)) == "2026-03-29T00:30:00+00:00"
    later = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert local_moment(later, "Europe/London", date(2026, 3, 29)) == "2026-03-29T02:30:00+01:00"


def test_only_the_local_date_when_the_device_clock_disagrees_or_is_missing():
    moment = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    assert local_moment(moment, "Europe/London", date(2026, 3, 29)) == "2026-03-29"
    assert local_moment(None, "Europe/London", date(2026, 3, 29)) == "2026-03-29"


def test_referrals_are_the_decisions_that_send_the_patient_on():
    for decision in (
        "refer_surgical_review",
        "refer_guided_injection",
        "request_mr_neurography",
        "urgent_surgical_opinion",
        "sent_to_emergency_department",
    ):
        assert is_referral(decision), decision
    for decision in (
        "continue_conservative",
        "adjust_plan",
        "discharge",
        "seen_and_excluded",
        None,
    ):
        assert not is_referral(decision), decision


def test_a_dose_becomes_a_timing_per_day_per_week_or_every_n_days():
    daily = _timing(Dose(sets=2, reps=10, times_per_day=2), None).repeat
    assert (daily.frequency, daily.period, daily.periodUnit) == (2, 1, "d")
    weekly = _timing(Dose(sets=2, reps=10, times_per_day=2, days_per_week=3), None).repeat
    assert (weekly.frequency, weekly.period, weekly.periodUnit) == (6, 1, "wk")
    spaced = _timing(Dose(sets=1, reps=5, every_n_days=2), None).repeat
    assert (spaced.frequency, spaced.period, spaced.periodUnit) == (1, 2, "d")

