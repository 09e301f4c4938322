"""`hlo-fix fix PATH...`: rewrite modules in place (ruff's `check --fix` conventions).

- `-o OUT` writes the one input's fixed module elsewhere; `-` as input writes the fixed module to stdout.
- `--diff` prints a unified diff and writes nothing; `--show-fixes` lists what was fixed, per file.
- `--unsafe-fixes` also applies fixes that can change a result for some input; `--gather-strategy` picks the
  one-hot contraction: `auto` (the exact `select` for float tables, `dot` for integer ones or with
  `--unsafe-fixes`), `dot`, or `select` (exact for every value).
- `--verify` runs the rewrite against the original on XLA CPU first and refuses to write one that differs.
- Writes are atomic; a file that cannot be read or parsed is never touched.

Exit codes: 0 nothing left to report, 1 findings remain (or, with `--diff`, a file would change), 2 error.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field

import click

from hlo_fix.cli.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, FileErrors, print_error
from hlo_fix.cli.inputs import STDIN, gather_inputs
from hlo_fix.cli.options import settings_from_options, settings_options, settings_resolver_from_options
from hlo_fix.cli.report import print_report
from hlo_fix.errors import ConfigError, HloFixError
from hlo_fix.fix.atomic import WriteRefusedError
from hlo_fix.fix.text_diff import unified_diff
from hlo_fix.lint.report import DEFAULT_FORMAT, FORMATS
from hlo_fix.rule_api.pattern import DEFAULT_STRATEGY, STRATEGIES


@dataclass
class FixRun:
    applied: dict[str, list] = field(default_factory=dict)  # file -> findings fixed
    remaining: list = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    would_change: int = 0
    had_errors: bool = False


@click.command("fix")
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the fixed module here (one input only).")
@click.option("--diff", is_flag=True, help="Print a unified diff of the fixes and write nothing.")
@click.option("--show-fixes", is_flag=True, help="List the fixes applied to each file.")
@click.option("--gather-strategy", type=click.Choice(STRATEGIES), default=DEFAULT_STRATEGY, show_default=True,
              help="One-hot contraction: `dot` (dot_general, HIGHEST precision), `select` (select + reduce, "
              "exact for NaN, Inf and -0.0 too), or `auto`: `select` for float tables unless unsafe fixes are on, "
              "`dot` otherwise.")
@click.option("--verify", is_flag=True, help="Check each rewrite bit for bit on XLA CPU before writing it.")
@click.option("--output-format", type=click.Choice(FORMATS), default=DEFAULT_FORMAT, show_default=True,
              help="How to print the findings that remain.")
@click.option("--stdin-filename", help="The name to report for the module read from `-`.")
@click.option("-q", "--quiet", is_flag=True, help="Print remaining findings only, no summary.")
@click.option("--exit-non-zero-on-fix", is_flag=True,
              help="Exit with 1 when any fix was applied, even if no finding remains (as ruff's flag).")
@click.pass_context
def fix_command(ctx: click.Context, paths, output, diff, show_fixes, gather_strategy, verify, output_format,
                stdin_filename, quiet, exit_non_zero_on_fix, **setting_options) -> None:
    """Fix StableHLO modules in place (files, directories searched for *.mlir, or `-` for stdin)."""
    try:
        settings = settings_from_options(**setting_options)
        resolver = settings_resolver_from_options(**setting_options)
        if stdin_filename is not None and STDIN not in paths:
            raise ConfigError("--stdin-filename needs `-` among the paths")
        if output is not None and diff:
            raise ConfigError("--output and --diff cannot be combined")
        if verify:
            _require_verify_dependencies()
    except HloFixError as exc:
        print_error(exc)
        ctx.exit(EXIT_ERROR)
    inputs, path_errors = gather_inputs(paths, stdin_filename, quiet, resolver)
    if output is not None and len(inputs) + len(path_errors) != 1:
        print_error("--output needs exactly one input")
        ctx.exit(EXIT_ERROR)
    module_to_stdout = not diff and output is None and any(item.path is None for item in inputs)
    run = FixRun(had_errors=bool(path_errors))
    for item in inputs:
        _fix_one(item, run, settings=item.settings or settings, output=output, diff=diff, strategy=gather_strategy,
                 verify=verify)
    _report(run, settings, output_format=output_format, show_fixes=show_fixes, diff=diff, quiet=quiet,
            to_stderr=module_to_stdout or diff)
    if run.had_errors:
        ctx.exit(EXIT_ERROR)
    fixed = exit_non_zero_on_fix and bool(run.applied)
    ctx.exit(EXIT_FINDINGS if run.remaining or (diff and run.would_change) or fixed else EXIT_CLEAN)


class FixFileErrors(FileErrors):
    """One file's errors, with failures to write located at `-o`'s file when there is one."""

    def __init__(self, name: str, output: str | None):
        super().__init__(name)
        self.output = output

    def locate(self, exc: Exception):
        if isinstance(exc, WriteRefusedError) and self.output is not None:
            return exc, self.output
        if isinstance(exc, OSError):
            return f"cannot write: {exc.strerror or exc}", self.output or self.name
        return super().locate(exc)


def _fix_one(item, run: FixRun, *, settings, output, diff, strategy, verify) -> None:
    from hlo_fix.fix.driver import fix_text

    with FixFileErrors(item.name, output) as guard:
        from hlo_fix.fix.atomic import FileState

        before = FileState.of(item.path) if item.path is not None else None  # before reading: any later edit shows
        text = item.read()
        result = fix_text(text, item.name, settings, unsafe=settings.unsafe_fixes, strategy=strategy)
        if result.changed and verify:
            from hlo_fix.fix.verification import verification_failure

            failure = verification_failure(text, result.new_text)
            if failure is not None:
                raise HloFixError(f"not written: {failure}")
        if diff:
            if result.changed:
                run.would_change += 1
                click.echo(unified_diff(item.name, text, result.new_text), nl=False)
        elif output is not None:
            from hlo_fix.fix.atomic import write_atomically

            write_atomically(output, result.new_text)
        elif item.path is None:
            _write_stdout(result.new_text)
        elif result.changed:
            from hlo_fix.fix.atomic import write_atomically

            write_atomically(item.path, result.new_text, expected=before)
    if guard.failed:
        run.had_errors = True
        return
    if result.applied:
        run.applied[item.name] = result.applied
    run.remaining += result.remaining
    run.sources[item.name] = result.new_text


def _require_verify_dependencies() -> None:
    """`--verify` runs modules on XLA CPU: say once, up front, what to install (not an error per file)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # read once, when jax is first imported
    try:
        import jax  # noqa: F401
        import jaxlib  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as error:
        raise ConfigError(
            f"--verify runs modules with jax and jaxlib, which are not installed ({error}); "
            "install them with `pip install 'hlo-fix[verify]'`"
        ) from None


