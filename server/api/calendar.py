"""The plan as a calendar: an iCalendar schedule, and the patient's private feed URL."""

from flask import current_app, g, request

from server.api.base import StrideBlueprint
from server.database import reset, start_reading
from server.extensions import db
from server.schemas.calendar import CalendarArgs, CalendarFeedSchema
from server.services import calendar, calendar_feeds
from server.services.access import patient_for
from server.services.errors import NotFound

blp = StrideBlueprint("calendar", __name__, description="The plan's sessions as a calendar")

ICS_SCHEMA = {"type": "string", "format": "binary"}  # documented only: the body is sent as it is
ICS = "iCalendar (RFC 5545): one event per part of the day with sessions, each with a reminder"


def _ics(body: bytes):
    return current_app.response_class(body, mimetype=calendar.MEDIA_TYPE)


@blp.route("/patients/<int:patient_id>/schedule.ics", methods=["GET"])
@blp.auth(errors=(403, 404, 422))
@blp.arguments(CalendarArgs, location="query")
@blp.response(200, ICS_SCHEMA, content_type=calendar.MEDIA_TYPE, description=ICS)
def schedule(args, patient_id):
    """Return the patient's plan as iCalendar events in their time zone (docs/interop.md)."""
    patient = patient_for(db.session, g.user, patient_id)
    first, last = args.get("date_from"), args.get("date_to")
    return _ics(calendar.patient_calendar(db.session, patient, first, last))


@blp.route("/me/calendar-feed", methods=["POST"])
@blp.auth("patient", errors=(409,))
@blp.response(201, CalendarFeedSchema)
def create_feed():
    """Make the patient's private feed URL, shown only now; a feed made before stops working."""
    raw, feed = calendar_feeds.create_feed(db.session, g.user.patient)
    base = current_app.config["PUBLIC_URL"] or request.url_root
    return {"id": feed.id, "created_at": feed.created_at, **calendar_feeds.feed_urls(base, raw)}


@blp.route("/me/calendar-feed", methods=["DELETE"])
@blp.auth("patient")
@blp.response(204)
def revoke_feed():
    """Stop the patient's private feed URL (nothing to stop is fine too)."""
    calendar_feeds.revoke_feed(db.session, g.user.patient)


@blp.route("/calendar/<string:token>.ics", methods=["GET"])
@blp.errors(404)
@blp.response(200, ICS_SCHEMA, content_type=calendar.MEDIA_TYPE, description=ICS)
def feed(token):
    """Return a patient's feed to a calendar app: the URL's secret is the credential.

    No bearer token (calendar apps cannot send one). An unknown or revoked secret is a 404,
    the same as a path that does not exist.
    """
    mode = start_reading()
    try:
        patient = calendar_feeds.patient_of_feed(db.session, token)
        if patient is None:
            raise NotFound("No such calendar feed.")
        body = calendar.patient_calendar(db.session, patient)
        calendar_feeds.note_read(db.session, token)
    finally:
        reset(mode)
    return _ics(body)
