"""Options shared by the commands that read settings (`lint`, `fix`), and how they are laid over a configuration."""

from __future__ import annotations

from typing import Callable, Sequence

import click

from hlo_fix.errors import ConfigError
from hlo_fix.lint.config import load_settings
from hlo_fix.lint.settings import INDEX_FLOATS, Settings, normalize_selectors

def split_selectors(values: Sequence[str]) -> tuple[str, ...]:
    """Repeatable, comma-separated selector options into one tuple: `--select HF001,HF002 --select HF00`."""
    return normalize_selectors(part for value in values for part in value.split(","))


def settings_options(command: Callable) -> Callable:
    """Decorator adding --config, --isolated, --select, --ignore, --extend-select, --index-float, --unsafe-fixes,
    --extend-safe-fixes, --extend-unsafe-fixes, --unfixable and the discovery options (--exclude,
    --extend-exclude, --respect-gitignore, --force-exclude).

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
