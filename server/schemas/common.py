"""Field helpers shared by the API schemas."""

from functools import lru_cache
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

Nprs = fields.Integer(validate=validate.Range(0, 10))
PAGE_LIMIT = 1000


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    """Refuse a name that is not an IANA time zone."""
    if value not in _zones():
        raise ValidationError("Not a known IANA time zone (e.g. 'Europe/London').")


class DateRangeArgs(Schema):
    """Query arguments `from` and `to` (inclusive local dates)."""

    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")


def nonblank(max_length: int) -> validate.Validator:
    """Return a validator for a required, non-empty text of bounded length."""
    return validate.And(
        validate.Length(min=1, max=max_length),
        validate.Regexp(r"\S", error="Must not be blank."),
    )
