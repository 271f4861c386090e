"""Serialized answers kept per worker process, for reads whose inputs never change in place."""

import threading
from collections import OrderedDict
from collections.abc import Hashable


class AnswerCache:
    """A least-recently-used map from a key to a JSON body, bounded by the bytes it holds.

    Only for answers that are a pure function of their key: the key must name every input
    (ids and versions of immutable rows), so an entry can never go stale, only unused.
    Safe to share between a worker's threads.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        """Return the body stored under `key` (and mark it recently used), or None."""
        with self._lock:
            body = self._entries.get(key)
            if body is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: Hashable, body: bytes) -> bytes:
        """Store a body, dropping the least recently used ones beyond the size bound."""
        if len(body) > self.max_bytes:
            return body
        with self._lock:
            old = self._entries.pop(key, None)
            self._size += len(body) - (len(old) if old is not None else 0)
            self._entries[key] = body
            while self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)
        return body

    @property
    def size(self) -> int:
        """Return the bytes held."""
        return self._size

    def __len__(self) -> int:
        return len(self._entries)
