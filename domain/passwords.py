"""Which passwords are refused, per NIST SP 800-63B section 5.1.1.2 (memorised secrets).

At least 12 characters (at most 256), and not one an attacker tries first: not in a list of
common passwords (domain/data/common-passwords.txt.gz, its source and licence beside it), not
such a password with digits or symbols stuck on the end ("password1234"), not one character
or a straight run ("aaaaaaaaaaaa", "123456789012"), and not holding the email's local part or
the person's name. No composition rules (NIST: they do not help). Standard library only: the
app shows the same reasons before it sends anything.
"""

import gzip
import string
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 256
_LIST = Path(__file__).with_name("data") / "common-passwords.txt.gz"
_RUNS = (string.ascii_lowercase, string.digits, "qwertyuiopasdfghjklzxcvbnm")


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lowercased."""
    with gzip.open(_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def password_problem(password: str, email: str = "", name: str = "") -> str:
    """Return why a new password is refused, in words for its owner ("" when it is fine)."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    folded = password.casefold()
    if len(set(folded)) <= 2 or _is_run(folded):
        return "is a repeated character or a simple sequence: choose something less predictable"
    base = folded.rstrip(string.digits + string.punctuation + " ")
    common = common_passwords()
    if folded in common or (len(base) >= 4 and base in common):
        return "is too common (it is on a list of passwords attackers try first)"
    for part in _personal_parts(email, name):
        if part in folded:
            return "must not contain your email address or your name"
    return ""


def _is_run(text: str) -> bool:
    """Tell whether text is a straight run up or down a keyboard row, the alphabet or digits."""
    for run in _RUNS:
        for line in (run, run[::-1]):
            doubled = line * (len(text) // len(line) + 2)
            if text in doubled:
                return True
    return False


def _personal_parts(email: str, name: str) -> list[str]:
    """Return the pieces of an email and a name a password must not contain (4+ characters)."""
    local = email.strip().casefold().partition("@")[0]
    parts = [local] + [p for p in _words(local) if p != local]
    parts += _words(name.casefold())
    return [p for p in parts if len(p) >= 4]


def _words(text: str) -> list[str]:
    for sep in "._-+":
        text = text.replace(sep, " ")
    return text.split()
