"""A small JSON client for the Stride API v1 on the standard library (no requests on Android)."""

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

API_PREFIX = "/api/v1"


class ApiError(Exception):
    """A failed call: `status` is the HTTP status, or None when the server was not reached."""

    def __init__(
        self, status: int | None, message: str, errors: dict | None = None, body: dict | None = None
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.body = body or {}  # the whole error answer (sign-in's 403 carries a reason)

    @property
    def offline(self) -> bool:
        """Tell whether the server could not be reached (or did not answer in time)."""
        return self.status is None


class SecondFactorNeeded(ApiError):
    """The password was right and the account needs a code (after enrolling, with `enrolment`)."""

    def __init__(self, answer: dict):
        super().__init__(202, answer.get("message") or "Enter the code from your authenticator.")
        self.enrolment = answer.get("enrolment") or None


class ApiClient:
    """Call the API of one server, optionally with a bearer token."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 10.0,
        on_reached: Callable[[], None] | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        # Told whenever the server answered (any status): the sync retries at once after an
        # outage instead of waiting for its next step.
        self.on_reached = on_reached

    def sign_in(self, email: str, password: str, code: str | None = None) -> dict:
        """Exchange email and password (and a staff code) for a token; keep it, return the answer.

        Raises SecondFactorNeeded when the server asks for a code from an authenticator app.
        """
        credentials = {"email": email, "password": password}
        if code:
            credentials["code"] = code
        return self._signed_in(self._call("POST", "/auth/tokens", credentials))

    def _signed_in(self, body) -> dict:
        """Keep the token of a sign-in's answer, or raise SecondFactorNeeded for its 202."""
        if isinstance(body, dict) and "second_factor" in body and "token" not in body:
            raise SecondFactorNeeded(body)
        self.token = body["token"]
        return body

    def activate(self, email: str, code: str, new_password: str) -> dict:
        """Choose a password with a one-time code from the clinic; keep the token, as sign_in."""
        body = {"email": email, "code": code, "new_password": new_password}
        return self._signed_in(self._call("POST", "/auth/activation", body))

    def finish_password_change(self, change_token: str, new_password: str) -> dict:
        """Replace a password an admin gave, with sign-in's change token; keep the new token."""
        body = {"change_token": change_token, "new_password": new_password}
        return self._signed_in(self._call("POST", "/auth/password-change", body))

    def sign_out(self) -> None:
        """Revoke the token on the server and forget it here."""
        try:
            self._call("DELETE", "/auth/tokens")
        finally:
            self.token = None

    def get(self, path: str, **query: Any) -> Any:
        """GET a resource; query values of None are left out."""
        params = {k: _query_value(v) for k, v in query.items() if v is not None}
        if params:
            path = f"{path}?{urllib.parse.urlencode(params)}"
        return self._call("GET", path)

    def post(self, path: str, body: dict) -> Any:
        """POST a JSON body."""
        return self._call("POST", path, body)

    def put(self, path: str, body: dict) -> Any:
        """PUT a JSON body."""
        return self._call("PUT", path, body)

    def patch(self, path: str, body: dict) -> Any:
        """PATCH a JSON body."""
        return self._call("PATCH", path, body)

    def delete(self, path: str) -> Any:
        """DELETE a resource."""
        return self._call("DELETE", path)
    def download(self, path: str, accept: str = "application/pdf") -> bytes:
        """GET a document (a referral packet's PDF) and return its bytes as they came."""
        return self._call("GET", path, accept=accept)

    def sync(self, cursor: int, events: list[dict]) -> dict:
        """Push a batch of outbox events and pull the changes after `cursor`."""
        return self._call("POST", "/sync", {"cursor": cursor, "events": events})

    def _call(
        self, method: str, path: str, body: dict | None = None, accept: str = "application/json"
    ) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base_url + API_PREFIX + path, data, method=method)
        request.add_header("Accept", accept)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            self._reached()
            with error:
                raise _http_error(error.code, _read(error)) from None
        except TimeoutError:
            raise ApiError(None, "The server did not answer in time.") from None
        except urllib.error.URLError as error:
            raise ApiError(None, f"Cannot reach the server ({error.reason}).") from None
        except (http.client.HTTPException, OSError) as error:
            # A dropped connection (RemoteDisconnected, reset, partial read) lands here.
            raise ApiError(None, f"The connection failed ({type(error).__name__}).") from None
        self._reached()
        if accept != "application/json":
            return raw  # a document; errors above still came as the API's JSON error shape
        if status == 204 or not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(status, "The server sent an answer that is not JSON.") from None

    def _reached(self) -> None:
        if self.on_reached is not None:
            self.on_reached()


def _read(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read()
    except (http.client.HTTPException, OSError):
        return b""


def _http_error(status: int, raw: bytes) -> ApiError:
    """Build an ApiError from the API's error shape, or from whatever came back instead."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        errors = body.get("errors") if isinstance(body.get("errors"), dict) else None
        return ApiError(status, body["message"], errors, body)
    return ApiError(status, f"The server answered with HTTP {status}.")


def _query_value(value: Any) -> str:
    """Return dates and other values as the API's query strings."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
