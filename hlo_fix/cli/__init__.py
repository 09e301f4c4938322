"""The `hlo-fix` command line: the group, which loads each command's module on demand, and the entry point.

One module per command (`lint`, `fix`, `verify`, `rule`, `clean`), listed in `LAZY_COMMANDS`; beside them:
- `errors`: exit codes, the one-line error output, and `FileErrors`, the per-file wrapper every command uses;
- `options`: the settings options `lint` and `fix` share, laid over the discovered configuration;
- `inputs`: PATH arguments expanded into the modules to read; `report`: printing a report;
- `lint_run`: linting the inputs (cache, `-j`, suppressions).

Only this package imports click. A command's module is imported only when it runs (or when `--help` lists it),
so `hlo-fix lint` pays for lint alone, and nothing on the `lint` path may import jax or numpy.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import os
import sys

import click

from hlo_fix import __version__
from hlo_fix.cli.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_INTERRUPTED, PROGRAM, print_error

# Every subcommand, as name -> "module:attribute" of a click command. A module that does not exist (yet) simply
# leaves its command out.
LAZY_COMMANDS: dict[str, str] = {
    "clean": "hlo_fix.cli.clean:clean",
    "fix": "hlo_fix.cli.fix:fix_command",
    "lint": "hlo_fix.cli.lint:lint",
    "rule": "hlo_fix.cli.rule:rule",
    "simulate": "hlo_fix.cli.simulate:simulate_command",
    "verify": "hlo_fix.cli.verify:verify_command",
}


class HloFixGroup(click.Group):
    """A click group whose errors are single lines with exit code 2, and whose subcommands load lazily."""

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


def main() -> None:
    """Console-script entry point (`hlo-fix`). The cyclic garbage collector stays off in this short-lived process:
    a 40 MB module is two million long-lived objects that every collection would walk again (seconds), and the
    only garbage, a finished module, is collected explicitly between files (`lint_run.lint_inputs`). That
    collection looks at generation 0 only, the objects made since the last one, so linting many files costs time
    in proportion to their size: a full collection would walk everything kept so far for every file."""
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
