"""`flask --app server protocols load PATH` refuses corrupted or hostile files, changing nothing.

Each bad file is a shipped protocol published as a new version (so a valid one would load) and
then damaged: the command must exit non-zero, name the file and the reason, and leave every stored
protocol version (and the change feed devices sync from) exactly as it was.
"""

import random
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Change, ProtocolVersion
from server.protocols.loader import protocols_dir

SHIPPED = protocols_dir() / "piriformis-neural-gliding.yaml"
# Read from the file, so that publishing a new version of the protocol does not break these tests.
SHIPPED_VERSION = int(re.search(r"^version: (\d+)$", SHIPPED.read_text(), flags=re.M).group(1))


def _as_next_version(text: str) -> str:
    next_version = f"version: {SHIPPED_VERSION + 1}"
    return re.sub(r"^version: \d+$", next_version, text, count=1, flags=re.M)


def _nested(depth: int) -> str:
    return "[" * depth + "x" + "]" * depth


def _laughs() -> str:
    lines = ['l0: &l0 "lol"']
    for n in range(1, 10):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def _cases(marker: Path) -> dict[str, tuple[bytes | str, str]]:
    """Name -> (file content, what the refusal must say after "NAME.yaml: ")."""
    good = _as_next_version(SHIPPED.read_text())
    weeks = "conservative_trial_weeks: 12"
    return {
        "wrong-type": (
            good.replace(weeks, "conservative_trial_weeks: twelve"),
            "conservative_trial_weeks: not a valid integer",
        ),
        "scalar-for-list": (
            re.sub(r"^phases:$", "phases: 5\nphases_were:", good, count=1, flags=re.M),
            "phases: not a valid list",
        ),
        "huge-integer": (
            good.replace(weeks, "conservative_trial_weeks: 1" + "0" * 5000),
            "conservative_trial_weeks: number is far too large",
        ),
        "huge-float": (
            good.replace(weeks, "conservative_trial_weeks: 1e999"),
            "conservative_trial_weeks: not a valid integer",
        ),
        "deep-nesting": (good + f"deep: {_nested(5000)}\n", "nested deeper than 20 levels"),
        "unknown-key": (good + "run_as: root\n", "run_as: unknown field"),
        "python-tag": (
            good.replace(
                "title: ", f"title: !!python/object/apply:os.system ['touch {marker}'] #", 1
            ),
            "title: YAML tag !!python/object/apply:os.system is not allowed",
        ),
        "alias-bomb": (good + _laughs(), "l1[0]: YAML aliases (*name) are not supported"),
        "two-documents": (good + "---\n" + good, "only one YAML document per file is allowed"),
        # Cut off before its phases (at a line, so that what is left is still YAML).
        "truncated": (good[: good.index("\nphases:") + 1], "missing data for required field"),
        "not-yaml": (good.replace("phases:", "phases: [unclosed", 1), "invalid YAML at line"),
        "not-utf8": (good.encode("utf-16"), "file is not valid UTF-8 text"),
        "binary-garbage": (random.Random(5).randbytes(4096), "file is not valid UTF-8 text"),
        "empty": ("", "the document must be a mapping of field: value, but it is empty"),
        "too-big": (good + "#" + "x" * 300_000 + "\n", "file is larger than 256 KiB"),
        # The stored version edited in place: refused, never overwritten.
        "edited-in-place": (
            SHIPPED.read_text().replace("Twelve weeks", "Ten weeks", 1),
            f"piriformis-neural-gliding v{SHIPPED_VERSION}: refused (this version is already "
            "loaded with different",
        ),
    }


def _stored(app):
    with app.app_context():
        versions = db.session.execute(
            select(
                ProtocolVersion.protocol_id, ProtocolVersion.version, ProtocolVersion.content_hash
            ).order_by(ProtocolVersion.id)
        ).all()
        changes = db.session.scalar(select(func.count()).select_from(Change))
        db.session.remove()
    return [tuple(v) for v in versions], changes


def _load(app, *paths):
    return app.test_cli_runner().invoke(args=["protocols", "load", *map(str, paths)])


@pytest.fixture(scope="module")
def marker(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile") / "executed"


@pytest.mark.parametrize("name", list(_cases(Path("/nonexistent/marker"))))
def test_hostile_file_is_refused_and_nothing_changes(clean_app, tmp_path, marker, name):
    content, phrase = _cases(marker)[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = _stored(clean_app)
    assert before[0], "the shipped protocols are loaded"

    result = _load(clean_app, path)

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    expected = phrase if name == "edited-in-place" else f"{name}.yaml: "
    assert expected in result.stderr and phrase in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert _stored(clean_app) == before
    assert not marker.exists()


def test_one_hostile_file_stops_a_batch_before_anything_is_stored(clean_app, tmp_path):
    valid = tmp_path / "valid-next.yaml"
    valid.write_text(_as_next_version(SHIPPED.read_text()))
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(valid.read_text() + "extra_key: true\n")
    before = _stored(clean_app)

    result = _load(clean_app, valid, hostile)

    assert result.exit_code == 1
    assert "hostile.yaml: extra_key" in result.stderr
    assert _stored(clean_app) == before
    # The same valid file alone is accepted: it was the hostile one that stopped the batch.
    alone = _load(clean_app, valid)
    assert alone.exit_code == 0, alone.output
    assert f"piriformis-neural-gliding v{SHIPPED_VERSION + 1}: loaded" in alone.output
    assert len(_stored(clean_app)[0]) == len(before[0]) + 1
