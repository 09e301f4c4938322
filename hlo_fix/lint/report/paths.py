"""Paths as CI tools want them: relative to the repository root, with forward slashes.

GitHub matches annotations and code-scanning results against paths in the repository, so a run from a
subdirectory must still name `models/m.mlir` as `models/m.mlir`, not as `m.mlir`. The root is the nearest
directory at or above the working directory holding `.git` (a directory, or a worktree's file); outside a
repository it is the working directory itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

STDIN = "-"
# SARIF's conventional base for paths inside the checked-out sources (GitHub code scanning resolves it).
SOURCE_ROOT_ID = "%SRCROOT%"


def leaves_directory(relative: str) -> bool:
    """Whether a relative path climbs out of its base (`..` or `../x`, not a name like `..x`)."""
    return relative == os.pardir or relative.startswith(os.pardir + os.sep)


def repository_root(cwd: Path | None = None) -> Path:
    """The nearest directory at or above `cwd` (default: the working directory) with a `.git`; else `cwd`."""
    start = Path(os.path.abspath(cwd or Path.cwd()))
    for directory in (start, *start.parents):
        if os.path.lexists(directory / ".git"):
            return directory
    return start


def root_relative_path(filename: str, cwd: Path | None = None, root: Path | None = None) -> str | None:
    """`filename` (relative names are taken from `cwd`) relative to `root`, with `/`; None when outside it."""
    base = os.path.abspath(cwd or Path.cwd())
    absolute = os.path.normpath(os.path.join(base, filename))
    try:
        relative = os.path.relpath(absolute, os.path.abspath(root or repository_root(cwd)))
    except ValueError:  # another drive on Windows
        return None
    return None if leaves_directory(relative) else relative.replace(os.sep, "/")


def relative_posix_path(filename: str, cwd: Path | None = None, root: Path | None = None) -> str:
    """`filename` relative to the repository root when inside it, else absolute; with `/`. Stdin stays `-`."""
    if filename == STDIN:
        return filename
    relative = root_relative_path(filename, cwd, root)
    if relative is not None:
        return relative
    return os.path.normpath(os.path.join(os.path.abspath(cwd or Path.cwd()), filename)).replace(os.sep, "/")


def artifact_location(filename: str, cwd: Path | None = None, root: Path | None = None) -> dict:
    """A SARIF artifactLocation: a relative reference against `%SRCROOT%` inside the repository, an absolute
    file:// URI outside it (and the name as given, percent-encoded, for stdin)."""
    if filename == STDIN:
        return {"uri": quote(filename, safe="/")}
    relative = root_relative_path(filename, cwd, root)
    if relative is None:
        absolute = os.path.normpath(os.path.join(os.path.abspath(cwd or Path.cwd()), filename))
        return {"uri": Path(absolute).as_uri()}
    return {"uri": quote(relative, safe="/"), "uriBaseId": SOURCE_ROOT_ID}


def root_uri(root: Path) -> str:
    """The file:// URI of a directory, ending in `/` as SARIF requires of a base URI."""
    uri = Path(os.path.abspath(root)).as_uri()
    return uri if uri.endswith("/") else uri + "/"
