"""The one JSON error shape of the API: {"code", "status", "message", "errors"}."""

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from server.extensions import db
from server.services.errors import ServiceError

log = logging.getLogger(__name__)


def error_body(code: int, name: str, message: str, errors: dict | None = None):
    """Return the JSON response of an error."""
    body = {"code": code, "status": name, "message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    return response


def register_error_handlers(app: Flask) -> None:
    """Send every error, including unexpected ones, in the shared shape."""

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if isinstance(error, InternalServerError):
            return _unexpected(error.original_exception or error)
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        message = data.get("message") or _summary(errors) or error.description
        response = error_body(error.code, error.name, message, errors)
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            # RFC 9110: a 405 lists the methods the resource does support.
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response

    @app.errorhandler(ServiceError)
    def _service(error: ServiceError):
        db.session.rollback()
        return error_body(
            error.status, HTTP_STATUS_CODES[error.status], error.message, error.errors
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled error", exc_info=error)
        return error_body(
            500, "Internal Server Error", "The server could not complete the request."
        )


def _summary(errors) -> str | None:
    """Name the first field that was wrong and why, for a one-line message."""
    path = []
    node = errors
    while isinstance(node, dict) and node:
        key, node = next(iter(node.items()))
        if key not in ("json", "query", "path", "headers", "form", "view_args"):
            path.append(str(key))
    if isinstance(node, list) and node and isinstance(node[0], str):
        reason = node[0]
    else:
        return None
    return f"{'.'.join(path)}: {reason}" if path else reason
