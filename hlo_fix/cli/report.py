"""Printing a report (`lint`, and the findings `fix` leaves) to stdout or to `--output-file`."""

from __future__ import annotations

import sys
from typing import Sequence

import click

from hlo_fix.errors import HloFixError
from hlo_fix.lint.settings import Settings


def print_report(findings: Sequence, output_format: str, *, statistics: bool = False, sources=None,
                 unsafe_fixes: bool = False, had_errors: bool = False, quiet: bool = False,
                 settings: Settings | None = None, output_file: str | None = None, color: str = "never",
                 file_settings=None) -> None:
    """Render findings in a format (or as statistics) to stdout, or to `output_file` (never coloured in `auto`).
    Raises HloFixError when the file cannot be written."""
    from hlo_fix.lint import report
    from hlo_fix.lint.report.style import use_color

    colored = use_color(color, None if output_file else sys.stdout)
    context = report.ReportContext(sources=sources or {}, unsafe_fixes=unsafe_fixes, had_errors=had_errors,
                                   quiet=quiet, settings=settings, color=colored, file_settings=file_settings or {})
    if statistics:
        text = report.render_statistics(findings, context, as_json=output_format == "json")
    else:
        text = report.render(output_format, findings, context)
    if output_file is None:
        click.echo(text, nl=False, color=colored)  # click would strip the styles off a non-terminal
        return
    try:
        # Opened in place, not replaced: a link, FIFO or device named by the option is written through.
        with open(output_file, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except OSError as exc:
        raise HloFixError(f"cannot write the report to {output_file}: {exc.strerror or exc}") from None
