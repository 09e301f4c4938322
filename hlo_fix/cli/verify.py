"""`hlo-fix verify ORIGINAL REWRITTEN`: run both modules on XLA CPU and compare (exit 0 match, 1 mismatch, 2 error).

jax, jaxlib and numpy are imported only when the command runs, never when it is listed by `--help`.
"""

from __future__ import annotations

import os

import click

from hlo_fix.errors import HloFixError, ParseError
from hlo_fix.verify.api import DEFAULT_TIMEOUT


@click.command("verify")
@click.argument("original", type=click.Path(dir_okay=False))
@click.argument("rewritten", type=click.Path(dir_okay=False))
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True, help="Random input sets to try.")
@click.option(
    "--spmd",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Also run both modules partitioned over N CPU devices, each with its own shardings, and compare those runs.",
)
@click.option("--entry", default="main", show_default=True, help="Entry function of both modules.")
@click.option(
    "--index-range",
    type=(int, int),
    default=None,
    metavar="LO HI",
    help="Draw every integer argument from [LO, HI) instead of the bounds inferred from the module.",
)
@click.option("--no-edges", is_flag=True, help="Do not mix edge index values (0, bound-1, bound, -1) into seed 1.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Time limit of each run of each module (a `while` that never ends).",
)
def verify_command(original, rewritten, seeds, spmd, entry, index_range, no_edges, timeout):
    """Check that REWRITTEN computes bit for bit what ORIGINAL computes, on XLA CPU."""
    # XLA's C++ warnings (e.g. GSPMD's deprecation notice) would bury the report; errors still show. Set before
    # jax is first imported, which reads it once.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    missing = _missing_dependency()
    if missing is not None:
        click.echo(
            f"hlo-fix verify: error: verify runs modules with jax and jaxlib, which are not installed ({missing}); "
            "install them with `pip install 'hlo-fix[verify]'`",
            err=True,
        )
        raise SystemExit(2)
    from hlo_fix.verify.api import verify_files

    try:
        report = verify_files(
            original,
            rewritten,
            seeds=seeds,
            spmd=spmd,
            entry=entry,
            index_range=index_range,
            edges=not no_edges,
            timeout=timeout,
        )
    except ParseError as error:
        paths = {"original": original, "rewritten": rewritten}
        click.echo(error.format(paths.get(error.path or "", error.path)), err=True)
        raise SystemExit(2) from None
    except HloFixError as error:
        click.echo(f"hlo-fix verify: error: {error}", err=True)
        raise SystemExit(2) from None
    except MemoryError:
        click.echo("hlo-fix verify: error: out of memory (the modules' tensors do not fit this machine)", err=True)
        raise SystemExit(2) from None
    click.echo(report.format())
    raise SystemExit(0 if report.ok else 1)


def _missing_dependency() -> str | None:
    """The ImportError's message when jax, jaxlib or numpy cannot be imported (the `verify` extra), else None."""
    try:
        import jax  # noqa: F401
        import jaxlib  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as error:
        return str(error)
    return None
