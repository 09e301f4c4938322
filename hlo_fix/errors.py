"""Errors that the command line turns into one `path:line:col: error: message` line and exit code 2."""

from __future__ import annotations


class HloFixError(Exception):
    """Base of every error hlo-fix reports to a user rather than as a traceback."""


class ParseError(HloFixError):
    """Input that is not readable StableHLO text; line and column are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.path = path

    def format(self, path: str | None = None) -> str:
        where = path or self.path or "<input>"
        return f"{where}:{self.line}:{self.column}: error: {self.message}"

    def __str__(self) -> str:
        return self.format()


class ConfigError(HloFixError):
    """A bad option, configuration file or rule code."""
