"""The per-worker cache of serialized answers: bounded by bytes, least recently used first."""

from server.api.caching import AnswerCache


def test_the_least_recently_used_answers_go_first_when_full():
    cache = AnswerCache(max_bytes=10)
    cache.put("a", b"aaaa")
    cache.put("b", b"bbbb")
    assert cache.get("a") == b"aaaa"  # "b" is now the least recently used
    cache.put("c", b"cccc")
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (b"aaaa", b"cccc")
    assert cache.size == 8 and len(cache) == 2


def test_replacing_an_entry_keeps_the_byte_count_right():
    cache = AnswerCache(max_bytes=10)
    cache.put("a", b"aaaaaaaa")
    cache.put("a", b"aa")
    cache.put("b", b"bbbbbbbb")
    assert cache.size == 10
    assert (cache.get("a"), cache.get("b")) == (b"aa", b"bbbbbbbb")


def test_an_answer_larger_than_the_cache_is_returned_but_not_kept():
    cache = AnswerCache(max_bytes=4)
    cache.put("small", b"ok")
    assert cache.put("big", b"too large") == b"too large"
    assert cache.get("big") is None
    assert cache.get("small") == b"ok"
    assert (cache.hits, cache.misses) == (1, 1)
