"""How the command line reports trouble: one line on stderr and an exit code, never a traceback.

A located problem reads `path:line:col: error: message`; one that names no file reads `hlo-fix: error: message`.
`FileErrors` is the one wrapper every command puts around the work on one file, so a bad file costs one line and
the other files go on.
"""

from __future__ import annotations

import os

import click

from hlo_fix.errors import HloFixError, ParseError

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

PROGRAM = "hlo-fix"
# Set to re-raise unexpected exceptions with their traceback instead of printing one line (for debugging hlo-fix).
TRACEBACK_ENV = "HLO_FIX_TRACEBACK"


def format_error(error: HloFixError | str, path: str | None = None) -> str:
    """The one line for an error: located when the error (or `path`) says where, else `hlo-fix: error: ...`."""
    if isinstance(error, ParseError):
        line = error.format(path)
    elif hasattr(error, "format") and getattr(error, "path", None):
        line = error.format()
    elif path is not None:
        line = f"{path}:1:1: error: {error}"
    else:
        line = f"{PROGRAM}: error: {error}"
    return " ".join(line.split())


def internal_error(exc: Exception) -> str:
    """The message for a bug in hlo-fix, reported like any other error."""
    return f"internal error ({type(exc).__name__}: {exc}); please report it"


def print_error(error: HloFixError | str, path: str | None = None) -> None:
    click.echo(format_error(error, path), err=True)


def print_warning(message: str) -> None:
    click.echo(f"{PROGRAM}: warning: {message}", err=True)


class FileErrors:
    """`with FileErrors(name) as guard:` around one file's work: an HloFixError, or a bug (any other Exception),
    becomes its one error line located at `name`, and `guard.failed` is set instead of the exception escaping.
    With HLO_FIX_TRACEBACK set, bugs propagate with their traceback. Subclasses locate more kinds (`locate`)."""

    def __init__(self, name: str):
        self.name = name
        self.failed = False

    def __enter__(self) -> FileErrors:
        return self

    def __exit__(self, kind, exc, traceback) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        located = self.locate(exc)
        if located is None:
            if os.environ.get(TRACEBACK_ENV):
                return False
            located = internal_error(exc), self.name
        print_error(*located)
        self.failed = True
        return True

    def locate(self, exc: Exception) -> tuple[HloFixError | str, str] | None:
        """The error and the path to report it at, or None for a bug."""
        return (exc, self.name) if isinstance(exc, HloFixError) else None
