"""The `hlo-fix` command line: `lint` and `rule` here; `fix` and `verify` are loaded from their packages on demand.

Every error is one line on stderr (`path:line:col: error: message`, or `hlo-fix: error: message` when no file is
involved) and exit code 2; findings give exit code 1. Startup stays cheap: this module imports click and the small
settings modules only. Report formats, the checker and other subcommands are imported when used, and nothing on the
`lint` path may import jax or numpy.
"""

from __future__ import annotations

import functools
import gc
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import click

from hlo_fix import __version__
from hlo_fix.errors import ConfigError, HloFixError, ParseError
from hlo_fix.lint.config import load_settings
from hlo_fix.lint.report import DEFAULT_FORMAT, FORMATS
from hlo_fix.lint.report.style import COLOR_CHOICES
from hlo_fix.lint.settings import INDEX_FLOATS, Settings, normalize_selectors

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

PROGRAM = "hlo-fix"
MODULE_SUFFIX = ".mlir"
STDIN = "-"
# Set to re-raise unexpected exceptions with their traceback instead of printing one line (for debugging hlo-fix).
TRACEBACK_ENV = "HLO_FIX_TRACEBACK"

# Subcommands that live in other packages, as name -> "module:attribute" of a click command. They are imported only
# when invoked (or listed by --help), so `hlo-fix lint` never pays for them; a module that does not exist yet simply
# leaves its command out.
LAZY_COMMANDS: dict[str, str] = {
    "fix": "hlo_fix.fix.command:fix_command",
    "verify": "hlo_fix.verify.command:verify_command",
}


# Errors


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


def print_error(error: HloFixError | str, path: str | None = None) -> None:
    click.echo(format_error(error, path), err=True)


def print_warning(message: str) -> None:
    click.echo(f"{PROGRAM}: warning: {message}", err=True)


# The command group


