"""The one cache policy for what is decoded from op text.

Per-module analyses (sharding, call graph, matches) live on the module's lint context and go with it. What is
decoded from an op's own text (attributes, signatures, splat values, fingerprints) is keyed by that text instead,
because a deep export repeats the same few hundred op texts thousands of times, and so do the files of one
model. Those tables are shared by every module a process reads, so they are bounded: an API process that lints
thousands of distinct modules keeps at most `max_entries` keys and `max_chars` characters of key text per table.
"""

from __future__ import annotations

import functools
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")

_MISSING = object()


class TextTable(Generic[V]):
    """A dict from op text (or a tuple ending in one) to a decoded value, forgetting its older half when full.

    Reads cost one dict lookup. A key longer than the whole character budget (a 100 MB weight constant) is never
    kept: decoding it again is cheaper than holding its text for the life of the process."""

    __slots__ = ("_entries", "_chars", "max_entries", "max_chars")

    def __init__(self, max_entries: int = 2048, max_chars: int = 1 << 20):
        self._entries: dict[Hashable, V] = {}
        self._chars = 0
        self.max_entries = max_entries
        self.max_chars = max_chars
        _TABLES.append(self)

    def get(self, key: Hashable, default=None):
        return self._entries.get(key, default)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, key: Hashable, value: V) -> V:
        """Remember `value` for `key` (within the budget) and return it."""
        size = _size(key)
        if size > self.max_chars:
            return value
        if self._entries.get(key, _MISSING) is _MISSING:
            if len(self._entries) >= self.max_entries or self._chars + size > self.max_chars:
                self._forget_older_half()
            self._chars += size
        self._entries[key] = value
        return value

    def clear(self) -> None:
        self._entries.clear()
        self._chars = 0

    def _forget_older_half(self) -> None:
        # Rebuilt rather than popped from the front: deleting a dict's first keys one by one makes every later
        # "first key" lookup skip the deleted slots.
        kept = list(self._entries.items())[len(self._entries) // 2 :]
        self._entries = dict(kept)
        self._chars = sum(_size(key) for key, _ in kept)


def memoized(decode: Callable[[str], V]) -> Callable[[str], V]:
    """`decode` (a pure function of one text) answered from its own bounded table."""
    table: TextTable[V] = TextTable()

    @functools.wraps(decode)
    def lookup(text: str) -> V:
        found = table.get(text, _MISSING)
        return table.put(text, decode(text)) if found is _MISSING else found

    lookup.table = table  # type: ignore[attr-defined]
    return lookup


_TABLES: list[TextTable] = []


def tables() -> tuple[TextTable, ...]:
    """Every text table of the process (one per kind of decoded fact), for tests and for `clear()`."""
    return tuple(_TABLES)


def _size(key: Hashable) -> int:
    if isinstance(key, str):
        return len(key)
    if isinstance(key, tuple):
        return sum(len(part) for part in key if isinstance(part, str))
    return 1
