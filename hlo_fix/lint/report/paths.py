"""Paths as CI tools want them: relative to the working directory, with forward slashes."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote


def leaves_directory(relative: str) -> bool:
    """Whether a relative path climbs out of its base (`..` or `../x`, not a name like `..x`)."""
    return relative == os.pardir or relative.startswith(os.pardir + os.sep)


def relative_posix_path(filename: str, cwd: Path | None = None) -> str:
    """`filename` relative to `cwd` when inside it (relative names are taken as they are), else absolute; with `/`."""
    if filename == "-":
        return filename
    if not os.path.isabs(filename):
        normalized = os.path.normpath(filename)
        if not leaves_directory(normalized):
            return normalized.replace(os.sep, "/")
    base = os.path.abspath(cwd or Path.cwd())
    absolute = os.path.abspath(filename)
    try:
        relative = os.path.relpath(absolute, base)
    except ValueError:  # another drive on Windows
        relative = absolute
    chosen = absolute if leaves_directory(relative) else relative
    return chosen.replace(os.sep, "/")


def artifact_uri(filename: str, cwd: Path | None = None) -> str:
    """A SARIF artifact URI: a relative reference inside the working tree, a file:// URI outside it."""
    path = relative_posix_path(filename, cwd)
    return Path(path).as_uri() if os.path.isabs(path) else quote(path, safe="/")
