"""A body's bytes alone can show that all its text is storable: only then is the walk skipped."""

import json

import pytest

from server.schemas.text import plainly_storable, unstorable_text


@pytest.mark.parametrize(
    "body",
    [
        '{"note": "sore after the walk", "nprs": 3}',
        '{"note": "d\\u00e9j\\u00e0 vu"}',  # an escape that is fine still makes it walked
        '{"note": "a\\u0000b"}',
        '{"note": "sore \\ud800"}',
        '{"x\\udfff": 1}',
        '{"note": "\\\\u not an escape"}',
        '{"note": "caf\u00e9 \u2014 fine"}',
    ],
)
def test_a_body_passed_as_plain_holds_no_text_that_cannot_be_stored(body):
    raw = body.encode("utf-8")
    if plainly_storable(raw):
        assert unstorable_text(json.loads(raw)) == {}
    else:
        assert b"\\u" in raw


def test_bodies_that_may_hold_unstorable_text_are_walked():
    assert not plainly_storable(b'{"note": "a\\u0000b"}')
    assert not plainly_storable(b'{"note": "\\uD800"}')
    assert not plainly_storable('{"note": "x"}'.encode("utf-16"))  # NUL bytes: not UTF-8
    assert plainly_storable('{"note": "caf\u00e9"}'.encode("utf-8"))
