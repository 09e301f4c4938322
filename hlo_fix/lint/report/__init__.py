"""Report formats. Each format is its own module with `render(findings, context) -> str`, imported only when used."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from hlo_fix.lint.finding import Finding

FORMATS = ("full", "concise", "json", "sarif", "github", "gitlab", "junit")
DEFAULT_FORMAT = "full"


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


def render(output_format: str, findings: Sequence[Finding], context: ReportContext) -> str:
    """The report text, ending in a newline unless empty."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown output format {output_format!r}")
    module = importlib.import_module(f"{__name__}.{output_format}")
    return module.render(findings, context)


def render_statistics(findings: Sequence[Finding], context: ReportContext, *, as_json: bool = False) -> str:
    from hlo_fix.lint.report import statistics

    return statistics.render(findings, context, as_json=as_json)
