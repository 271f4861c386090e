"""Text that can be stored: checked once, where a request is parsed, with the path of each bad one.

Python's `json.loads` accepts a lone surrogate escape ("\\ud800") and returns a str that cannot be
encoded as UTF-8: it would blow up later, in the database driver, a log line or the answer.
PostgreSQL text cannot hold NUL either. Both are refused where they arrive, naming the field.
"""

NUL = "\x00"
NUL_MESSAGE = "Text must not contain NUL characters."
SURROGATE_MESSAGE = "Text must be valid Unicode: a lone surrogate (e.g. \\ud800) cannot be stored."

ANY_INDEX = "*"  # in a `skip` path: any position of a list


def text_problem(text: str) -> str | None:
    """Return why a text cannot be stored, or None when it can."""
    if NUL in text:
        return NUL_MESSAGE
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE_MESSAGE
    return None


def plainly_storable(body: bytes) -> bool:
    """Whether every key and string of a JSON body is storable text, known from its bytes alone.

    A JSON string holds NUL or a lone surrogate only through a "\\u" escape (json.loads refuses
    a raw control character), or when the body is UTF-16 or UTF-32, whose bytes hold NUL. A
    body with neither is UTF-8 (or invalid, and refused), which cannot encode a surrogate. True
    saves walking the document; False only means it must be walked (`unstorable_text`).
    """
    return b"\\u" not in body and b"\x00" not in body


def printable(key: str) -> str:
    """Return a key as text that can be shown and stored (escapes where it cannot)."""
    if text_problem(key) is None:
        return key
    return key.encode("utf-8", "backslashreplace").decode("utf-8").replace(NUL, "\\x00")


def unstorable_text(document, skip: tuple = ()) -> dict | list:
    """Return marshmallow-style errors for each key or string that cannot be stored.

    The errors nest like marshmallow's ({"events": {0: {"note": [reason]}}}); a bad key is
    named by itself, escaped. `skip` is a path (list positions as ANY_INDEX) whose contents
    another check judges item by item. No recursion: a deep document cannot overflow the stack.
    """
    if isinstance(document, str):
        problem = text_problem(document)
        return [problem] if problem else []
    errors: dict = {}
    stack = [((), document)]
    while stack:
        path, node = stack.pop()
        if skip and _matches(path, skip):
            continue
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        for key, value in items:
            if isinstance(key, str) and (problem := text_problem(key)):
                _add(errors, (*path, printable(key)), problem)
                continue
            if isinstance(value, str):
                if problem := text_problem(value):
                    _add(errors, (*path, key), problem)
            elif isinstance(value, dict | list):
                stack.append(((*path, key), value))
    return errors


def _matches(path: tuple, pattern: tuple) -> bool:
    if len(path) != len(pattern):
        return False
    pairs = zip(path, pattern, strict=True)
    return all(p == q or (q == ANY_INDEX and isinstance(p, int)) for p, q in pairs)


def _add(errors: dict, path: tuple, problem: str) -> None:
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node.setdefault(path[-1], []).append(problem)
