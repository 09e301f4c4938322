"""Configuration files: `[tool.hlo-fix]` in pyproject.toml or a plain `.hlo-fix.toml` / `hlo-fix.toml`, turned
into Settings.

Discovery walks from a directory upwards (the CLI starts at each linted file's directory, as ruff does); in each
directory `.hlo-fix.toml`, then `hlo-fix.toml`, then `pyproject.toml` is taken, and a pyproject.toml without a
`[tool.hlo-fix]` table is skipped.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hlo_fix.errors import ConfigError
from hlo_fix.lint.settings import (
    INDEX_FLOATS,
    Settings,
    normalize_selectors,
    registered_codes,
    unknown_selectors,
)

PYPROJECT = "pyproject.toml"
STANDALONE = "hlo-fix.toml"
STANDALONE_NAMES = (".hlo-fix.toml", STANDALONE)  # in order of precedence within one directory
TABLE = ("tool", "hlo-fix")

LIST_KEYS = {
    "select": "select", "ignore": "ignore", "extend-select": "extend_select",
    "extend-safe-fixes": "extend_safe_fixes", "extend-unsafe-fixes": "extend_unsafe_fixes", "unfixable": "unfixable",
}
# Globs (file discovery), not rule selectors.
GLOB_KEYS = {"exclude": "exclude", "extend-exclude": "extend_exclude"}
BOOL_KEYS = {"unsafe-fixes": "unsafe_fixes", "respect-gitignore": "respect_gitignore", "force-exclude": "force_exclude"}
KNOWN_KEYS = (*LIST_KEYS, "per-file-ignores", "index-float", *BOOL_KEYS, *GLOB_KEYS)


class ConfigFileError(ConfigError):
    """A problem at a place in a file named by an option (configuration, baseline): `path:line:col: error: ...`."""

    def __init__(self, message: str, path: Path | str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.path = str(path)
        self.line = line
        self.column = column

    def format(self, path: str | None = None) -> str:
        return f"{path or self.path}:{self.line}:{self.column}: error: {self.message}"


@dataclass(frozen=True)
class ConfigSource:
    """One configuration file: where it is, its text (to locate keys for errors) and its hlo-fix table."""

    path: Path
    text: str
    table: dict[str, Any]

    @property
    def table_name(self) -> str:
        return "[tool.hlo-fix]" if self.path.name == PYPROJECT else self.path.name


def find_config(start: Path | None = None) -> Path | None:
    """The nearest .hlo-fix.toml, hlo-fix.toml, or pyproject.toml with a [tool.hlo-fix] table, at or above
    `start`."""
    start = (start or Path.cwd()).absolute()
    for directory in (start, *start.parents):
        standalone = next((directory / name for name in STANDALONE_NAMES if (directory / name).is_file()), None)
        if standalone is not None:
            return standalone
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and _hlo_fix_table(_parse(pyproject, _read(pyproject))) is not None:
            return pyproject
    return None


def read_config(path: Path) -> ConfigSource:
    """Parse one configuration file; a pyproject.toml must have a [tool.hlo-fix] table."""
    text = _read(path)
    document = _parse(path, text)
    if path.name != PYPROJECT:
        return ConfigSource(path, text, document)
    table = _hlo_fix_table(document)
    if table is None:
        raise ConfigFileError("no [tool.hlo-fix] table in this pyproject.toml", path)
    return ConfigSource(path, text, table)


def settings_from_config(source: ConfigSource) -> Settings:
    """Check every key and value of the table, then build Settings rooted at the file's directory."""
    table = source.table
    for key in table:
        if key not in KNOWN_KEYS:
            import difflib

            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f" (known keys: {', '.join(KNOWN_KEYS)})"
            raise _error_at(source, key, f"unknown key `{key}` in {source.table_name}{hint}")

    options: dict[str, Any] = {"project_root": str(source.path.parent)}
    for key, field_name in LIST_KEYS.items():
        if key in table:
            options[field_name] = _selectors(source, key, table[key], key)
    if "per-file-ignores" in table:
        options["per_file_ignores"] = _per_file_ignores(source, table["per-file-ignores"])
    if "index-float" in table:
        value = table["index-float"]
        if value not in INDEX_FLOATS:
            raise _error_at(source, "index-float", f"`index-float` must be one of: {', '.join(INDEX_FLOATS)}")
        options["index_float"] = value
    for key, field_name in BOOL_KEYS.items():
        if key in table:
            if not isinstance(table[key], bool):
                raise _error_at(source, key, f"`{key}` must be true or false")
            options[field_name] = table[key]
    for key, field_name in GLOB_KEYS.items():
        if key in table:
            value = table[key]
            if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
                raise _error_at(source, key, f"`{key}` must be a list of globs, like [\"generated/*.mlir\"]")
            options[field_name] = tuple(value)
    return Settings(**options)


