"""A planned load and dump (server/schemas/planned.py) give exactly what marshmallow's give."""

import uuid
from datetime import UTC, date, datetime
from functools import partial
from types import MappingProxyType, SimpleNamespace

from marshmallow import Schema, ValidationError, fields, post_dump

from server.schemas.logs import ExerciseLogSchema, PainLogSchema
from server.schemas.planned import PlannedDump, plan_dump, plan_load
from server.schemas.sync import SyncEventSchema, SyncRequestSchema, SyncResponseSchema

MOMENT = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)


def _exercise_log(n: int, **changes) -> dict:
    row = {
        "id": n,
        "client_uuid": uuid.UUID(int=n),
        "patient_id": 7,
        "recorded_at": MOMENT,
        "received_at": MOMENT,
        "recorded_by_id": 3,
        "supersedes": None,
        "plan_id": 5,
        "exercise_id": "supine-piriformis-stretch",
        "local_date": date(2026, 12, 3),
        "slot": 1,
        "sets_done": 2,
        "sets_due": 2,
        "status": "done",
        "skip_reason": None,
        "stop_if_id": None,
        "stop_symptom": None,
        "stop_level": None,
        "nerve_symptoms": None,
        "pain_before": 3,
        "pain_after": None,
        "note": None,
    }
    return {**row, **changes}


def _plan():
    protocol = SimpleNamespace(protocol_id="piriformis", version=2, title="Piriformis")
    revision = SimpleNamespace(
        number=1,
        effective_from=date(2026, 11, 1),
        author_id=4,
        created_at=MOMENT,
        reason="start",
        operations=[{"op": "add"}],
        diff=[],
        adjustments={"added_exercises": []},
    )
    return SimpleNamespace(
        id=5,
        patient_id=7,
        protocol=protocol,
        start_date=date(2026, 11, 1),
        surgery_date=None,
        end_date=None,
        status="active",
        current_revision=1,
        created_by_id=4,
        created_at=MOMENT,
        revisions=[revision],
    )


def _answer() -> dict:
    version = SimpleNamespace(
        protocol_id="piriformis",
        version=2,
        title="Piriformis",
        condition="piriformis syndrome",
        care_type="conservative",
        content={"summary": "Gliding", "phases": []},
        loaded_at=MOMENT,
        versions=[1, 2],
    )
    results = [
        {"id": uuid.UUID(int=1), "type": "exercise_log", "status": "created"},
        {
            "id": uuid.UUID(int=2),
            "type": "red_flag_check",
            "status": "created",
            "level": "urgent",
            "advice": None,
            "alert_ids": [4, 9],
        },
        {
            "id": uuid.UUID(int=3),
            "type": "pain_log",
            "status": "rejected",
            "message": "invalid event",
            "errors": {"nprs": ["Must be between 0 and 10."]},
        },
    ]
    pain = MappingProxyType(  # a mapping that is not a dict, as rows of a query are
        {"id": 8, "client_uuid": uuid.UUID(int=8), "local_date": date(2026, 12, 3), "nprs": 4}
    )
    changes = {
        "protocol_versions": [version],
        "plans": [_plan()],
        "alerts": [{"id": 4, "level": "urgent"}],
        "exercise_logs": [_exercise_log(1), _exercise_log(2, note="sore", stop_level="stop")],
        "pain_logs": [pain],
        "red_flag_checks": [],
        "postop_checks": [],
        "clinical_events": [],
        "outcome_measures": [],
    }
    return {
        "results": results,
        "changes": changes,
        "cursor": 42,
        "has_more": False,
        "server_time": MOMENT,
    }


def test_the_sync_answer_dumps_as_marshmallow_dumps_it():
    schema = SyncResponseSchema()
    answer = _answer()
    planned = schema.dump(answer)
    assert planned == Schema.dump(SyncResponseSchema(), answer)
    # What the shortcuts must not lose: dotted attributes, functions, formats, absent keys.
    assert planned["changes"]["plans"][0]["protocol_id"] == "piriformis"
    assert planned["changes"]["protocol_versions"][0]["summary"] == "Gliding"
    assert planned["changes"]["exercise_logs"][0]["local_date"] == "2026-12-03"
    assert planned["changes"]["exercise_logs"][0]["id"] == str(uuid.UUID(int=1))
    assert "level" not in planned["results"][0] and planned["results"][1]["advice"] is None
    assert planned == schema.dump(answer)  # the plan, once made, gives the same again


class _Odd(PlannedDump):
    name = fields.String()
    count = fields.Integer(dump_default=0)
    done = fields.Boolean()
    inner = fields.Nested(lambda: _Inner(), allow_none=True)
    parts = fields.List(fields.Nested(lambda: _Inner()))
    when = fields.DateTime(data_key="at", attribute="moment")
    shown = fields.Method("_shown")
    label = fields.String(attribute="meta.label")

    def _shown(self, obj):
        return "shown"


class _Inner(Schema):
    value = fields.String()

    @post_dump
    def _mark(self, data, **kwargs):
        return {**data, "marked": True}


