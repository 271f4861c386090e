"""The clinic's invitation: which server a patient signs in to, and with which email.

Staff create the patient; the server answers with an invitation in two forms that carry the
same two facts, so the patient never has to know or type a server address:

- a link to tap or paste: ``stride://join?server=https://clinic.example.org&user=you@example.com``
- a code to type from paper: ``clinic.example.org/you@example.com`` (the server without its
  ``https://``, a slash, the email; a plain-HTTP server keeps its ``http://``).

The server builds both and the app reads both with this one module, so they cannot drift apart.
Nothing here is secret: the password is given separately. Standard library only (the app
imports it).
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode, urlsplit

LINK_PREFIX = "stride://join?"
MAX_EMAIL = 254
EXAMPLE_CODE = "clinic.example.org/you@example.com"


class InvalidInvitation(ValueError):
    """An invitation that cannot be used; the message says what is wrong, in plain words."""


@dataclass(frozen=True)
class Invitation:
    """A server address (scheme and host, maybe a port and path) and the email to sign in with."""

    server: str
    user: str

    @property
    def link(self) -> str:
        """Return the stride://join link (readable: ':', '/' and '@' are left unescaped)."""
        query = urlencode({"server": self.server, "user": self.user}, safe=":/@", quote_via=quote)
        return LINK_PREFIX + query

    @property
    def code(self) -> str:
        """Return the typeable code: the server (https:// left out) and the email."""
        server = self.server.removeprefix("https://")
        return f"{server}/{self.user}"


def server_problem(server: str) -> str:
    """Return what is wrong with a server address as a base URL ("" when it is fine)."""
    try:
        parts = urlsplit(server)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return "it is not a valid web address"
    if parts.scheme not in ("http", "https"):
        return "it must start with https:// (or http://)"
    if not parts.hostname:
        return "it has no host name"
    if parts.username or parts.password or parts.query or parts.fragment or " " in server:
        return "it may only hold a host name, a port and a path"
    return ""


def email_problem(user: str) -> str:
    """Return what is wrong with an email address ("" when it looks usable)."""
    local, at, domain = user.rpartition("@")
    if not at or not local or not domain:
        return "it is not an email address"
    if len(user) > MAX_EMAIL or any(c.isspace() for c in user):
        return "it is not an email address"
    return ""


def make_invitation(server: str, user: str) -> Invitation:
    """Return the invitation of a server's base URL and an email; raise if either is unusable."""
    server = server.strip().rstrip("/")
    problem = server_problem(server)
    if problem:
        raise InvalidInvitation(f"The server address {server!r} cannot be used: {problem}.")
    problem = email_problem(user)
    if problem:
        raise InvalidInvitation(f"The email {user!r} cannot be used: {problem}.")
    return Invitation(server, user.strip())


def parse_invitation(text: str) -> Invitation:
    """Read a pasted link or a typed code; raise InvalidInvitation naming what is wrong."""
    text = text.strip()
    if not text:
        raise InvalidInvitation("Paste the invitation link or type the code from your clinic.")
    if text.lower().startswith("stride:"):
        return _parse_link(text)
    if text.lower().startswith(("http://", "https://")) and "@" not in text:
        raise InvalidInvitation(
            "That is a web address, not an invitation. Paste the link that starts with "
            "stride://join, or type the code, for example " + EXAMPLE_CODE + "."
        )
    return _parse_code(text)


def _parse_link(text: str) -> Invitation:
    if not text.lower().startswith(LINK_PREFIX):
        raise InvalidInvitation(
            "This is not a Stride invitation: the link must start with stride://join?"
        )
    params = parse_qs(text[len(LINK_PREFIX) :], keep_blank_values=True)
    server = _one(params, "server", "server address")
    user = _one(params, "user", "email address")
    problem = server_problem(server.rstrip("/"))
    if problem:
        raise InvalidInvitation(f"The server address in the invitation link is wrong: {problem}.")
    problem = email_problem(user)
    if problem:
        raise InvalidInvitation(f"The email in the invitation link is wrong: {problem}.")
    return Invitation(server.rstrip("/"), user)


def _one(params: dict, name: str, what: str) -> str:
    values = [v.strip() for v in params.get(name, ()) if v.strip()]
    if not values:
        raise InvalidInvitation(f"The invitation link has no {what} (its {name}= part).")
    if len(set(values)) > 1:
        raise InvalidInvitation(f"The invitation link has more than one {what}.")
    return values[0]


def _parse_code(text: str) -> Invitation:
    server, slash, user = text.rpartition("/")
    if not slash or not server.strip("/"):
        raise InvalidInvitation(
            "An invitation code is the server, a slash and your email, for example "
            + EXAMPLE_CODE
            + "."
        )
    problem = email_problem(user)
    if problem:
        raise InvalidInvitation(
            f"The code must end with your email after the last slash: {user!r} is not one."
        )
    if not server.lower().startswith(("http://", "https://")):
        server = "https://" + server
    server = server.rstrip("/")
    problem = server_problem(server)
    if problem:
        raise InvalidInvitation(f"The server in the invitation code is wrong: {problem}.")
    return Invitation(server, user)
