"""Outcomes of a use case other than success; the API maps each to one HTTP status."""


class ServiceError(Exception):
    """Base of the errors a service raises on purpose."""

    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(ServiceError):
    """The object does not exist, or the caller may not know it exists."""

    status = 404


class Forbidden(ServiceError):
    """The caller's role may not do this."""

    status = 403


class Conflict(ServiceError):
    """The request clashes with what is stored."""

    status = 409


class Invalid(ServiceError):
    """A field is well-formed but not acceptable; names the field and the reason."""

    status = 422

    def __init__(self, field: str, reason: str, location: str = "json"):
        super().__init__(f"{field}: {reason}", {location: _nest(field, reason)})
        self.field = field


class Unauthorized(ServiceError):
    """No valid credentials."""

    status = 401


def _nest(field: str, reason: str) -> dict:
    """Turn "a.b" into {"a": {"b": [reason]}}, the shape marshmallow uses."""
    *parents, leaf = field.split(".")
    node: dict = {leaf: [reason]}
    for parent in reversed(parents):
        node = {parent: node}
    return node
