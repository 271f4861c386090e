"""Field helpers shared by the API schemas."""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

from domain.schedule import MAX_SCHEDULE_DAYS  # noqa: F401 (re-exported)

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


class StrictSchema(Schema):
    """Base of every API schema: a value sent in JSON must have the JSON type its field names.

    marshmallow converts on load: its Integer and Float take the text "5", its Boolean takes
    "yes", "true", 1 and 0. A device or script that sends those has a bug that must show, not
    be stored, so each loadable field of a subclass is made strict as it is bound (nested lists
    and dicts included): booleans only true/false, numbers only JSON numbers (never text or
    true), integers only whole numbers (2.0 is 2, 2.5 is refused).
    """

    #: False on query-string schemas, whose every value arrives as text and is converted.
    json_types = True

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        if self.json_types and not field_obj.dump_only:
            _make_strict(field_obj)


class QuerySchema(StrictSchema):
    """Base of query-string schemas: the values are text, converted to their fields' types."""

    json_types = False


def _not_boolean(field: fields.Field, value) -> None:
    if not isinstance(value, bool):  # 1 == True, so truthy sets cannot tell them apart
        raise field.make_error("invalid", input=value)


def _not_number(field: fields.Field, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise field.make_error("invalid", input=value)


def _not_integer(field: fields.Field, value) -> None:
    _not_number(field, value)
    if isinstance(value, float) and not value.is_integer():
        raise field.make_error("invalid", input=value)


_STRICT_KINDS = (
    (fields.Boolean, _not_boolean),
    (fields.Integer, _not_integer),
    (fields.Number, _not_number),
)


@lru_cache
def _strict_class(cls: type) -> type:
    """Return a subclass of `cls` that checks the JSON type first (the OpenAPI type is kept)."""
    if getattr(cls, "json_type_checked", False):
        return cls
    for kind, refuse in _STRICT_KINDS:
        if issubclass(cls, kind):

            def _deserialize(self, value, attr, data, _refuse=refuse, _cls=cls, **kwargs):
                _refuse(self, value)
                return _cls._deserialize(self, value, attr, data, **kwargs)

            attributes = {"_deserialize": _deserialize, "json_type_checked": True}
            return type(f"Strict{cls.__name__}", (cls,), attributes)
    return cls


def _make_strict(field_obj: fields.Field) -> None:
    """Make a bound field, and the fields of its items, check JSON types."""
    stack = [field_obj]
    while stack:
        field = stack.pop()
        # A subclass with no state of its own: swapping the class of this schema's copy of
        # the field changes how it loads and nothing else (the declared field is untouched).
        field.__class__ = _strict_class(type(field))
        if isinstance(field, fields.List):
            stack.append(field.inner)
        elif isinstance(field, fields.Tuple):
            stack.extend(field.tuple_fields)
        elif isinstance(field, fields.Mapping) and field.value_field is not None:
            stack.append(field.value_field)  # keys are always text in JSON


def yes_no(**kwargs) -> fields.Boolean:
    """Return a true/false field (strict, as every field of a StrictSchema)."""
    return fields.Boolean(**kwargs)


class WholeNumber(fields.Integer):
    """An integer that refuses 2.5 instead of truncating it to 2 (marshmallow's default)."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


def id_field(**kwargs) -> fields.Integer:
    """Return an integer field for a record id (1..MAX_ID)."""
    return WholeNumber(validate=validate.Range(1, MAX_ID), **kwargs)


# The same window as a pattern, so that the OpenAPI document states it (JSON Schema has no
# minimum for a date): years 1900 to 2199.
DAY_PATTERN = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class Day(fields.Date):
    """A calendar date between FIRST_DAY and LAST_DAY, documented as such."""

    def __init__(self, *, metadata: dict | None = None, **kwargs):
        metadata = dict(metadata or {})
        window = f"{FIRST_DAY} to {LAST_DAY}"
        described = metadata.get("description")
        metadata["description"] = f"{described} ({window})" if described else window
        metadata.setdefault("pattern", DAY_PATTERN)
        super().__init__(metadata=metadata, **kwargs)
        self.validators.insert(0, _within_care_dates)


# For the OpenAPI document of a field that past_day validates.
NOT_FUTURE = "not after today (a day of leeway covers every time zone)"


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


def nonblank(max_length: int) -> list[validate.Validator]:
    """Return the validators of a required, non-blank text of bounded length, as sent.

    A list rather than `validate.And`, so that the OpenAPI document shows them (minLength,
    maxLength and a pattern that needs one character that is not whitespace).
    """
    return [
        validate.Length(min=1, max=max_length),
        validate.Regexp(r"\s*\S", error="Must not be blank."),
    ]


class Trimmed(fields.String):
    """Text checked as sent, then kept without its surrounding whitespace.

    " Knee pain" or a note pasted with a trailing newline is what the person meant; only text
    that is all whitespace is blank. Limits apply to the text as sent, as the OpenAPI document
    states them.
    """

    def deserialize(self, value, attr=None, data=None, **kwargs):
        output = super().deserialize(value, attr, data, **kwargs)
        return output.strip() if isinstance(output, str) else output


def text_field(max_length: int, **kwargs) -> Trimmed:
    """Return a field of non-blank text of at most `max_length` characters, trimmed."""
    return Trimmed(validate=nonblank(max_length), **kwargs)
