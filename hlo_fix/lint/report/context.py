"""What a report format needs besides the findings (its own module, so formats import it without importing the
package that loads them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


@dataclass(frozen=True)
class ReportContext:
    """What a format needs besides the findings."""

    # filename -> module text, for the snippets of the full format.
    sources: Mapping[str, str] = field(default_factory=dict)
    # Unsafe fixes count as applicable (`[*]`) only when the user opted in, as in ruff.
    unsafe_fixes: bool = False
    # Relative filenames are taken from this directory (None: the current one).
    cwd: Path | None = None
    # Paths in SARIF and GitHub annotations are relative to this repository root (None: found from `cwd`).
    root: Path | None = None
    # The run's Settings, for formats that compute fixes (SARIF); None: the defaults with `unsafe_fixes`.
    settings: Any = None
    # filename -> the Settings that file was linted with, where its nearest configuration differs.
    file_settings: Mapping[str, Any] = field(default_factory=dict)
    # Some file could not be linted: a clean result is then not "All checks passed!".
    had_errors: bool = False
    # Findings only, no summary line.
    quiet: bool = False
    # ANSI colour in the full and concise formats (`--color`).
    color: bool = False
    # Who reads the report: "cli" (a shell user, pointed at `hlo-fix fix`), or "python" (`hlo_fix.check`'s
    # caller, who holds a lowering, not a file, and fixes the Python source).
    audience: str = "cli"