class HloFixGroup(click.Group):
    """A click group whose errors are single lines with exit code 2, and whose extra subcommands load lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = [name for name, target in LAZY_COMMANDS.items() if _module_exists(target.partition(":")[0])]
        return sorted(set(super().list_commands(ctx)) | set(available))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in LAZY_COMMANDS:
            command = _load_command(name, LAZY_COMMANDS[name])
        return command

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else EXIT_CLEAN
        except _NO_ARGS_IS_HELP as exc:  # bare `hlo-fix`: show the help, as click < 8.2 did
            click.echo(exc.ctx.get_help())
            code = EXIT_CLEAN
        except click.ClickException as exc:  # usage errors, bad option values
            print_error(exc.format_message())
            code = EXIT_ERROR
        except click.Abort:
            print_error("interrupted")
            code = EXIT_INTERRUPTED
        if not standalone_mode:
            return code
        sys.exit(code)


_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def _load_command(name: str, target: str) -> click.Command | None:
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name == module_name:
            return None  # not written yet
        raise click.ClickException(f"cannot load the `{name}` command: {exc}") from None
    return getattr(module, attribute)


@click.group(name=PROGRAM, cls=HloFixGroup)
@click.version_option(__version__, "--version", prog_name=PROGRAM, message="%(prog)s %(version)s")
def cli() -> None:
    """Lint and fix exported StableHLO (.mlir) whose gathers, scatters and iotas break once the batch is sharded."""


# Options shared by every command that reads settings (lint, and fix)


def split_selectors(values: Sequence[str]) -> tuple[str, ...]:
    """Repeatable, comma-separated selector options into one tuple: `--select HF001,HF002 --select HF00`."""
    return normalize_selectors(part for value in values for part in value.split(","))


def settings_options(command: Callable) -> Callable:
    """Decorator adding --config, --isolated, --select, --ignore, --extend-select, --index-float, --unsafe-fixes,
    --extend-safe-fixes, --extend-unsafe-fixes and --unfixable.

    The command receives them as keyword arguments; pass them all to `settings_from_options(**...)`.
    """
    options = [
        click.option("--config", type=click.Path(dir_okay=False), help="A pyproject.toml or hlo-fix.toml to use "
                     "instead of the one found from the current directory upwards."),
        click.option("--isolated", is_flag=True, help="Ignore all configuration files."),
        click.option("--select", multiple=True, metavar="CODES",
                     help="Rule codes or prefixes to enable (comma-separated, repeatable); replaces the configured "
                     "selection. `ALL` enables every rule."),
        click.option("--ignore", multiple=True, metavar="CODES", help="Rule codes or prefixes to disable."),
        click.option("--extend-select", multiple=True, metavar="CODES",
                     help="Rule codes or prefixes to enable on top of the selection."),
        click.option("--index-float", type=click.Choice(INDEX_FLOATS),
                     help="Float type flat indices must be exact in (default: bf16)."),
        click.option("--unsafe-fixes/--no-unsafe-fixes", default=None,
                     help="Treat unsafe fixes as applicable: `fix` applies them, `lint` marks them `[*]`."),
        click.option("--extend-safe-fixes", multiple=True, metavar="CODES",
                     help="Rule codes or prefixes whose unsafe fixes count as safe."),
        click.option("--extend-unsafe-fixes", multiple=True, metavar="CODES",
                     help="Rule codes or prefixes whose safe fixes count as unsafe."),
        click.option("--unfixable", multiple=True, metavar="CODES",
                     help="Rule codes or prefixes never to fix (no `[*]`, `fix` leaves them)."),
        click.option("--exclude", multiple=True, metavar="GLOBS",
                     help="Globs of files and directories not to lint (comma-separated, repeatable); replaces the "
                     "configured and default excludes."),
        click.option("--extend-exclude", multiple=True, metavar="GLOBS",
                     help="Globs to exclude on top of the configured ones."),
        click.option("--respect-gitignore/--no-respect-gitignore", default=None,
                     help="Skip files git ignores (.gitignore, .git/info/exclude) when searching directories "
                     "(default: on)."),
        click.option("--force-exclude/--no-force-exclude", default=None,
                     help="Apply the excludes to files named on the command line too (for pre-commit)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings_from_options(*, config: str | None = None, isolated: bool = False, **options) -> Settings:
    """Configuration file (given or discovered) overlaid with command-line options (`options_overlay`'s
    keywords), validated.

    Raises ConfigError (a subclass of HloFixError) for a bad file, key, value or rule code.
    """
    if config is not None and isolated:
        raise ConfigError("--config and --isolated cannot be combined")
    return options_overlay(**options)(load_settings(config, isolated=isolated))


def options_overlay(
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    index_float: str | None = None,
    unsafe_fixes: bool | None = None,
    extend_safe_fixes: Sequence[str] = (),
    extend_unsafe_fixes: Sequence[str] = (),
    unfixable: Sequence[str] = (),
    exclude: Sequence[str] = (),
    extend_exclude: Sequence[str] = (),
    respect_gitignore: bool | None = None,
    force_exclude: bool | None = None,
) -> Callable[[Settings], Settings]:
    """The command line's options as a function laying them over one configuration's settings (validated)."""

    def overlay(base: Settings) -> Settings:
        return base.with_overrides(
            select=split_selectors(select) if select else None,
            ignore=split_selectors(ignore),
            extend_select=split_selectors(extend_select),
            index_float=index_float,
            unsafe_fixes=unsafe_fixes,
            extend_safe_fixes=split_selectors(extend_safe_fixes),
            extend_unsafe_fixes=split_selectors(extend_unsafe_fixes),
            unfixable=split_selectors(unfixable),
            exclude=split_globs(exclude) if exclude else None,
            extend_exclude=split_globs(extend_exclude),
            respect_gitignore=respect_gitignore,
            force_exclude=force_exclude,
        ).validate()

    return overlay


def split_globs(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def settings_resolver_from_options(*, config: str | None = None, isolated: bool = False, **options):
    """Settings per linted path (the configuration nearest each file, as ruff does), overlaid with the options;
    one fixed Settings for every path with `--config` or `--isolated`."""
    from hlo_fix.lint.discovery import SettingsResolver

    if config is not None and isolated:
        raise ConfigError("--config and --isolated cannot be combined")
    overlay = options_overlay(**options)
    fixed = overlay(load_settings(config, isolated=isolated)) if config is not None or isolated else None
    return SettingsResolver(overlay, fixed)


# Inputs


@dataclass(frozen=True)
class InputFile:
    """A module to lint: `name` is how reports show it; `path` is None for stdin."""

    name: str
    path: Path | None
    # Settings of the configuration nearest to the file, when discovery resolved them; else the run's.
    settings: Settings | None = field(default=None, compare=False)

    def read(self) -> str:
        from hlo_fix.ir.source import decode_source, read_source

        if self.path is None:
            stream = getattr(sys.stdin, "buffer", sys.stdin)
            data = stream.read() if stream is not None else b""
            return decode_source(data.encode("utf-8") if isinstance(data, str) else data, self.name)
        return read_source(self.path)


def display_name(path: str) -> str:
    """Relative to the current directory when inside it (as ruff shows paths), else normalised as written."""
    relative = os.path.relpath(os.path.abspath(path), os.getcwd())
    return relative if not _leaves_directory(relative) else os.path.normpath(path)


def _leaves_directory(relative: str) -> bool:
    return relative == os.pardir or relative.startswith(os.pardir + os.sep)


def mlir_files_under(directory: str, resolver=None) -> Iterator[str]:
    """`*.mlir` files below `directory` in sorted order, skipping hidden directories (`.git`, `.venv`) and not
    following symlinked directories (no cycles); with a `SettingsResolver`, excluded and git-ignored ones too
    (`hlo_fix.lint.discovery`). A FIFO, socket or device named *.mlir is skipped with a warning: reading one would
    block the run."""
    from hlo_fix.lint.discovery import mlir_candidates

    for path in mlir_candidates(directory, resolver):
        if os.path.isfile(path):
            yield path
        else:
            print_warning(f"{display_name(path)}: not a regular file; skipped")


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
        if argument == STDIN:
            read_stdin = True
        elif os.path.isdir(argument):
            for file in mlir_files_under(argument, resolver):
                found.setdefault(os.path.abspath(file), _input(file, resolver))
        elif os.path.isfile(argument):
            if resolver is not None and _force_excluded(argument, resolver):
                continue
            found.setdefault(os.path.abspath(argument), _input(argument, resolver))
        elif os.path.lexists(argument):
            errors.append(ParseError("not a regular file or directory", 1, 1, argument))
        else:
            errors.append(ParseError("no such file or directory", 1, 1, argument))
    inputs = sorted(found.values(), key=lambda item: item.name)
    if read_stdin:
        stdin_settings = resolver.for_path(stdin_filename or ".") if resolver is not None else None
        inputs.append(InputFile(stdin_filename or STDIN, None, stdin_settings))
    return inputs, errors


def _input(path: str, resolver) -> InputFile:
    return InputFile(display_name(path), Path(path), resolver.for_path(path) if resolver is not None else None)


def _force_excluded(path: str, resolver) -> bool:
    """Under `force-exclude`: the file or a directory it is in (below the project root) is excluded."""
    settings = resolver.for_path(path)
    if not settings.force_exclude:
        return False
    root = Path(os.path.abspath(settings.project_root or os.getcwd()))
    inside = [parent for parent in Path(os.path.abspath(path)).parents if root in (parent, *parent.parents)]
    return settings.excluded(path) or any(settings.excluded(str(parent)) for parent in inside)


# Linting


@dataclass
class LintRun:
    """Findings of every file that could be linted, sorted; the texts (for snippets); whether any file failed."""

    findings: list = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    # name -> the Settings of its nearest configuration, where discovery resolved them.
    file_settings: dict[str, Settings] = field(default_factory=dict)
    had_errors: bool = False
    # Comments that silenced nothing, as `path:line:col: warning: ...` lines (`hlo_fix.lint.suppression`).
    unused_suppressions: list[str] = field(default_factory=list)


LintText = Callable[[str, str, Settings], list]


def load_lint_text() -> LintText:
    """The checker's entry point, imported on first use."""
    try:
        from hlo_fix.lint.checker import lint_text
    except ModuleNotFoundError as exc:
        if exc.name != "hlo_fix.lint.checker":
            raise
        raise HloFixError("the checker (hlo_fix.lint.checker) is not available in this installation") from None
    return lint_text