def test_odd_values_fall_back_to_the_fields_own_formatting():
    rows = [
        {
            "name": 5,  # not text: formatted by the field
            "done": 1,
            "inner": None,
            "parts": [{"value": "a"}, None, {"value": 3}],
            "moment": MOMENT,
            "meta": {"label": "x"},
        },
        {"name": None, "count": 3, "done": True, "inner": {"value": "b"}, "parts": []},
        SimpleNamespace(name="c", count=1, done=False, inner=None, parts=None, moment=None),
        {},
    ]
    assert _Odd().dump(rows, many=True) == Schema.dump(_Odd(), rows, many=True)
    assert _Odd().dump(rows[0])["name"] == "5" and _Odd().dump({})["count"] == 0
    assert _Odd().dump(rows[0])["label"] == "x"


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow():
    inner = _Inner()
    assert plan_dump(inner)({"value": "x"}) == {"value": "x", "marked": True}


def _loaded_or_refused(load, data):
    """Return ("loaded", data) or ("refused", messages): what a caller of `load` gets."""
    try:
        return "loaded", load(data)
    except ValidationError as error:
        return "refused", error.messages


_EXERCISE = {
    "id": str(uuid.UUID(int=5)),
    "plan_id": 5,
    "exercise_id": "supine-piriformis-stretch",
    "local_date": "2026-12-03",
    "sets_done": 2,
    "sets_due": 2,
    "status": "done",
}
_PAIN = {"id": str(uuid.UUID(int=6)), "local_date": "2026-12-03", "nprs": 4, "context": "rest"}
# Each is loaded, or refused with the same messages, by the plan and by marshmallow.
_EVENTS = [
    (ExerciseLogSchema, _EXERCISE),
    (ExerciseLogSchema, {**_EXERCISE, "slot": 2, "pain_before": 3, "note": None}),
    (ExerciseLogSchema, {**_EXERCISE, "recorded_at": "2026-12-03T09:30:00+02:00"}),
    (ExerciseLogSchema, {**_EXERCISE, "sets_done": 3}),  # validates_schema: more than due
    (ExerciseLogSchema, {**_EXERCISE, "status": "skipped", "sets_done": 0}),  # no reason
    (ExerciseLogSchema, {**_EXERCISE, "sets_done": "2"}),  # text, not a number
    (ExerciseLogSchema, {**_EXERCISE, "sets_done": 2.0, "sets_due": 2.0}),  # whole numbers
    (ExerciseLogSchema, {**_EXERCISE, "sets_due": 2.5}),
    (ExerciseLogSchema, {**_EXERCISE, "stop_level": "stop"}),  # dump-only: unknown on load
    (ExerciseLogSchema, {**_EXERCISE, "extra": 1}),
    (ExerciseLogSchema, {k: v for k, v in _EXERCISE.items() if k != "plan_id"}),
    (ExerciseLogSchema, {**_EXERCISE, "local_date": "1899-12-31"}),
    (ExerciseLogSchema, {**_EXERCISE, "plan_id": None}),
    (PainLogSchema, _PAIN),
    (PainLogSchema, {**_PAIN, "tingling": True, "felt_pop": False}),
    (PainLogSchema, {**_PAIN, "tingling": 1}),
    (PainLogSchema, {**_PAIN, "nprs": 11, "context": "nowhere"}),
    (PainLogSchema, {**_PAIN, "id": "not-a-uuid"}),
    (PainLogSchema, [_PAIN]),
    (PainLogSchema, None),
    (SyncEventSchema, {"id": _PAIN["id"], "type": "pain_log", "data": _PAIN}),
    (SyncEventSchema, {"id": _PAIN["id"], "type": "pain_log", "data": _PAIN, "patient_id": 3}),
    (SyncEventSchema, {"id": _PAIN["id"], "type": "walk", "data": "x", "patient_id": 0}),
    (SyncRequestSchema, {"cursor": 4, "events": [{"id": _PAIN["id"], "type": "pain_log"}]}),
    (SyncRequestSchema, {"events": [{"id": _PAIN["id"], "type": "pain_log", "data": {}}]}),
    (SyncRequestSchema, {}),
    (SyncRequestSchema, {"cursor": -1, "events": "none"}),
]


def test_a_planned_load_loads_and_refuses_as_marshmallow_does():
    outcomes = set()
    for schema_class, data in _EVENTS:
        planned, by_marshmallow = plan_load(schema_class()), schema_class()
        expected = _loaded_or_refused(partial(Schema.load, by_marshmallow), data)
        assert _loaded_or_refused(planned, data) == expected, data
        assert _loaded_or_refused(schema_class().load, data) == expected, data
        outcomes.add(expected[0])
    assert outcomes == {"loaded", "refused"}


def test_the_sync_schemas_load_by_plan():
    event = {"id": _PAIN["id"], "type": "pain_log", "data": _PAIN}
    schema = SyncRequestSchema()
    assert schema.load({"events": [event]}) == {
        "cursor": 0,
        "events": [{"id": uuid.UUID(_PAIN["id"]), "type": "pain_log", "data": _PAIN}],
    }
    assert "_planned_load" in schema.__dict__
    assert "_planned_load" in schema.fields["events"].inner.schema.__dict__
