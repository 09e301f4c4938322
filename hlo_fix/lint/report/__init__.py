"""Report formats. Each format is its own module with `render(findings, context) -> str`, imported only when used."""

from __future__ import annotations

import importlib
from typing import Sequence

from hlo_fix.lint.report.context import ReportContext
from hlo_fix.rule_api.finding import Finding

__all__ = ["DEFAULT_FORMAT", "FORMATS", "ReportContext", "render", "render_statistics"]

FORMATS = ("full", "concise", "json", "sarif", "github", "gitlab", "junit")
DEFAULT_FORMAT = "full"


def render(output_format: str, findings: Sequence[Finding], context: ReportContext) -> str:
    """The report text, ending in a newline unless empty."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown output format {output_format!r}")
    module = importlib.import_module(f"{__name__}.{output_format}")
    return module.render(findings, context)


def render_statistics(findings: Sequence[Finding], context: ReportContext, *, as_json: bool = False) -> str:
    from hlo_fix.lint.report import statistics

    return statistics.render(findings, context, as_json=as_json)