def lint_inputs(inputs: Sequence[InputFile], settings: Settings, lint_text: LintText, cache=None,
                strict: bool = False, jobs: int = 1) -> LintRun:
    """Lint each input; a file that fails prints its error line and the others are still linted. Findings that a
    suppression comment silences are left out, and comments that silenced nothing are listed. With `jobs` > 1
    the checker runs in that many processes; output and its order are those of a serial run."""
    from hlo_fix.lint import suppression
    from hlo_fix.lint.cache import cached_lint

    run = LintRun()
    python_comments = suppression.PythonComments()
    computed = _lint_in_parallel(inputs, settings, lint_text, cache, strict, jobs) if jobs > 1 else {}
    for position, item in enumerate(inputs):
        if position and not gc.isenabled():
            gc.collect(0)  # the previous file's module (its ops and values reference each other): see `main`
        file_settings = item.settings or settings
        try:
            if position in computed:
                kind, text, found = computed.pop(position)
                if kind == "error":
                    click.echo(found, err=True)
                    run.had_errors = True
                    continue
            else:
                text = item.read()
                found = cached_lint(cache, lint_text, text, item.name, file_settings, strict)
        except HloFixError as exc:
            print_error(exc, item.name)
            run.had_errors = True
            continue
        except Exception as exc:  # a bug in hlo-fix: still one line, and the other files go on
            if os.environ.get(TRACEBACK_ENV):
                raise
            print_error(f"internal error ({type(exc).__name__}: {exc}); please report it", item.name)
            run.had_errors = True
            continue
        run.sources[item.name] = text
        if item.settings is not None:
            run.file_settings[item.name] = item.settings
        enabled = [f for f in found if file_settings.enabled(f.code, f.filename)]
        kept = suppression.apply_suppressions(enabled, text, item.name, str(item.path) if item.path else None,
                                              file_settings.project_root, python_comments)
        run.unused_suppressions += [suppression.unused_warning(c, codes) for c, codes in kept.unused]
        run.findings += sorted(kept.kept, key=lambda f: (f.row, f.column, f.code))
    run.unused_suppressions += [suppression.unused_warning(c, codes) for c, codes in python_comments.unused()]
    return run


