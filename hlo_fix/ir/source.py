"""Reading module files: bytes to text with a located error instead of a UnicodeDecodeError traceback."""

from __future__ import annotations

from pathlib import Path

from hlo_fix.errors import ParseError


def decode_source(data: bytes, path: str | None = None) -> str:
    """MLIR text is UTF-8; report the first byte that is not, at its line and column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        column = exc.start - (head.rfind(b"\n") + 1) + 1
        raise ParseError(f"input is not UTF-8 text (byte 0x{data[exc.start]:02x})", line, column, path) from None


def read_source(path: str | Path) -> str:
    """Read a module file; an unreadable file is a ParseError at 1:1 so the CLI can print one line for it."""
    try:
        with open(path, "rb", buffering=0) as stream:  # one read of the whole file, no pathlib per file
            data = stream.read()
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}", 1, 1, str(path)) from None
    return decode_source(data, str(path))
