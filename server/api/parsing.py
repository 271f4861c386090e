"""Request parsing that turns every kind of malformed input into a 400, 415 or 422, never a 500."""

import json
from urllib.parse import unquote_to_bytes

from flask import Request
from marshmallow import RAISE, ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import UnsupportedMediaType

from server.schemas.text import plainly_storable, printable, text_problem, unstorable_text

NOT_UTF8_MESSAGE = "Not valid UTF-8 text."


class StrideParser(FlaskParser):
    """webargs' Flask parser, hardened against hostile bodies and query strings.

    - a body that is not JSON (text/plain, a form, no Content-Type) is refused with 415: it is
      never read as "no body", which would quietly drop what the client sent;
    - JSON nested deeper than Python's recursion limit, or holding an integer of thousands of
      digits, is "Invalid JSON body." (400) like any other unparsable body;
    - text that cannot be stored (NUL, which PostgreSQL text cannot hold, or a lone surrogate
      escape, which is not UTF-8) in any key or string of the JSON, or in the query string, is
      refused (422) with the path of the field; a schema's `text_checked_per_item` names a part
      of the body whose items are judged one by one later (the events of a /sync batch);
    - invalid UTF-8 in the query string is refused (422) rather than read as U+FFFD;
    - an unknown query parameter is refused (422) like an unknown JSON field: `?stauts=open`
      must not quietly return every alert.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE}

    def load_json(self, req: Request, schema):
        if not core.is_json(req.mimetype) and _has_body(req):
            raise UnsupportedMediaType(
                f"Send the body as JSON with 'Content-Type: application/json' "
                f"(got {req.mimetype or 'no Content-Type'!r})."
            )
        data = super().load_json(req, schema)
        if data is not core.missing and not plainly_storable(req.get_data(cache=True)):
            errors = unstorable_text(data, getattr(schema, "text_checked_per_item", ()))
            if errors:
                raise ValidationError(errors)
        return data

    def _raw_load_json(self, req: Request):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs' own handling: an empty body is "missing", the rest a 400
        except (RecursionError, ValueError) as error:
            return self._handle_invalid_json_error(error, req)

    def load_querystring(self, req: Request, schema):
        errors = _query_errors(req.query_string)
        if errors:
            raise ValidationError(errors)
        return super().load_querystring(req, schema)


def _has_body(req: Request) -> bool:
    chunked = "chunked" in req.headers.get("Transfer-Encoding", "").lower()
    return chunked or (req.content_length or 0) > 0


def _query_errors(raw: bytes) -> dict:
    """Return {parameter: [reason]} for each query parameter that is not storable text."""
    errors: dict = {}
    for pair in raw.split(b"&"):
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        key, value = (unquote_to_bytes(part.replace(b"+", b" ")) for part in (key, value))
        name = key.decode("utf-8", "replace")
        try:
            key.decode("utf-8"), value.decode("utf-8")
        except UnicodeDecodeError:
            errors.setdefault(printable(name), []).append(NOT_UTF8_MESSAGE)
            continue
        problem = text_problem(name) or text_problem(value.decode("utf-8"))
        if problem:
            errors.setdefault(printable(name), []).append(problem)
    return errors
