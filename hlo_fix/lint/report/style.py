"""ANSI colour for the human formats on a terminal (ruff's palette: bold path, red code, cyan `[*]`).

Styling is applied only when the report context asks for it, so the plain output is byte for byte what it was.
"""

from __future__ import annotations

import os

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
RED = "\x1b[31m"
YELLOW = "\x1b[33m"
CYAN = "\x1b[36m"
BLUE = "\x1b[34m"
COLOR_CHOICES = ("auto", "always", "never")


def paint(text: str, style: str, enabled: bool) -> str:
    return f"{style}{text}{RESET}" if enabled and text else text


def use_color(choice: str, stream) -> bool:
    """`always`/`never` as asked; `auto` colours a terminal unless NO_COLOR is set (or FORCE_COLOR forces it),
    and never a file (`stream` None)."""
    if choice == "always":
        return True
    if choice == "never" or stream is None:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
    except (OSError, ValueError):
        return False
