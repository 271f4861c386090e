"""Read and validate protocol files; pure functions, no Flask or database."""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from marshmallow import ValidationError

from domain.protocol import content_hash  # noqa: F401 (re-exported: the loader's callers)
from server.protocols.schema import ProtocolSchema

MAX_BYTES = 256 * 1024
MAX_DEPTH = 20
DOCUMENT = "<document>"
# Plain scalars that PyYAML would turn into enormous integers (int() of thousands of digits is slow
# or refused); anything this long is far outside every range in the format anyway.
LONG_NUMBER = re.compile(r"[-+]?[0-9_]{40,}")
# The only explicit tags a protocol may carry: the plain YAML core types.
SAFE_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
}


@dataclass(frozen=True)
class Problem:
    """One reason a protocol file was refused."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}"


def parse_protocol_text(text: str, filename: str) -> tuple[dict | None, list[Problem]]:
    """Parse and validate one protocol document; return (loaded dict or None, problems)."""
    name = Path(filename).name
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        return None, [Problem(name, DOCUMENT, f"document is larger than {MAX_BYTES // 1024} KiB")]
    problems = [Problem(name, path, reason) for path, reason in _scan(text)]
    if problems:
        return None, problems
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:  # defensive: _scan parses the same text first
        return None, [Problem(name, DOCUMENT, _yaml_reason(exc))]
    except (ValueError, RecursionError) as exc:
        # int() refuses numbers of thousands of digits; report instead of crashing.
        return None, [Problem(name, DOCUMENT, f"value cannot be read: {exc}")]
    if not isinstance(raw, dict):
        kind = "empty" if raw is None else f"a {type(raw).__name__}"
        reason = f"the document must be a mapping of field: value, but it is {kind}"
        return None, [Problem(name, DOCUMENT, reason)]
    try:
        doc = ProtocolSchema().load(raw)
    except ValidationError as exc:
        return None, [Problem(name, path, reason) for path, reason in flatten_errors(exc.messages)]
    return doc, []


def load_protocol_file(path) -> tuple[dict | None, list[Problem]]:
    """Read one protocol file from disk and validate it."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, [Problem(path.name, DOCUMENT, f"cannot read file: {exc.strerror or exc}")]
    if len(data) > MAX_BYTES:
        return None, [Problem(path.name, DOCUMENT, f"file is larger than {MAX_BYTES // 1024} KiB")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem(path.name, DOCUMENT, f"file is not valid UTF-8 text ({exc.reason})")]
    return parse_protocol_text(text, path.name)


def protocols_dir() -> Path:
    """The protocols directory: $STRIDE_PROTOCOLS_DIR, else the repository's protocols/."""
    override = os.environ.get("STRIDE_PROTOCOLS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "protocols"


def protocol_files(paths: list[str] | None = None) -> list[Path]:
    """Expand paths (files or directories) to protocol files; default: every protocols/*.yaml."""
    if not paths:
        paths = [str(protocols_dir())]
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        found.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return found


def validate_files(paths) -> tuple[dict[str, dict], list[Problem]]:
    """Validate files; return ({file path: loaded doc} for valid files, all problems).

    A file whose (id, version) repeats an earlier file's is reported and left out.
    """
    docs: dict[str, dict] = {}
    problems: list[Problem] = []
    owner: dict[tuple[str, int], Path] = {}
    for path in protocol_files(list(map(str, paths)) if paths else None):
        doc, found = load_protocol_file(path)
        problems.extend(found)
        if doc is None:
            continue
        key = (doc["id"], doc["version"])
        if key in owner:
            reason = (
                f"id '{doc['id']}' version {doc['version']} is also defined in "
                f"{owner[key].name}; give each change a new version"
            )
            problems.append(Problem(path.name, "version", reason))
            continue
        owner[key] = path
        docs[str(path)] = doc
    return docs, problems


def flatten_errors(messages, path: str = "") -> list[tuple[str, str]]:
    """Turn marshmallow's nested error dict into (field path, reason) pairs."""
    if isinstance(messages, dict):
        pairs = []
        for key, value in messages.items():
            if key == "_schema":
                child = path
            elif isinstance(key, int):
                child = f"{path}[{key}]"
            else:
                child = f"{path}.{key}" if path else str(key)
            pairs.extend(flatten_errors(value, child))
        return pairs
    if isinstance(messages, list | tuple):
        return [pair for item in messages for pair in flatten_errors(item, path)]
    return [(path or DOCUMENT, _tidy(str(messages)))]


def _tidy(message: str) -> str:
    """Make marshmallow's sentence-style messages match ours: `not a valid integer`."""
    message = message.rstrip(".")
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    return message


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"invalid YAML{where}: {problem}"


@dataclass
class _Frame:
    """An open mapping or sequence while scanning YAML events."""

    path: str
    is_map: bool
    key: str | int | None = None  # the key or index of the node being read
    want_key: bool = False  # a mapping expects a key next
    seen: set = field(default_factory=set)

    def child(self, key) -> str:
        if isinstance(key, int):
            return f"{'' if self.path == DOCUMENT else self.path}[{key}]"
        return key if self.path == DOCUMENT else f"{self.path}.{key}"

    def done_with_value(self) -> None:
        if self.is_map:
            self.want_key = True
        else:
            self.key += 1


def _scan(text: str) -> list[tuple[str, str]]:
    """Check the YAML event stream before any object is built.

    Refuses non-core tags (e.g. !!python/object: never constructed), aliases, duplicate keys,
    more than one document and nesting deeper than MAX_DEPTH. The parser is iterative, so a
    hostile file cannot exhaust the stack here.
    """
    stack: list[_Frame] = []
    documents = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    return [(DOCUMENT, "only one YAML document per file is allowed")]
            elif isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                if stack:
                    stack[-1].done_with_value()
            elif isinstance(event, yaml.NodeEvent):
                problem = _check_node(event, stack)
                if problem:
                    return [problem]
    except yaml.YAMLError as exc:
        return [(DOCUMENT, _yaml_reason(exc))]
    return []


def _check_node(event: yaml.NodeEvent, stack: list[_Frame]) -> tuple[str, str] | None:
    """Check one node event and track where it sits; return (path, reason) if refused."""
    frame = stack[-1] if stack else None
    if frame is None:
        where = DOCUMENT
    else:  # a key is reported at its mapping, a value at its own path
        where = frame.path if frame.want_key else frame.child(frame.key)
    if isinstance(event, yaml.AliasEvent):
        return where, "YAML aliases (*name) are not supported; write the value out"
    tag = event.tag
    if tag and tag not in SAFE_TAGS:
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        return where, f"YAML tag {shown} is not allowed (only plain data is)"
    if frame is not None and frame.want_key:
        # A mapping key: remember it so the value gets a path; refuse repeats.
        if not isinstance(event, yaml.ScalarEvent):
            return frame.path, "mapping keys must be plain names"
        if event.value in frame.seen:
            return frame.child(event.value), "duplicate key"
        frame.seen.add(event.value)
        frame.key, frame.want_key = event.value, False
        return None
    if isinstance(event, yaml.CollectionStartEvent):
        if len(stack) >= MAX_DEPTH:
            return where, f"nested deeper than {MAX_DEPTH} levels"
        is_map = isinstance(event, yaml.MappingStartEvent)
        stack.append(_Frame(where, is_map, key=None if is_map else 0, want_key=is_map))
        return None
    if event.style is None and LONG_NUMBER.fullmatch(event.value):
        return where, "number is far too large"
    if frame is not None:
        frame.done_with_value()
    return None
