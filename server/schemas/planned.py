"""A schema's load and dump, planned once: the same results as marshmallow's, with less work.

marshmallow walks every field through several calls before the field itself loads or formats
the value: on a dump the field's `serialize`, its `get_value`, the schema's `get_attribute`,
`utils.get_value`; on a load an error store, a getter made for each field, `_call_and_store`,
`set_value` and a set of the known keys built again for every object. A sync answer of 20 new
logs has about 500 fields, a push 20 events of 6-8 fields each twice (the envelope, then the
event's schema): those calls were most of their cost.

- `PlannedDump` reads each field's value the way `utils.get_value` does, inline, and formats it
  with the field's own `_serialize` (values a field would return as they are pass through). A
  schema with dump hooks, and a field that reads its value in a way of its own (`Method`,
  `Function`, an overridden `serialize` or `get_value`), go through marshmallow.
- `PlannedLoad` calls each field's own `deserialize` and the schema's `validates_schema`
  methods, and nothing else, on data that has only known keys; at the first refusal
  it loads the data again with marshmallow's `Schema.load`, which then raises the error with
  the messages it always had. A schema with other load hooks, or partial, many or unknown
  settings, is loaded by marshmallow. The schemas stay what says what is valid.
"""

from collections.abc import Callable

from marshmallow import RAISE, Schema, ValidationError, fields
from marshmallow.decorators import (
    POST_DUMP,
    POST_LOAD,
    PRE_DUMP,
    PRE_LOAD,
    VALIDATES,
    VALIDATES_SCHEMA,
)
from marshmallow.error_store import ErrorStore
from marshmallow.utils import get_value, missing, set_value

from server.schemas.common import StrictSchema

_ABSENT = object()
_AS_IS, _TEXT = fields.Field._serialize, fields.String._serialize
_NESTED, _LIST = fields.Nested._serialize, fields.List._serialize


class PlannedDump(StrictSchema):
    """A schema whose `dump` follows a plan made from its fields on the first call."""

    def dump(self, obj, *, many: bool | None = None):
        many = self.many if many is None else bool(many)
        plan = self.__dict__.get("_planned_dump")
        if plan is None:
            plan = self.__dict__["_planned_dump"] = plan_dump(self)
        if many:
            return None if obj is None else [plan(item) for item in obj]
        return plan(obj)


def plan_dump(schema: Schema) -> Callable[[object], dict]:
    """Return a function that dumps one object as `Schema.dump(schema, obj)` would."""
    if (
        schema._hooks[PRE_DUMP]
        or schema._hooks[POST_DUMP]
        or type(schema).get_attribute is not Schema.get_attribute
    ):
        return lambda obj: Schema.dump(schema, obj, many=False)
    steps = [_step(name, field, schema) for name, field in schema.dump_fields.items()]

    def dump(obj) -> dict:
        answer = {}
        for step in steps:
            value = step(obj)
            if value is not missing:
                answer[value[0]] = value[1]
        return answer

    return dump


def _step(name: str, field: fields.Field, schema: Schema) -> Callable[[object], object]:
    """Return what dumps one field of an object: (key, value), or `missing` to leave it out."""
    key = field.data_key if field.data_key is not None else name
    attr = field.attribute if field.attribute is not None else name
    cls = type(field)
    if (
        not field._CHECK_ATTRIBUTE
        or cls.serialize is not fields.Field.serialize
        or cls.get_value is not fields.Field.get_value
    ):

        def through_marshmallow(obj):
            value = field.serialize(name, obj, accessor=schema.get_attribute)
            return missing if value is missing else (key, value)

        return through_marshmallow
    default = field.dump_default
    convert = _converter(field)
    dotted = "." in attr

    def planned(obj):
        if type(obj) is dict and not dotted:  # exactly what obj[attr], then getattr, give
            value = obj.get(attr, _ABSENT)
            if value is _ABSENT:
                value = getattr(obj, attr, missing)
        else:
            value = get_value(obj, attr, missing)
        if value is missing:
            value = default() if callable(default) else default
            if value is missing:
                return missing
        return key, convert(value, attr, obj)

    return planned


def _converter(field: fields.Field) -> Callable[[object, str, object], object]:
    """Return the field's formatting of a value: its `_serialize`, with shortcuts that equal it."""
    cls, serialize = type(field), field._serialize
    if cls._serialize is _AS_IS:  # Boolean, Dict without key or value fields, Raw
        return _as_is
    if cls._serialize is _TEXT:
        return lambda value, attr, obj: (
            value if value is None or type(value) is str else serialize(value, attr, obj)
        )
    if cls._serialize is _NESTED and not field.many:
        return _nested(field)
    if cls._serialize is _LIST and type(field.inner)._serialize is _NESTED:
        if not field.inner.many:
            one = _nested(field.inner)
            return lambda value, attr, obj: (
                None if value is None else [one(each, attr, obj) for each in value]
            )
    return serialize


def _as_is(value, attr, obj):
    return value


def _nested(field: fields.Nested) -> Callable[[object, str, object], object]:
    """Return the dump of one nested object by the nested schema's plan, made on first use."""
    plan = None

    def one(value, attr, obj):
        nonlocal plan
        if plan is None:
            if field.schema.many:
                plan = field._serialize
            else:
                dump = plan_dump(field.schema)
                plan = lambda value, attr, obj: None if value is None else dump(value)  # noqa: E731
        return plan(value, attr, obj)

    return one


class PlannedLoad(StrictSchema):
    """A schema whose `load` (without options) follows a plan made from its fields."""

    def load(self, data, *, many=None, partial=None, unknown=None):
        if many is None and partial is None and unknown is None:
            plan = self.__dict__.get("_planned_load")
            if plan is None:
                plan = self.__dict__["_planned_load"] = plan_load(self)
            return plan(data)
        return super().load(data, many=many, partial=partial, unknown=unknown)


def plan_load(schema: Schema) -> Callable[[object], dict]:
    """Return a function that loads data as `Schema.load(schema, data)` would, or raises as it."""

    def by_marshmallow(data):
        return Schema.load(schema, data)

    hooks = schema._hooks
    if (
        schema.many
        or schema.partial
        or schema.unknown != RAISE
        or hooks[PRE_LOAD]
        or hooks[POST_LOAD]
        or hooks[VALIDATES]
    ):
        return by_marshmallow
    steps = []
    for name, field in schema.load_fields.items():
        key = field.data_key if field.data_key is not None else name
        attr = field.attribute or name
        steps.append((key, attr, "." in attr, field.deserialize))
    known = frozenset(key for key, *_ in steps)
    validated = bool(hooks[VALIDATES_SCHEMA])

    def load(data):
        if type(data) is not dict or not known.issuperset(data):
            return by_marshmallow(data)  # not an object, or a key no field knows: refused
        result = {}
        try:
            for key, attr, dotted, deserialize in steps:
                value = deserialize(data.get(key, missing), key, data)
                if value is missing:
                    continue
                if dotted:
                    set_value(result, attr, value)
                else:
                    result[attr] = value
            if validated and _refused_by_validators(schema, result, data):
                return by_marshmallow(data)
        except ValidationError:
            return by_marshmallow(data)
        return result

    return load


def _refused_by_validators(schema: Schema, result: dict, data: dict) -> bool:
    """Run the schema's `validates_schema` methods as marshmallow does; whether one refused."""
    store = ErrorStore()
    for collection in (True, False):
        schema._invoke_schema_validators(
            error_store=store,
            pass_collection=collection,
            data=result,
            original_data=data,
            many=False,
            partial=None,
            unknown=schema.unknown,
            field_errors=False,
        )
    return bool(store.errors)