def _lint_in_parallel(inputs: Sequence[InputFile], settings: Settings, lint_text: LintText, cache, strict: bool,
                      jobs: int) -> dict[int, tuple[str, str, object]]:
    """position -> (kind, text, findings or error line) for the inputs that were read and missed the cache,
    linted by `jobs` forked processes. Inputs that cannot be read are left to the serial loop (same message)."""
    from hlo_fix.lint import parallel

    if not parallel.can_fork() or len(inputs) < 2:
        return {}
    pending: list[tuple[int, str, str, Settings, str | None]] = []
    for position, item in enumerate(inputs):
        try:
            text = item.read()
        except Exception:  # the serial loop reads it again and reports it as a serial run does
            continue
        file_settings = item.settings or settings
        key = cache.key(text, item.name, file_settings, strict) if cache is not None else None
        if key is None or cache.get(key) is None:
            pending.append((position, text, item.name, file_settings, key))
    tasks = [(text, name, file_settings) for _, text, name, file_settings, _ in pending]
    results = parallel.lint_all(tasks, lint_text, format_error, jobs) if len(tasks) > 1 else []
    computed = {}
    for (position, text, _, _, key), (kind, value) in zip(pending, results):
        computed[position] = (kind, text, value)
        if kind == "found" and cache is not None:
            cache.put(key, value)
    return computed


@cli.command()
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
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Lint in this many processes (the output is the same as with one).")
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
    from hlo_fix.lint import baseline as baselines

    try:
        if stdin_filename is not None and STDIN not in paths:
            raise ConfigError("--stdin-filename needs `-` among the paths")
        resolver = settings_resolver_from_options(**setting_options)
        settings = resolver.for_path(".")
        known = baselines.load_baseline(baseline) if baseline else None
        inputs, path_errors = gather_inputs(paths, stdin_filename, quiet, resolver)
    except HloFixError as exc:
        print_error(exc)
        ctx.exit(EXIT_ERROR)
    if show_files or show_settings:
        if show_files:
            click.echo("".join(f"{item.name}\n" for item in inputs), nl=False)
        else:
            first = inputs[0].path if inputs and inputs[0].path is not None else Path(".")
            config = resolver.config_for(first, setting_options.get("config"))
            click.echo(describe_settings(resolver.for_path(first), str(first), config), nl=False)
        ctx.exit(EXIT_ERROR if path_errors else EXIT_CLEAN)

    try:
        lint_text = load_lint_text() if inputs else None
    except HloFixError as exc:
        print_error(exc)
        ctx.exit(EXIT_ERROR)
    if strict and lint_text is not None:
        lint_text = functools.partial(lint_text, strict=True)
    cache = None
    if not no_cache and inputs:
        from hlo_fix.lint.cache import ResultCache, cache_dir_for

        cache = ResultCache(cache_dir_for(settings.project_root, cache_dir))
    run = lint_inputs(inputs, settings, lint_text, cache, strict, jobs)
    if cache is not None:
        cache.save()
    had_errors = run.had_errors or bool(path_errors)
    for warning in run.unused_suppressions:
        click.echo(warning, err=True)

    if write_baseline:
        try:
            baselines.write_baseline(write_baseline, run.findings)
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


