"""Which files `lint` reads, as ruff finds them: settings per directory from the nearest configuration file,
`exclude` / `extend-exclude` globs, and git's ignore rules.

The ignore rules are git's own: in a git work tree the candidates are what `git ls-files --cached --others
--exclude-standard` lists (tracked files, and untracked ones no .gitignore, .git/info/exclude or global
excludes file hides), so every gitignore subtlety matches git exactly. Outside a work tree, or without git,
nothing is hidden by it.
"""

from __future__ import annotations

import os
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
    import subprocess

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
    for root, _, names in mlir_files_by_directory(directory, resolver):
        for name, _ in names:
            yield os.path.join(root, name)


def mlir_files_by_directory(
    directory: str, resolver: SettingsResolver | None = None
) -> Iterator[tuple[str, Settings | None, list[tuple[str, bool]]]]:
    """`mlir_candidates` a directory at a time, in os.walk's order: (the directory, its settings, its sorted
    `*.mlir` names each with whether it is a regular file, a symlink to one included). What is worked out per
    directory (settings, exclusion, names) is worked out once, not once per file."""
    visible = visible_dirs = None
    if resolver is not None and resolver.for_path(directory, is_directory=True).respect_gitignore:
        visible = git_visible_files(directory)
        if visible is not None:
            visible_dirs = {parent for path in visible for parent in _parents(path)}
    for root, dirs, files in _walk(directory):
        settings = resolver.for_path(root, is_directory=True) if resolver is not None else None
        excluded = settings.excluded_in(root) if settings is not None else None
        absolute_root = os.path.abspath(root) if visible is not None else ""
        kept = []
        for name, entry in sorted(dirs):
            if name.startswith("."):
                continue
            if excluded is not None and excluded(name):
                continue
            if visible_dirs is not None and os.path.join(absolute_root, name) not in visible_dirs:
                continue
            kept.append((name, entry))
        dirs[:] = kept
        found = []
        for name, entry in sorted(files):
            if not name.endswith(MODULE_SUFFIX):
                continue
            if excluded is not None and excluded(name):
                continue
            if visible is not None and os.path.join(absolute_root, name) not in visible:
                continue
            found.append((name, _is_regular_file(entry)))
        if found:
            yield root, settings, found


def _walk(top: str) -> Iterator[tuple[str, list, list]]:
    """os.walk(top) (top-down, symlinked directories listed but not entered, unreadable directories skipped),
    with (name, DirEntry) pairs: a DirEntry knows a file's type without another system call. The caller may
    prune the directory list in place, as with os.walk."""
    stack = [top]
    while stack:
        root = stack.pop()
        try:
            with os.scandir(root) as entries:
                listed = list(entries)
        except OSError:
            continue
        dirs, files = [], []
        for entry in listed:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append((entry.name, entry))
        yield root, dirs, files
        stack.extend(os.path.join(root, name) for name, entry in reversed(dirs) if not _is_symlink(entry))


def _is_symlink(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _is_regular_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _parents(path: str) -> Iterator[str]:
    parent = os.path.dirname(path)
    while parent and parent != path:
        yield parent
        path, parent = parent, os.path.dirname(parent)
