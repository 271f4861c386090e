"""The calendar feed: its private URL, and the days of an iCalendar schedule."""

from marshmallow import fields

from server.schemas.common import MAX_SCHEDULE_DAYS, Day, QuerySchema, StrictSchema


class CalendarArgs(QuerySchema):
    date_from = Day(
        data_key="from", metadata={"description": "default: 7 days before the patient's today"}
    )
    date_to = Day(
        data_key="to",
        metadata={
            "description": f"on or after `from`, at most {MAX_SCHEDULE_DAYS} days in all "
            "(default: 12 weeks after the patient's today)"
        },
    )


class CalendarFeedSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    url = fields.String(
        dump_only=True,
        metadata={"description": "the private feed URL; shown only in this answer"},
    )
    webcal_url = fields.String(
        dump_only=True, metadata={"description": "the same URL as calendar apps subscribe to it"}
    )
    created_at = fields.DateTime(dump_only=True)
