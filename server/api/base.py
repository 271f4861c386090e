"""The API's Blueprint: bearer-token auth that is enforced and documented in one decorator."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy.exc import DBAPIError

from server.api.auditing import CallAudit, remember_answer
from server.api.parsing import StrideParser
from server.database import reset, start_reading
from server.extensions import db
from server.services import auth as auth_service
from server.services.access import require_role
from server.services.errors import ServiceError, Unauthorized
from server.services.ratelimit import Limits

# A view's own token lookup (StrideBlueprint.auth): (session, raw token, view args) to
# (user, token).
Lookup = Callable[[Any, str, dict], tuple[Any, Any]]

ERROR_REFS = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
}


class StrideBlueprint(Blueprint):
    """A Blueprint whose views declare who may call them and which errors they return."""

    ARGUMENTS_PARSER = StrideParser()

    def arguments(self, schema, *, location="json", **kwargs):
        """Parse and validate input (422); a body may be unparsable (400) or not JSON (415)."""
        if isinstance(schema, type):
            schema = schema()  # one instance per view, not one per request
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse

        def decorator(func):
            func = parse(func)
            for status in (400, 415):
                func = self.alt_response(status, response=ERROR_REFS[status])(func)
            return func

        return decorator

    def auth(
        self,
        *roles: str,
        errors: tuple[int, ...] = (),
        reads_first: bool = False,
        lookup: Lookup | None = None,
    ):
        """Require a valid bearer token (and one of `roles`, when given).

        GET views, and views marked `reads_first` (they call database.begin_writing before
        they write), run their reads in read transactions: on SQLite they never wait for the
        write lock (server/database.py).

        `lookup(session, raw_token, view_args)` replaces the token lookup for a view that
        reads the caller and its own data in one query (the schedule: server/api/plans.py).
        It returns the user and token as services.auth.user_for_token does, after the same
        checks (services.auth.caller_for); a services.auth.Caller and None serve the access
        rules and the audit log. What else it read, it leaves in `g` for the view.
        """
        statuses = sorted({401, *errors} | ({403} if roles else set()))

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                mode = start_reading() if reads_first or request.method == "GET" else None
                try:
                    return authenticated(func, args, kwargs)
                finally:
                    if mode is not None:
                        reset(mode)

            def authenticated(func, args, kwargs):
                g.user, g.token = current_user_and_token(lookup, kwargs)
                trail = CallAudit(g.user, request.endpoint, kwargs)
                try:
                    trail.before()
                    if roles:
                        require_role(g.user, *roles)
                    response = func(*args, **kwargs)
                except ServiceError as error:
                    trail.denied(error)
                    raise
                except Exception:
                    trail.abandoned()
                    raise
                trail.after(g.pop("audit_answer", None))
                return response

            wrapper = self.doc(security=[{"bearerAuth": []}])(wrapper)
            for status in statuses:
                wrapper = self.alt_response(status, response=ERROR_REFS[status])(wrapper)
            return wrapper

        return decorator

    @staticmethod
    def _prepare_response_content(data):
        """Keep the serialized answer for the audit hook (flask-smorest's override point)."""
        return remember_answer(data)

    def errors(self, *statuses: int):
        """Document extra error statuses of a view that needs no token."""

        def decorator(func):
            for status in statuses:
                func = self.alt_response(status, response=ERROR_REFS[status])(func)
            return func

        return decorator


def current_user_and_token(lookup: Lookup | None = None, view_args: dict | None = None):
    """Resolve the request's bearer token to a user, or raise Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized("Send 'Authorization: Bearer <token>'.")
    raw = raw.strip()

    def find():
        if lookup is None:
            return auth_service.user_for_token(db.session, raw)
        return lookup(db.session, raw, view_args or {})

    try:
        return find()
    except DBAPIError as error:
        # A dead pooled connection (the database restarted): the lookup is the request's first
        # statement, so nothing is lost by trying it once more on a fresh connection.
        if not error.connection_invalidated:
            raise
        db.session.rollback()
        return find()


def ttl():
    """Return how long new tokens live."""
    return current_app.config["TOKEN_TTL"]


def login_limits() -> Limits:
    """Return the sign-in rate limits of this app."""
    config = current_app.config
    return Limits(
        free_per_pair=config["LOGIN_FREE_FAILURES"],
        free_per_account=config["LOGIN_FREE_FAILURES_PER_ACCOUNT"],
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        max_delay=config["LOGIN_MAX_DELAY"],
    )
