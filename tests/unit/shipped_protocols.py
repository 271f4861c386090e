"""The protocols shipped in protocols/, validated as the loader does (shared by the tests)."""

from pathlib import Path

import pytest

from server.protocols.loader import validate_files

PROTOCOLS_DIR = Path(__file__).resolve().parents[2] / "protocols"


@pytest.fixture(scope="module")
def protocols() -> dict[str, dict]:
    """Return every shipped protocol by id; a file with any problem fails the test."""
    docs, problems = validate_files([str(PROTOCOLS_DIR)])
    assert [str(p) for p in problems] == []
    return {doc["id"]: doc for doc in docs.values()}


def exercises(doc: dict):
    """Yield every exercise of a protocol document, phase by phase."""
    for phase in doc["phases"]:
        yield from phase["exercises"]
