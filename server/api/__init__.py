"""REST API v1: every resource blueprint, mounted under /api/v1."""

from flask_smorest import Api
from werkzeug.routing import IntegerConverter, UnicodeConverter

from server.api import (
    alerts,
    audit,
    auth,
    calendar,
    careteams,
    cds,
    fhir,
    health,
    logs,
    mfa,
    passwords,
    patients,
    plans,
    protocols,
    sync,
    users,
)
from server.schemas.clinical import DETAIL_SCHEMAS

PREFIX = "/api/v1"
EHR_JWT = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": (
        "CDS Hooks 2.0: a JWT signed (ES384 or RS384) by a configured EHR client's private "
        "key, with iss, sub (client id), aud (this service's URL), exp (at most 5 minutes "
        "ahead), iat and a jti used once. Stride tokens are refused (401). docs/interop.md."
    ),
}


class IdConverter(IntegerConverter):
    """`<int:...>` path ids of at most 9 digits: a longer one is a 404, never an overflow (500).

    Bounded by the pattern, not by `max`: werkzeug answers 405 when a value fails `max` and
    the same path has a rule for another method.
    """

    regex = r"\d{1,9}"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 999_999_999)  # documents the bound in the OpenAPI schema
        super().__init__(url_map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """`<string:...>` path segments without NUL, which PostgreSQL text cannot hold: a 404."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def register_api(api: Api) -> None:
    """Register every resource blueprint on the API."""
    converters = api._app.url_map.converters  # set before any rule is added
    converters.update(int=IdConverter, string=TextConverter, default=TextConverter)
    blueprints = (health, auth, mfa, passwords, users, protocols, patients, careteams, plans)
    for module in (*blueprints, logs, sync, alerts, audit, cds, calendar, fhir):
        api.register_blueprint(module.blp, url_prefix=PREFIX)
    # CDS Hooks calls carry the EHR's own signed JWT, not a Stride token (server/api/cds.py).
    api.spec.components.security_scheme("ehrJwt", EHR_JWT)
    # A clinical event's `details` is a free object whose shape depends on its kind: named here
    # so that the OpenAPI document describes each one.
    for schema in DETAIL_SCHEMAS.values():
        api.spec.components.schema(schema.__name__, schema=schema)
