"""Field helpers shared by the API schemas."""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import available_timezones

from marshmallow import ValidationError, fields, validate

Nprs = fields.Integer(validate=validate.Range(0, 10))
# Ids are 32-bit integer columns on PostgreSQL: a larger number would overflow the query (a 500).
MAX_ID = 2**31 - 1
# Care happens between these dates; beyond them a date is a typo or a probe, and date arithmetic
# near year 9999 overflows.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
# The same window for moments: converting year 1 or 9999 to UTC can overflow.
SANE_MOMENT = validate.Range(
    datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC), max_inclusive=False
)


class YesNo(fields.Boolean):
    """A boolean that takes JSON true/false only: not "yes", "true", 1 or 0 (1 == True)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def yes_no(**kwargs) -> fields.Boolean:
    """Return a strict true/false field."""
    return YesNo(**kwargs)


class WholeNumber(fields.Integer):
    """An integer that refuses 2.5 instead of truncating it to 2 (marshmallow's default)."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


def id_field(**kwargs) -> fields.Integer:
    """Return an integer field for a record id (1..MAX_ID)."""
    return WholeNumber(validate=validate.Range(1, MAX_ID), **kwargs)


class Day(fields.Date):
    """A calendar date between FIRST_DAY and LAST_DAY."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, _within_care_dates)


def past_day(value: date) -> None:
    """Refuse a day after today (a date of birth); a day of leeway covers every time zone."""
    if value > date.today() + timedelta(days=1):
        raise ValidationError("Must not be in the future.")


def _within_care_dates(value: date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(f"Must be between {FIRST_DAY} and {LAST_DAY}.")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    """Refuse a name that is not an IANA time zone."""
    if value not in _zones():
        raise ValidationError("Not a known IANA time zone (e.g. 'Europe/London').")


def nonblank(max_length: int) -> validate.Validator:
    """Return a validator for a required, non-empty text of bounded length."""
    return validate.And(
        validate.Length(min=1, max=max_length),
        validate.Regexp(r"\S", error="Must not be blank."),
    )
