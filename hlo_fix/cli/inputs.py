"""The modules a command reads: PATH arguments (files, directories searched for *.mlir, `-`) expanded into
sorted inputs, each with the settings of its nearest configuration."""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from hlo_fix.cli.errors import print_error, print_warning
from hlo_fix.errors import ParseError
from hlo_fix.ir.source import decode_source, read_source
from hlo_fix.lint.settings import Settings

MODULE_SUFFIX = ".mlir"
STDIN = "-"


@dataclass(frozen=True)
class InputFile:
    """A module to lint: `name` is how reports show it; `path` is None for stdin."""

    name: str
    path: str | None
    # Settings of the configuration nearest to the file, when discovery resolved them; else the run's.
    settings: Settings | None = field(default=None, compare=False)

    def read(self) -> str:
        if self.path is None:
            stream = getattr(sys.stdin, "buffer", sys.stdin)
            data = stream.read() if stream is not None else b""
            return decode_source(data.encode("utf-8") if isinstance(data, str) else data, self.name)
        return read_source(self.path)


def display_name(path: str) -> str:
    """Relative to the current directory when inside it (as ruff shows paths), else normalised as written."""
    absolute, cwd = os.path.abspath(path), os.getcwd()
    inside = cwd if cwd.endswith(os.sep) else cwd + os.sep
    if len(absolute) > len(inside) and absolute.startswith(inside):  # relpath's answer, without its walk
        return absolute[len(inside):]
    relative = os.path.relpath(absolute, cwd)
    return relative if not _leaves_directory(relative) else os.path.normpath(path)


def _leaves_directory(relative: str) -> bool:
    return relative == os.pardir or relative.startswith(os.pardir + os.sep)


def inputs_under(directory: str, resolver=None) -> Iterator[tuple[str, InputFile]]:
    """(absolute path, input) for the `*.mlir` files below `directory` in sorted order, skipping hidden
    directories (`.git`, `.venv`) and not following symlinked directories (no cycles); with a `SettingsResolver`,
    excluded and git-ignored ones too (`hlo_fix.lint.discovery`). A FIFO, socket or device named *.mlir is skipped
    with a warning: reading one would block the run. Names and settings are worked out once per directory."""
    from hlo_fix.lint.discovery import mlir_files_by_directory

    for root, settings, names in mlir_files_by_directory(directory, resolver):
        shown, absolute, relative = _display_prefix(root), _join_prefix(os.path.abspath(root)), _join_prefix(root)
        for name, regular in names:
            if regular:
                yield absolute + name, InputFile(shown + name, relative + name, settings)
            else:
                print_warning(f"{shown + name}: not a regular file; skipped")


def _join_prefix(directory: str) -> str:
    """What `os.path.join(directory, name)` puts before a plain `name`."""
    return directory if not directory or directory.endswith(os.sep) else directory + os.sep


def _display_prefix(directory: str) -> str:
    """What `display_name(os.path.join(directory, name))` puts before a plain `name`."""
    relative = os.path.relpath(os.path.abspath(directory), os.getcwd())
    if relative == os.curdir:
        return ""
    shown = relative if not _leaves_directory(relative) else os.path.normpath(directory)
    return shown if shown.endswith(os.sep) else shown + os.sep


def gather_inputs(paths: Sequence[str], stdin_filename: str | None, quiet: bool, resolver=None):
    """`collect_inputs`, with each path error printed and a warning when nothing was found (lint and fix)."""
    inputs, path_errors = collect_inputs(paths, stdin_filename, resolver)
    for error in path_errors:
        print_error(error)
    if not inputs and not path_errors and not quiet:
        print_warning(f"no {MODULE_SUFFIX} files found under the given paths")
    return inputs, path_errors


def collect_inputs(
    paths: Sequence[str], stdin_filename: str | None = None, resolver=None
) -> tuple[list[InputFile], list[ParseError]]:
    """Expand PATH arguments (files, directories, `-`) into sorted, de-duplicated inputs, plus one error per bad
    path. Without arguments the current directory is linted; stdin is read only when `-` is given.

    With a `SettingsResolver` each input carries the settings of its nearest configuration, directories skip
    excluded and git-ignored files, and a file named explicitly is skipped only under `force-exclude` (ruff's
    rules)."""
    found: dict[str, InputFile] = {}
    errors: list[ParseError] = []
    read_stdin = False
    for argument in paths or (".",):
        mode = _mode(argument) if argument != STDIN else None
        if argument == STDIN:
            read_stdin = True
        elif mode is not None and stat.S_ISDIR(mode):
            for key, item in inputs_under(argument, resolver):
                found.setdefault(key, item)
        elif mode is not None and stat.S_ISREG(mode):
            absolute = os.path.abspath(argument)
            settings = resolver.for_path(absolute, is_directory=False) if resolver is not None else None
            if settings is not None and _force_excluded(argument, settings):
                continue
            if absolute not in found:
                found[absolute] = InputFile(display_name(argument), argument, settings)
        elif os.path.lexists(argument):
            errors.append(ParseError("not a regular file or directory", 1, 1, argument))
        else:
            errors.append(ParseError("no such file or directory", 1, 1, argument))
    inputs = sorted(found.values(), key=lambda item: item.name)
    if read_stdin:
        stdin_settings = resolver.for_path(stdin_filename or ".") if resolver is not None else None
        inputs.append(InputFile(stdin_filename or STDIN, None, stdin_settings))
    return inputs, errors


def _mode(path: str) -> int | None:
    """The file type and mode bits of what `path` names (links followed), None when it cannot be stat'ed: one
    system call answers both os.path.isdir and os.path.isfile (pre-commit names thousands of files)."""
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):
        return None


def _force_excluded(path: str, settings: Settings) -> bool:
    """Under `force-exclude`: the file or a directory it is in (below the project root) is excluded."""
    if not settings.force_exclude:
        return False
    root = Path(os.path.abspath(settings.project_root or os.getcwd()))
    inside = [parent for parent in Path(os.path.abspath(path)).parents if root in (parent, *parent.parents)]
    return settings.excluded(path) or any(settings.excluded(str(parent)) for parent in inside)