def load_settings(config: str | Path | None = None, *, isolated: bool = False, cwd: Path | None = None) -> Settings:
    """Settings from `config` if given, else from the discovered file, else the defaults."""
    if isolated:
        return Settings()
    path = Path(config) if config is not None else find_config(cwd)
    if path is None:
        return Settings()
    return settings_from_config(read_config(path))


def read_regular_text(path: Path, what: str) -> str:
    """The UTF-8 text of `path`, refusing anything but a regular file: a FIFO or device named by `--config` or
    `--baseline` would block the run (or never end). Opened without blocking, then checked, so there is no race."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ConfigFileError(f"{what} file not found", path) from None
    except OSError as exc:
        raise ConfigFileError(f"cannot read {what} file: {exc.strerror or exc}", path) from None
    with open(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise ConfigFileError(f"{what} file is not a regular file", path)
        try:
            return stream.read().decode("utf-8")
        except OSError as exc:
            raise ConfigFileError(f"cannot read {what} file: {exc.strerror or exc}", path) from None
        except UnicodeDecodeError as exc:
            raise ConfigFileError(f"cannot read {what} file: {exc}", path) from None


def _read(path: Path) -> str:
    return read_regular_text(path, "configuration")


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return _loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if where:
            line, column = int(where[1]), int(where[2])
        else:  # "(at end of document)"
            where = re.search(r"\s*\(at end of document\)$", message)
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
        message = message[: where.start()] if where else message
        raise ConfigFileError(f"invalid TOML: {message}", path, line, column) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        line, column = _deepest_nesting(text)
        raise ConfigFileError("invalid TOML: arrays or inline tables nested too deeply", path, line, column) from None


def _deepest_nesting(text: str) -> tuple[int, int]:
    """Line and column of the first bracket at the deepest nesting (ignoring strings: only to locate the error)."""
    depth = best = 0
    where = (1, 1)
    for number, line in enumerate(text.splitlines(), start=1):
        for column, char in enumerate(line, start=1):
            if char in "[{":
                depth += 1
                if depth > best:
                    best, where = depth, (number, column)
            elif char in "]}":
                depth = max(depth - 1, 0)
    return where


@functools.lru_cache(maxsize=2)
def _loads(text: str) -> dict[str, Any]:
    """tomllib, remembered for the file discovery just read: `find_config` and `read_config` parse it once."""
    return tomllib.loads(text)


def _hlo_fix_table(document: dict[str, Any]) -> dict[str, Any] | None:
    tool = document.get(TABLE[0])
    table = tool.get(TABLE[1]) if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


def _selectors(source: ConfigSource, key: str, value: Any, option: str, codes=None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _error_at(source, key, f"`{option}` must be a list of rule codes, like [\"HF001\", \"HF00\"]")
    selectors = normalize_selectors(value)
    unknown = unknown_selectors(selectors, codes)
    if unknown:
        raise _error_at(source, key, f"unknown rule code or prefix `{unknown[0]}` in `{option}`")
    return selectors


def _per_file_ignores(source: ConfigSource, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise _error_at(source, "per-file-ignores", "`per-file-ignores` must be a table of glob = [codes]")
    known = registered_codes()  # once, not once per glob
    return {
        pattern: _selectors(source, "per-file-ignores", codes, f"per-file-ignores.\"{pattern}\"", known)
        for pattern, codes in value.items()
    }


def _error_at(source: ConfigSource, key: str, message: str) -> ConfigFileError:
    return ConfigFileError(message, source.path, _line_of_key(source, key), 1)


def _line_of_key(source: ConfigSource, key: str) -> int:
    """Best-effort line of `key` in the hlo-fix table (tomllib keeps no positions); 1 when not found."""
    wanted = ".".join(TABLE) if source.path.name == PYPROJECT else ""
    current = ""
    header_line = 1
    key_pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    for number, line in enumerate(source.text.splitlines(), start=1):
        header = re.match(r"^\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            current = re.sub(r"""\s*\.\s*|["']""", lambda m: "." if "." in m[0] else "", header[1])
            if current == wanted:
                header_line = number
            elif current == f"{wanted}.{key}".lstrip("."):
                return number
        elif current == wanted and key_pattern.match(line):
            return number
    return header_line
