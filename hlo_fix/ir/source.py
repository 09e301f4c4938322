"""Reading module files: bytes to text with a located error instead of a UnicodeDecodeError traceback."""

from __future__ import annotations

import mmap
import os
import stat
from pathlib import Path

from hlo_fix.errors import ParseError

# A file at least this large is decoded straight from a mapping of the page cache: reading it first would copy
# it into a bytes object that is thrown away after decoding (half the reading time of a 100 MB module).
_MAPPED = 1 << 20
_POPULATE = getattr(mmap, "MAP_POPULATE", 0)  # fault every page in with one system call (Linux)


def decode_source(data: bytes, path: str | None = None) -> str:
    """MLIR text is UTF-8; report the first byte that is not, at its line and column."""
    try:
        return str(data, "utf-8")
    except UnicodeDecodeError as exc:
        head = bytes(data[: exc.start])
        line = head.count(b"\n") + 1
        column = exc.start - (head.rfind(b"\n") + 1) + 1
        raise ParseError(f"input is not UTF-8 text (byte 0x{data[exc.start]:02x})", line, column, path) from None


def read_source(path: str | Path) -> str:
    """Read a module file; an unreadable file is a ParseError at 1:1 so the CLI can print one line for it."""
    try:
        with open(path, "rb", buffering=0) as stream:  # one read of the whole file, no pathlib per file
            size = _regular_size(stream)
            mapped = _mapped(stream) if size is not None and size >= _MAPPED else None
            if mapped is None:
                # Its size known, a file takes one read (`read()` asks the size again, then reads twice).
                data = stream.read(size + 1) if size is not None else stream.read()
                if size is not None and len(data) > size:  # it grew meanwhile
                    data += stream.read()
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}", 1, 1, str(path)) from None
    if mapped is None:
        return decode_source(data, str(path))
    try:
        return decode_source(mapped, str(path))
    finally:
        mapped.close()


def _regular_size(stream) -> int | None:
    """The size of a regular file, None for anything else (a FIFO, a device) or where it cannot be told."""
    try:
        info = os.fstat(stream.fileno())
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _mapped(stream) -> mmap.mmap | None:
    """A read-only mapping of a large regular file, or None where mapping fails."""
    try:
        if hasattr(mmap, "MAP_PRIVATE"):
            return mmap.mmap(stream.fileno(), 0, flags=mmap.MAP_PRIVATE | _POPULATE, prot=mmap.PROT_READ)
        return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, OverflowError):
        return None


# Characters of hex digit runs (a weight constant's bulk, `dense<"0x...">`).
_HEX_RUN = frozenset("0123456789abcdefABCDEFx")


def find_word(text: str, word: str, start: int = 0, end: int | None = None, piece: int = 1 << 16) -> int:
    """`text.find(word, start, end)`, 64 KB at a time, skipping each piece where a character of the word
    that hex digits never hold does not occur. CPython finds one character with `memchr`, at memory speed, but
    a longer word three to ten times slower: in a module that is mostly one 100 MB hex constant, every
    whole-text search for a word would cost tens of milliseconds."""
    size = len(text) if end is None else end
    key_at = next((i for i, ch in enumerate(word) if ch not in _HEX_RUN), -1)
    if key_at < 0 or size - start <= piece or start < 0 or size > len(text):
        return text.find(word, start, size)
    key, last = word[key_at], len(word) - 1
    pos = start
    while pos < size:
        stop = min(pos + piece, size)
        # A word starting in [pos, stop) has its key in [pos + key_at, stop + key_at).
        found = text.find(key, pos + key_at, min(stop + key_at, size))
        if found >= 0:
            at = text.find(word, found - key_at, min(stop + last, size))
            if at >= 0:
                return at
        pos = stop
    return -1