def _write_stdout(text: str) -> None:
    """The fixed module on stdout, flushed here so that a closed or cut pipe is an error (exit 2), not exit 0."""
    if sys.stdout is None:
        raise HloFixError("cannot write the fixed module: stdout is closed")
    try:
        click.echo(text, nl=False)
        sys.stdout.flush()
    except OSError as exc:
        with contextlib.suppress(OSError):  # nothing more can reach that stdout; keep the exit from retrying it
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise HloFixError(f"cannot write the fixed module to stdout: {exc.strerror or exc}") from None


def _report(run: FixRun, settings, *, output_format, show_fixes, diff, quiet, to_stderr) -> None:
    from hlo_fix.lint.report.summary import fixable_line, plural

    fixed = sum(len(found) for found in run.applied.values())
    echo = lambda line: click.echo(line, err=to_stderr)  # noqa: E731
    if not diff and run.remaining:
        if to_stderr:
            from hlo_fix.lint import report

            context = report.ReportContext(sources=run.sources, unsafe_fixes=settings.unsafe_fixes, quiet=True)
            click.echo(report.render(output_format, run.remaining, context), nl=False, err=True)
        else:
            print_report(run.remaining, output_format, sources=run.sources, unsafe_fixes=settings.unsafe_fixes,
                         quiet=True)
    if show_fixes and run.applied:
        verb = "Would fix" if diff else "Fixed"
        echo(f"{verb} {plural(fixed, 'finding')}:")
        for name, found in sorted(run.applied.items()):
            echo(f"- {name}:")
            counts: dict[tuple[str, str], int] = {}
            for finding in found:
                counts[(finding.code, finding.name)] = counts.get((finding.code, finding.name), 0) + 1
            for (code, name_), count in sorted(counts.items()):
                echo(f"    {count} × {code} ({name_})")
    if quiet or output_format not in ("full", "concise"):
        return
    if diff:
        if fixed:
            echo(f"Would fix {plural(fixed, 'finding')}.")
        elif not run.had_errors:
            echo("No fixes to apply.")
        return
    if run.remaining or fixed:
        echo(f"Found {plural(fixed + len(run.remaining), 'finding')} ({fixed} fixed, {len(run.remaining)} remaining).")
        hint = fixable_line(run.remaining, settings.unsafe_fixes)
        if hint:
            echo(hint)
    elif not run.had_errors:
        echo("All checks passed!")
