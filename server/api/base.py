"""The API's Blueprint: bearer-token auth that is enforced and documented in one decorator."""

from functools import wraps

from flask import current_app, g, request
from flask_smorest import Blueprint

from server.extensions import db
from server.services import auth as auth_service
from server.services.access import require_role
from server.services.errors import Unauthorized

ERROR_REFS = {
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    422: "UNPROCESSABLE_ENTITY",
}


class StrideBlueprint(Blueprint):
    """A Blueprint whose views declare who may call them and which errors they return."""

    def auth(self, *roles: str, errors: tuple[int, ...] = ()):
        """Require a valid bearer token (and one of `roles`, when given)."""
        statuses = sorted({401, *errors} | ({403} if roles else set()))

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                g.user, g.token = current_user_and_token()
                if roles:
                    require_role(g.user, *roles)
                return func(*args, **kwargs)

            wrapper = self.doc(security=[{"bearerAuth": []}])(wrapper)
            for status in statuses:
                wrapper = self.alt_response(status, response=ERROR_REFS[status])(wrapper)
            return wrapper

        return decorator

    def errors(self, *statuses: int):
        """Document extra error statuses of a view that needs no token."""

        def decorator(func):
            for status in statuses:
                func = self.alt_response(status, response=ERROR_REFS[status])(func)
            return func

        return decorator


def current_user_and_token():
    """Resolve the request's bearer token to a user, or raise Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized("Send 'Authorization: Bearer <token>'.")
    return auth_service.user_for_token(db.session, raw.strip())


def ttl():
    """Return how long new tokens live."""
    return current_app.config["TOKEN_TTL"]
