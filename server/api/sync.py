"""POST /sync: the app's one round trip.

The edge of the sync use case: the batch's events are read here into plain, checked values
(`PushedEvent`, one per event, in the batch's order), the service stores them and pulls the
changes, and the alerts among the changes are shown here as the caller's role may see them.
"""

from flask import current_app, g, request
from marshmallow import ValidationError

from server.api.auditing import PushAudit
from server.api.base import StrideBlueprint
from server.extensions import db
from server.schemas.alerts import AlertSchema, PatientAlertSchema
from server.schemas.logs import (
    ClinicalEventSchema,
    ExerciseLogSchema,
    PainLogSchema,
    PostopCheckSchema,
    RedFlagCheckSchema,
    load_details,
)
from server.schemas.outcomes import OutcomeMeasureSchema
from server.schemas.planned import plan_load
from server.schemas.sync import SyncRequestSchema, SyncResponseSchema
from server.schemas.text import plainly_storable, unstorable_text
from server.services.sync import PushedEvent, sync

blp = StrideBlueprint("sync", __name__, description="Offline sync")

# The schema of each kind of event, as its REST endpoint loads it.
EVENT_SCHEMAS = {
    "exercise_log": ExerciseLogSchema(),
    "pain_log": PainLogSchema(),
    "red_flag_check": RedFlagCheckSchema(),
    "postop_check": PostopCheckSchema(),
    "clinical_event": ClinicalEventSchema(),
    "outcome_measure": OutcomeMeasureSchema(),
}
# Each kind's `load`, planned once (server/schemas/planned.py): what marshmallow's would give.
EVENT_LOADS = {kind: plan_load(schema) for kind, schema in EVENT_SCHEMAS.items()}
_PATIENT_ALERT, _ALERT = PatientAlertSchema(), AlertSchema()


@blp.route("/sync", methods=["POST"])
@blp.auth(errors=(422,), reads_first=True)  # checks events before it takes the write lock
@blp.arguments(SyncRequestSchema, required=False)  # no body: a pull from cursor 0
@blp.response(200, SyncResponseSchema)
def push_and_pull(data):
    """Store a batch of device events (each at most once) and return changes after `cursor`."""
    trail = PushAudit(g.user, request.remote_addr)
    events = read_events(data["events"], plainly_storable(request.get_data(cache=True)))
    page_size = current_app.config["SYNC_PAGE_SIZE"]
    shown = _PATIENT_ALERT if g.user.role == "patient" else _ALERT
    answer = sync(db.session, g.user, events, data["cursor"], page_size, trail)
    answer["changes"]["alerts"] = shown.dump(answer["changes"]["alerts"], many=True)
    db.session.commit()  # ends the pull, after the alerts are shown: a commit expires the rows
    return answer


def read_events(events: list[dict], plain: bool = False) -> list[PushedEvent]:
    """Check a batch's events against the schemas of their kinds, in one pass.

    Item i of the answer is event i of the batch: its loaded data, or why it could not be
    loaded. Nothing is refused here: the service answers each event in its result, after the
    checks that come first (who may push the event, about which patient). `plain`: the body's
    bytes already showed that all its text is storable (schemas.text.plainly_storable).
    """
    return [_read(event, plain) for event in events]


def _read(event: dict, plain: bool) -> PushedEvent:
    kind, patient_id = event["type"], event.get("patient_id")
    unstorable = None if plain else unstorable_text(event["data"])  # left to each event
    if unstorable:
        return PushedEvent(event["id"], kind, patient_id, errors=unstorable)
    try:
        data = EVENT_LOADS[kind]({**event["data"], "id": str(event["id"])})
    except ValidationError as error:
        return PushedEvent(event["id"], kind, patient_id, errors=error.messages)
    problem = None
    if kind == "clinical_event":
        data, problem = load_details(data)
    return PushedEvent(event["id"], kind, patient_id, data, problem=problem)
