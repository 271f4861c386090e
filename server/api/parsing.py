"""Request parsing that turns every kind of malformed input into a 400 or 422, never a 500."""

import json

from flask import Request
from marshmallow import RAISE, ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser

NUL = "\x00"
NUL_MESSAGE = "Text must not contain NUL characters."


class StrideParser(FlaskParser):
    """webargs' Flask parser, hardened against hostile bodies and query strings.

    - JSON nested deeper than Python's recursion limit, or holding an integer of thousands of
      digits, is "Invalid JSON body." (400) like any other unparsable body;
    - NUL characters anywhere in the JSON or the query string are refused (422): PostgreSQL
      cannot store them in text, and no legitimate client sends them;
    - an unknown query parameter is refused (422) like an unknown JSON field: `?stauts=open`
      must not quietly return every alert.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE}

    def _raw_load_json(self, req: Request):
        try:
            data = super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs' own handling: an empty body is "missing", the rest a 400
        except (RecursionError, ValueError) as error:
            return self._handle_invalid_json_error(error, req)
        if data is not core.missing and _holds_nul(data):
            raise ValidationError(NUL_MESSAGE)
        return data

    def load_querystring(self, req: Request, schema):
        if any(NUL in key or NUL in value for key, value in req.args.items(multi=True)):
            raise ValidationError(NUL_MESSAGE)
        return super().load_querystring(req, schema)


def _holds_nul(data) -> bool:
    """Tell whether any key or string in a parsed JSON document contains NUL (no recursion)."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if NUL in node:
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False
