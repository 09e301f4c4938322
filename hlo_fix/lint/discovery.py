"""Which files `lint` reads, as ruff finds them: settings per directory from the nearest configuration file,
`exclude` / `extend-exclude` globs, and git's ignore rules.

The ignore rules are git's own: in a git work tree the candidates are what `git ls-files --cached --others
--exclude-standard` lists (tracked files, and untracked ones no .gitignore, .git/info/exclude or global
excludes file hides), so every gitignore subtlety matches git exactly. Outside a work tree, or without git,
nothing is hidden by it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable, Iterator

from hlo_fix.lint.config import find_config, read_config, settings_from_config
from hlo_fix.lint.settings import Settings

MODULE_SUFFIX = ".mlir"
GIT_TIMEOUT_S = 30


class SettingsResolver:
    """Settings for a path: from the configuration file nearest to it (each file read once), with the
    command line's options laid over it. With `fixed` (from `--config` or `--isolated`) every path gets that."""

    def __init__(self, overlay: Callable[[Settings], Settings], fixed: Settings | None = None):
        self.overlay = overlay
        self.fixed = fixed
        self._by_directory: dict[str, Settings] = {}
        self._by_config: dict[Path | None, Settings] = {}
        self._config_of: dict[str, Path | None] = {}

    def for_path(self, path: str | Path, is_directory: bool | None = None) -> Settings:
        if self.fixed is not None:
            return self.fixed
        absolute = os.path.abspath(path)
        directory = absolute if (os.path.isdir(absolute) if is_directory is None else is_directory) else \
            os.path.dirname(absolute)
        found = self._by_directory.get(directory)
        if found is None:
            config = find_config(Path(directory))
            found = self._by_config.get(config)
            if found is None:
                base = settings_from_config(read_config(config)) if config is not None else Settings()
                found = self._by_config[config] = self.overlay(base)
            self._by_directory[directory] = found
            self._config_of[directory] = config
        return found

    def config_for(self, path: str | Path, fixed_config: str | None = None) -> Path | None:
        """The configuration file `for_path(path)` came from (None: the defaults, or `--isolated`)."""
        if self.fixed is not None:
            return Path(fixed_config) if fixed_config else None
        self.for_path(path)
        absolute = os.path.abspath(path)
        return self._config_of.get(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))


def git_visible_files(directory: str) -> set[str] | None:
    """Absolute paths of the `.mlir` files under `directory` that git does not ignore, or None when `directory`
    is not in a git work tree (or git is not installed)."""
    try:
        listed = subprocess.run(
            ["git", "-C", directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
             f"*{MODULE_SUFFIX}"],
            capture_output=True, timeout=GIT_TIMEOUT_S, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0:
        return None
    base = os.path.abspath(directory)
    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return {os.path.normpath(os.path.join(base, name)) for name in names if name}


def mlir_candidates(directory: str, resolver: SettingsResolver | None = None) -> Iterator[str]:
    """Paths named `*.mlir` below `directory` in sorted order (the caller checks what they are). Hidden
    directories (`.git`, `.venv`) are skipped and symlinked directories not followed (no cycles); with a resolver,
    excluded and git-ignored paths too."""
    visible = visible_dirs = None
    if resolver is not None and resolver.for_path(directory, is_directory=True).respect_gitignore:
        visible = git_visible_files(directory)
        if visible is not None:
            visible_dirs = {parent for path in visible for parent in _parents(path)}
    for root, dirs, files in os.walk(directory):
        settings = resolver.for_path(root, is_directory=True) if resolver is not None else None
        kept = []
        for name in sorted(dirs):
            path = os.path.join(root, name)
            if name.startswith("."):
                continue
            if settings is not None and settings.excluded(path):
                continue
            if visible_dirs is not None and os.path.abspath(path) not in visible_dirs:
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if not name.endswith(MODULE_SUFFIX):
                continue
            path = os.path.join(root, name)
            if settings is not None and settings.excluded(path):
                continue
            if visible is not None and os.path.abspath(path) not in visible:
                continue
            yield path


def _parents(path: str) -> Iterator[str]:
    parent = os.path.dirname(path)
    while parent and parent != path:
        yield parent
        path, parent = parent, os.path.dirname(parent)
