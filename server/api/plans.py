"""Care plans: assign a protocol, adjust it (new revision), and read the dated schedule."""

from flask import current_app, g

from server.api.base import StrideBlueprint
from server.api.caching import AnswerCache
from server.extensions import db
from server.schemas.plans import (
    NewPlanSchema,
    PlanAdjustmentSchema,
    PlanSchema,
    RevisionSchema,
    ScheduleArgs,
    ScheduleSchema,
    ScheduleWriter,
    load_operations,
)
from server.services import plans
from server.services.access import patient_for

blp = StrideBlueprint("plans", __name__, description="Care plans, revisions and schedules")

# Expanded schedules as sent, per worker: a schedule is a pure function of its ScheduleKey.
_schedules = AnswerCache(max_bytes=32 * 1024 * 1024)


def _writer() -> ScheduleWriter:
    """Return the app's writer of schedule answers (in the text of the app's JSON provider)."""
    writer = current_app.extensions.get("stride_schedule_writer")
    if writer is None:
        writer = ScheduleWriter(current_app.json.dumps)
        current_app.extensions["stride_schedule_writer"] = writer
    return writer


@blp.route("/patients/<int:patient_id>/plans", methods=["POST"])
@blp.auth("physio", "clinician", errors=(404, 422))
@blp.arguments(NewPlanSchema)
@blp.response(201, PlanSchema)
def create(data, patient_id):
    """Assign a protocol version to a patient."""
    patient = patient_for(db.session, g.user, patient_id)
    return plans.create_plan(db.session, g.user, patient, data)


@blp.route("/patients/<int:patient_id>/plans", methods=["GET"])
@blp.auth(errors=(403, 404))
@blp.response(200, PlanSchema(many=True))
def index(patient_id):
    """List a patient's plans, newest first."""
    return plans.plans_of(db.session, g.user, patient_id)


@blp.route("/plans/<int:plan_id>", methods=["GET"])
@blp.auth(errors=(404,))
@blp.response(200, PlanSchema)
def show(plan_id):
    """Return one plan with its revisions."""
    return plans.plan_for(db.session, g.user, plan_id)


@blp.route("/plans/<int:plan_id>", methods=["PATCH"])
@blp.auth("physio", errors=(404, 409, 422))
@blp.arguments(PlanAdjustmentSchema)
@blp.response(200, PlanSchema)
def adjust(data, plan_id):
    """Adjust a plan with a reason; stored as a new immutable revision.

    Simultaneous adjustments take turns, each building on the revision before it. Send
    `base_revision` (the plan's `current_revision` as the adjustment was made) to be refused
    with 409 instead when someone else revised the plan meanwhile: reload it and try again.
    """
    data, problem = load_operations(data)
    plan = plans.plan_for(db.session, g.user, plan_id, lock=True)
    return plans.revise_plan(db.session, g.user, plan, data, problem=problem)


@blp.route("/plans/<int:plan_id>/revisions", methods=["GET"])
@blp.auth(errors=(404,))
@blp.response(200, RevisionSchema(many=True))
def revisions(plan_id):
    """List a plan's revisions, oldest first."""
    return plans.plan_for(db.session, g.user, plan_id).revisions


def _caller_and_plan_key(session, raw_token: str, view_args: dict):
    """The schedule's token lookup: the caller and the plan's key part in one query."""
    caller, g.plan_key = plans.caller_and_plan_key(session, raw_token, view_args["plan_id"])
    return caller, None


@blp.route("/plans/<int:plan_id>/schedule", methods=["GET"])
@blp.auth(errors=(404, 422), lookup=_caller_and_plan_key)
@blp.arguments(ScheduleArgs, location="query")
@blp.response(200, ScheduleSchema)
def schedule(args, plan_id):
    """Return what was prescribed on each day from `from` to `to` (inclusive)."""
    first, last = args.get("date_from"), args.get("date_to")
    key = plans.schedule_key(g.plan_key, plan_id, first, last)
    body = _schedules.get(key)
    if body is None:
        # A range not asked for before (another week) is expanded from the inputs kept for
        # the plan as it is, without loading the plan and its revisions again.
        inputs = plans.held_inputs(key.plan_part)
        if inputs is None:
            plan = plans.plan_for(db.session, g.user, plan_id)
            inputs = plans.keep_inputs(plan)
            # Cached by what was loaded (the plan as it is now), not by the earlier lookup.
            key = plans.schedule_key_of(plan, first, last)
        body = _writer().body(inputs.plan_id, plans.expand_inputs(inputs, first, last))
        _schedules.put(key, body)
    return current_app.response_class(body, mimetype="application/json")
