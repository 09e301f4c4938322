"""`hlo-fix lint PATH...`: report the hazards in modules (exit 0 clean, 1 findings, 2 error)."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from hlo_fix.cli import lint_run
from hlo_fix.cli.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, print_error
from hlo_fix.cli.inputs import STDIN, gather_inputs
from hlo_fix.cli.options import settings_options, settings_resolver_from_options
from hlo_fix.cli.report import print_report
from hlo_fix.errors import ConfigError, HloFixError
from hlo_fix.lint.report import DEFAULT_FORMAT, FORMATS
from hlo_fix.lint.report.style import COLOR_CHOICES
from hlo_fix.lint.settings import Settings


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options
@click.option("--output-format", type=click.Choice(FORMATS), default=DEFAULT_FORMAT, show_default=True,
              envvar="HLO_FIX_OUTPUT_FORMAT", help="How to print findings.")
@click.option("--statistics", is_flag=True, help="Print how often each rule fired instead of the findings.")
@click.option("--exit-zero", is_flag=True, help="Exit with 0 even when there are findings (errors still give 2).")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not recorded in this file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Record the current findings in this file and exit.")
@click.option("--stdin-filename", help="The name to report for the module read from `-`.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary, no `All checks passed!`.")
@click.option("--output-file", type=click.Path(dir_okay=False),
              help="Write the report to this file instead of stdout (errors still go to stderr).")
@click.option("--color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
              help="Colour the full and concise formats: `auto` on a terminal (NO_COLOR and FORCE_COLOR apply).")
@click.option("--show-files", is_flag=True, help="List the files that would be linted, and exit.")
@click.option("--show-settings", is_flag=True,
              help="Print the settings the first file would be linted with (and their file), and exit.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Lint in this many processes (the output is the same as with one); 0: one per CPU when there "
              "are many files or megabytes to lint, else one.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="Where the result cache lives (default: .hlo-fix_cache next to the configuration; "
              "HLO_FIX_CACHE_DIR).")
@click.option("--strict", is_flag=True,
              help="Parse every op with the complete grammar too (slower; catches malformed op bodies).")
@click.pass_context
def lint(ctx: click.Context, paths: tuple[str, ...], output_format: str, statistics: bool, exit_zero: bool,
         baseline: str | None, write_baseline: str | None, stdin_filename: str | None, quiet: bool,
         output_file: str | None, color: str, show_files: bool, show_settings: bool, jobs: int, no_cache: bool,
         cache_dir: str | None, strict: bool, **setting_options) -> None:
    """Check StableHLO modules (files, directories searched for *.mlir, or `-` for stdin)."""
    try:
        if stdin_filename is not None and STDIN not in paths:
            raise ConfigError("--stdin-filename needs `-` among the paths")
        resolver = settings_resolver_from_options(**setting_options)
        settings = resolver.for_path(".")
        known = _baselines().load_baseline(baseline) if baseline else None
        inputs, path_errors = gather_inputs(paths, stdin_filename, quiet, resolver)
    except HloFixError as exc:
        print_error(exc)
        ctx.exit(EXIT_ERROR)
    if show_files or show_settings:
        if show_files:
            click.echo("".join(f"{item.name}\n" for item in inputs), nl=False)
        else:
            first = Path(inputs[0].path) if inputs and inputs[0].path is not None else Path(".")
            config = resolver.config_for(first, setting_options.get("config"))
            click.echo(describe_settings(resolver.for_path(first), str(first), config), nl=False)
        ctx.exit(EXIT_ERROR if path_errors else EXIT_CLEAN)

    try:
        lint_text = lint_run.load_lint_text() if inputs else None
    except HloFixError as exc:
        print_error(exc)
        ctx.exit(EXIT_ERROR)
    if strict and lint_text is not None:
        lint_text = functools.partial(lint_text, strict=True)
    cache = None
    if not no_cache and inputs:
        from hlo_fix.lint.cache import ResultCache, cache_dir_for

        cache = ResultCache(cache_dir_for(settings.project_root, cache_dir))
    run = lint_run.lint_inputs(inputs, settings, lint_text, cache, strict, jobs)
    if cache is not None:
        cache.save()
    had_errors = run.had_errors or bool(path_errors)
    for warning in run.unused_suppressions:
        click.echo(warning, err=True)

    if write_baseline:
        try:
            _baselines().write_baseline(write_baseline, run.findings)
        except HloFixError as exc:
            print_error(exc)
            ctx.exit(EXIT_ERROR)
        if not quiet:
            click.echo(f"Wrote {len(run.findings)} findings to the baseline {write_baseline}.", err=True)
        ctx.exit(EXIT_ERROR if had_errors else EXIT_CLEAN)

    findings = known.new_findings(run.findings) if known else run.findings
    try:
        print_report(findings, output_format, statistics=statistics, sources=run.sources,
                     unsafe_fixes=settings.unsafe_fixes, had_errors=had_errors, quiet=quiet, settings=settings,
                     output_file=output_file, color=color, file_settings=run.file_settings)
    except HloFixError as exc:
        print_error(exc)
        ctx.exit(EXIT_ERROR)
    if had_errors:
        ctx.exit(EXIT_ERROR)
    ctx.exit(EXIT_FINDINGS if findings and not exit_zero else EXIT_CLEAN)


def _baselines():
    from hlo_fix.lint import baseline

    return baseline


def describe_settings(settings: Settings, path: str, config: Path | None) -> str:
    """`--show-settings`: which file the settings came from, then every setting in TOML syntax."""
    import dataclasses
    import json

    lines = [f"Resolved settings for: {path}", f"Settings path: {config if config else '(none: defaults)'}", ""]
    for item in dataclasses.fields(settings):
        value = getattr(settings, item.name)
        if isinstance(value, tuple):
            value = list(value)
        elif hasattr(value, "items"):
            value = {key: list(codes) for key, codes in value.items()}
        if value is None:
            continue
        if isinstance(value, dict):
            rendered = "{" + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items()) + "}"
        else:
            rendered = json.dumps(value)
        lines.append(f"{item.name.replace('_', '-')} = {rendered}")
    return "".join(f"{line}\n" for line in lines)
