"""`hlo-fix clean`: remove the result cache (`hlo_fix.lint.cache`)."""

from __future__ import annotations

import os

import click

from hlo_fix.cli.errors import EXIT_ERROR, print_error
from hlo_fix.cli.inputs import display_name
from hlo_fix.errors import HloFixError
from hlo_fix.lint.config import load_settings


@click.command()
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
