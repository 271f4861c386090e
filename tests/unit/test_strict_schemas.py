"""Every API schema takes JSON types strictly; only query strings convert text to numbers."""

import importlib
import pkgutil

import pytest
from marshmallow import Schema, ValidationError, fields

import server.api
import server.schemas
from server import create_app
from server.schemas.common import QuerySchema, StrictSchema


def _api_schemas() -> list[type]:
    for package in (server.schemas, server.api):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    found, stack = [], [Schema]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith(("server.schemas", "server.api")):
            found.append(cls)
    return found


def test_every_api_schema_derives_from_the_strict_base():
    schemas = _api_schemas()
    assert len(schemas) > 30
    lenient = [s.__name__ for s in schemas if not issubclass(s, StrictSchema)]
    assert lenient == []


def test_query_schemas_are_the_only_ones_that_convert_text():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    seen = set()
    for name, view in app.view_functions.items():
        for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            schema = parameter["schema"]
            seen.add(parameter["in"])
            assert isinstance(schema, QuerySchema) == (parameter["in"] == "query"), name
    assert seen == {"json", "query"}


class _Sample(StrictSchema):
    count = fields.Integer()
    ratio = fields.Float()
    flag = fields.Boolean()
    flags = fields.List(fields.Boolean())
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    shown = fields.Integer(dump_only=True)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"count": "5"}, "count"),
        ({"count": True}, "count"),
        ({"count": 2.5}, "count"),
        ({"ratio": "0.5"}, "ratio"),
        ({"ratio": False}, "ratio"),
        ({"flag": "yes"}, "flag"),
        ({"flag": "true"}, "flag"),
        ({"flag": 1}, "flag"),
        ({"flags": [True, 0]}, "flags"),
        ({"counts": {"a": "1"}}, "counts"),
    ],
)
def test_strict_fields_refuse_other_json_types(data, field):
    with pytest.raises(ValidationError) as refused:
        _Sample().load(data)
    assert list(refused.value.messages) == [field]


def test_strict_fields_take_their_own_json_types_and_leave_the_declared_field_alone():
    loaded = _Sample().load(
        {"count": 5.0, "ratio": 1, "flag": False, "flags": [True], "counts": {"a": 2}}
    )
    assert loaded == {"count": 5, "ratio": 1.0, "flag": False, "flags": [True], "counts": {"a": 2}}
    assert type(_Sample._declared_fields["flag"]) is fields.Boolean
    assert _Sample().dump({"shown": 3}) == {"shown": 3}


def test_query_schemas_still_convert_text():
    class Args(QuerySchema):
        limit = fields.Integer()
        urgent = fields.Boolean()

    assert Args().load({"limit": "5", "urgent": "true"}) == {"limit": 5, "urgent": True}