@cli.command()
@click.option("--cache-dir", type=click.Path(file_okay=False), help="The cache to remove (as for `lint`).")
@click.pass_context
def clean(ctx: click.Context, cache_dir: str | None) -> None:
    """Remove the result cache (.hlo-fix_cache here and next to the configuration, or --cache-dir)."""
    import shutil

    from hlo_fix.lint.cache import cache_dir_for

    try:
        root = load_settings(None).project_root
    except HloFixError:
        root = None
    targets = {cache_dir_for(os.getcwd(), cache_dir).absolute(), cache_dir_for(root, cache_dir).absolute()}
    for target in sorted(targets):
        if target.is_dir():
            click.echo(f"Removing cache at: {display_name(str(target))}", err=True)
            try:
                shutil.rmtree(target)
            except OSError as exc:
                print_error(f"cannot remove {target}: {exc.strerror or exc}")
                ctx.exit(EXIT_ERROR)


# Rule documentation


@cli.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def rule(ctx: click.Context, code: str | None, show_all: bool, output_format: str) -> None:
    """Explain a rule (by code or name), or list them all with --all."""
    from hlo_fix.rules.registry import all_rules

    if (code is None) == (not show_all):
        print_error("pass either a rule code or --all")
        ctx.exit(EXIT_ERROR)
    rules = all_rules()
    if show_all:
        click.echo(_rule_table(rules, output_format), nl=False)
        return
    wanted = code.strip()
    found = next((r for r in rules if r.code == wanted.upper() or r.name == wanted.lower()), None)
    if found is None:
        print_error(f"unknown rule code `{code}`")
        ctx.exit(EXIT_ERROR)
    if output_format == "json":
        import json

        click.echo(json.dumps(_rule_json(found), indent=2))
    else:
        click.echo(_rule_text(found), nl=False)


def _rule_json(rule_class) -> dict:
    return {
        "code": rule_class.code,
        "name": rule_class.name,
        "severity": rule_class.severity,
        "fix": rule_class.fix_applicability,
        "summary": rule_class.summary,
        "explanation": rule_class.explanation(),
    }


def _rule_text(rule_class) -> str:
    fix = {
        "safe": " Fix is available (safe).",
        "unsafe": " Fix is available with `--unsafe-fixes` (unsafe).",
    }.get(rule_class.fix_applicability, "")
    header = f"# {rule_class.name} ({rule_class.code})\n\nSeverity: {rule_class.severity}.{fix}\n"
    explanation = rule_class.explanation()
    return header + (f"\n{explanation}\n" if explanation else f"\n{rule_class.summary}\n")


def _rule_table(rules: Sequence, output_format: str) -> str:
    if output_format == "json":
        import json

        return json.dumps([_rule_json(r) for r in rules], indent=2) + "\n"
    rows = [("CODE", "NAME", "SEVERITY", "FIX", "SUMMARY")]
    rows += [(r.code, r.name, r.severity, r.fix_applicability or "-", r.summary) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4] for row in rows]
    return "".join(line.rstrip() + "\n" for line in lines)


def main() -> None:
    """Console-script entry point (`hlo-fix`). The cyclic garbage collector stays off in this short-lived process:
    a 40 MB module is two million long-lived objects that every collection would walk again (seconds), and the
    only garbage, a finished module, is collected explicitly between files (`lint_inputs`). That collection looks
    at generation 0 only, the objects made since the last one, so linting many files costs time in proportion to
    their size: a full collection would walk everything kept so far for every file."""
    gc.disable()
    gc.freeze()  # what start-up made is never scanned again, and each file's objects are freed young
    try:
        cli.main(prog_name=PROGRAM)
        code = EXIT_CLEAN
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (EXIT_CLEAN if exc.code is None else EXIT_ERROR)
    # Skip the interpreter's teardown, which would free a large module's millions of objects one by one (over a
    # second for 40 MB) only for the process to end; everything is written and flushed by now.
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except OSError:  # a closed or cut pipe: what was printed did not all arrive
            code = code or EXIT_ERROR
    os._exit(code)


if __name__ == "__main__":
    main()
