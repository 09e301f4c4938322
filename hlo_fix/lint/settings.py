"""Which rules run on which file, and the options rules read: ruff's selection model for hlo-fix codes.

A selector is a full code (`HF002`), any prefix of one (`HF`, `HF00`) or `ALL`. Within `select`/`extend_select`
and `ignore`, the most specific matching selector decides, and `ignore` wins a tie, so `select = ["HF"]` with
`ignore = ["HF002"]` drops one rule while `select = ["HF002"]` with `ignore = ["HF"]` keeps it. A per-file ignore
always wins.

Fix safety follows ruff too: `extend_safe_fixes` makes a rule's unsafe fixes safe and `extend_unsafe_fixes` its
safe fixes unsafe (the more specific selector decides; unsafe wins a tie), and an `unfixable` rule offers no fix
at all: lint shows no `[*]` and `fix` leaves it alone.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Mapping

from hlo_fix.errors import ConfigError
from hlo_fix.rules import registry

ALL = "ALL"
CODE_FAMILY = "HF"
INDEX_FLOATS = ("bf16", "f16", "tf32", "f32")
# Directories of tools and builds, not sources (ruff's defaults); hidden directories are skipped anyway.
DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".hg", ".mypy_cache", ".nox", ".pants.d", ".pytype", ".ruff_cache", ".svn",
    ".tox", ".venv", "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages", "venv",
)


def normalize_selectors(selectors: Iterable[str]) -> tuple[str, ...]:
    """Trim and upper-case selectors so `hf002` and ` HF002` mean the same rule; drop empty entries."""
    return tuple(s.strip().upper() for s in selectors if s.strip())


def specificity(selector: str) -> int:
    """Longer prefixes are more specific; `ALL` is the least specific selector of all."""
    return 0 if selector == ALL else len(selector)


def best_match(code: str, selectors: Iterable[str]) -> int:
    """The specificity of the most specific selector matching `code`, or -1 when none does."""
    return max((specificity(s) for s in selectors if s == ALL or code.startswith(s)), default=-1)


def is_known_selector(selector: str, codes: Iterable[str]) -> bool:
    """`ALL`, the `HF` family itself, or a prefix of some registered rule code."""
    if selector in (ALL, CODE_FAMILY):
        return True
    return selector.startswith(CODE_FAMILY) and any(code.startswith(selector) for code in codes)


def registered_codes() -> list[str]:
    return [rule.code for rule in registry.all_rules()]


def unknown_selectors(selectors: Iterable[str], codes: Iterable[str] | None = None) -> list[str]:
    """Selectors that match no registered rule (a typo like `HF02` must not silently select nothing). Pass `codes`
    (`registered_codes()`) when checking many lists: 100,000 per-file-ignores would look them up 100,000 times."""
    codes = registered_codes() if codes is None else codes
    return [s for s in selectors if not is_known_selector(s, codes)]


@dataclass(frozen=True)
class Settings:
    """Rule selection and rule options for one lint run. Build it with `hlo_fix.lint.config.load_settings`."""

    select: tuple[str, ...] = (CODE_FAMILY,)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    # glob -> selectors; globs match the path relative to `project_root`, the path as given, or the file name.
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The float type that must still represent every flat index exactly (HF003-style rules read it).
    index_float: str = "bf16"
    unsafe_fixes: bool = False
    # Fix safety overrides and rules never fixed (selectors, as for select/ignore).
    extend_safe_fixes: tuple[str, ...] = ()
    extend_unsafe_fixes: tuple[str, ...] = ()
    unfixable: tuple[str, ...] = ()
    # How one-hot rewrites select (`hlo_fix.rule_api.pattern.STRATEGIES`); `fix --gather-strategy` sets it, so the
    # fixes lint reports are the ones that `fix` applies.
    fix_strategy: str = "auto"
    # Directory per-file-ignores globs are relative to (the config file's); None means the current directory.
    project_root: str | None = None
    # File discovery (ruff's model): globs of files and directories never linted when found in a directory
    # (`exclude` replaces the defaults, `extend-exclude` adds to them), and whether git's ignore rules apply too.
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    # Apply the exclusions to paths named on the command line too (for pre-commit, which names every file).
    force_exclude: bool = False

    def enabled(self, code: str, filename: str | None = None) -> bool:
        """Whether rule `code` runs on `filename` (selection first, then per-file ignores)."""
        selected = self._selected.get(code)
        if selected is None:
            best = best_match(code, self.select + self.extend_select)
            selected = self._selected[code] = best >= 0 and best_match(code, self.ignore) < best
        if not selected or filename is None or not self.per_file_ignores:
            return selected
        return not self.ignored_in_file(code, filename)

    @functools.cached_property
    def _selected(self) -> dict[str, bool]:
        """code -> whether the selection enables it, worked out once per code (asked for every rule and file)."""
        return {}

    def fixable(self, code: str) -> bool:
        """Whether rule `code` may offer a fix at all (not `unfixable`)."""
        return best_match(code, self.unfixable) < 0

    def fix_safety(self, code: str, applicability: str) -> str:
        """A fix's applicability after `extend-safe-fixes` / `extend-unsafe-fixes` (ruff's precedence)."""
        safe, unsafe = best_match(code, self.extend_safe_fixes), best_match(code, self.extend_unsafe_fixes)
        if safe < 0 and unsafe < 0:
            return applicability
        return "unsafe" if unsafe >= safe else "safe"

    def excluded(self, path: str) -> bool:
        """Whether discovery skips `path` (a file or directory): an exclude glob matches its name, the path as
        given, or the path relative to `project_root`."""
        matcher = self._exclude_matcher
        return matcher is not None and any(matcher(candidate) for candidate in self._path_candidates(path))

    def excluded_in(self, directory: str) -> Callable[[str], bool] | None:
        """A test of plain names in `directory`: `excluded_in(d)(name) == excluded(os.path.join(d, name))`, with
        the directory's part of the candidate paths worked out once (discovery asks for every file it meets).
        None when nothing is excluded."""
        matcher = self._exclude_matcher
        if matcher is None:
            return None
        as_given = str(PurePosixPath(directory.replace(os.sep, "/")))
        prefixes = ["" if as_given == "." else as_given if as_given.endswith("/") else as_given + "/"]
        root = self.project_root or os.getcwd()
        relative = os.path.relpath(os.path.abspath(directory), os.path.abspath(root))
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            prefixes.append("" if relative == os.curdir else relative.replace(os.sep, "/") + "/")
        prefixes = list(dict.fromkeys(prefixes))
        return lambda name: matcher(name) is not None or any(matcher(prefix + name) for prefix in prefixes)

    @functools.cached_property
    def _exclude_matcher(self):
        """Every exclude glob as one compiled pattern (`glob_matches`' rules), built once: discovery asks for
        each file and directory it meets."""
        patterns = [p.replace(os.sep, "/") for p in self.exclude + self.extend_exclude]
        if not patterns:
            return None
        globs = patterns + [p[3:] for p in patterns if p.startswith("**/")]
        return re.compile("|".join(f"(?:{fnmatch.translate(glob)})" for glob in globs)).match

    def ignored_in_file(self, code: str, filename: str) -> bool:
        if not self.per_file_ignores:
            return False
        return best_match(code, self._file_ignores(filename)) >= 0

    def _file_ignores(self, filename: str) -> frozenset[str]:
        """The selectors per-file-ignores apply to `filename`, worked out once per file."""
        key = (filename, None if self.project_root else os.getcwd())  # relative paths depend on the directory
        cache = self._ignore_cache
        found = cache.get(key)
        if found is None:
            found = cache[key] = self._globs.selectors_for(self._path_candidates(filename))
        return found

    @functools.cached_property
    def _ignore_cache(self) -> dict[tuple[str, str | None], frozenset[str]]:
        return {}

    @functools.cached_property
    def _globs(self) -> GlobIndex:
        return GlobIndex(self.per_file_ignores)

    def _path_candidates(self, filename: str) -> list[str]:
        as_given = PurePosixPath(filename.replace(os.sep, "/"))
        candidates = [str(as_given), as_given.name]
        root = Path(self.project_root) if self.project_root else Path.cwd()
        relative = os.path.relpath(os.path.abspath(filename), os.path.abspath(root))
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            candidates.append(relative.replace(os.sep, "/"))
        return candidates

    def with_overrides(
        self,
        *,
        select: tuple[str, ...] | None = None,
        ignore: tuple[str, ...] = (),
        extend_select: tuple[str, ...] = (),
        index_float: str | None = None,
        unsafe_fixes: bool | None = None,
        extend_safe_fixes: tuple[str, ...] = (),
        extend_unsafe_fixes: tuple[str, ...] = (),
        unfixable: tuple[str, ...] = (),
        exclude: tuple[str, ...] | None = None,
        extend_exclude: tuple[str, ...] = (),
        respect_gitignore: bool | None = None,
        force_exclude: bool | None = None,
    ) -> Settings:
        """Layer command-line options over these (configuration) settings, as ruff does.

        `--select` starts a fresh selection: the configuration's select, extend-select and ignore no longer apply.
        Without it, `--ignore` and `--extend-select` add to the configuration; an `--extend-select`ed code is also
        taken out of the configuration's ignores, since the later layer asked for it explicitly. Fix safety
        selectors and `unfixable` add to the configuration's; `exclude` replaces the configuration's excludes and
        `extend_exclude` adds to them.
        """
        if select is not None:
            new_select, new_ignore, new_extend = select, ignore, extend_select
        else:
            new_select = self.select
            new_ignore = tuple(s for s in self.ignore if s not in extend_select) + ignore
            new_extend = self.extend_select + extend_select
        return replace(
            self,
            select=new_select,
            ignore=new_ignore,
            extend_select=new_extend,
            index_float=self.index_float if index_float is None else index_float,
            unsafe_fixes=self.unsafe_fixes if unsafe_fixes is None else unsafe_fixes,
            extend_safe_fixes=self.extend_safe_fixes + extend_safe_fixes,
            extend_unsafe_fixes=self.extend_unsafe_fixes + extend_unsafe_fixes,
            unfixable=self.unfixable + unfixable,
            exclude=self.exclude if exclude is None else exclude,
            extend_exclude=self.extend_exclude + extend_exclude,
            respect_gitignore=self.respect_gitignore if respect_gitignore is None else respect_gitignore,
            force_exclude=self.force_exclude if force_exclude is None else force_exclude,
        )

    def validate(self) -> Settings:
        """Raise ConfigError for a selector that matches no rule or an unsupported index float; return self."""
        options = {
            "select": self.select, "extend-select": self.extend_select, "ignore": self.ignore,
            "extend-safe-fixes": self.extend_safe_fixes, "extend-unsafe-fixes": self.extend_unsafe_fixes,
            "unfixable": self.unfixable,
        }
        for option, selectors in options.items():
            unknown = unknown_selectors(selectors)
            if unknown:
                raise ConfigError(f"unknown rule code or prefix `{unknown[0]}` in {option}")
        codes = registered_codes()
        for pattern, selectors in self.per_file_ignores.items():
            unknown = unknown_selectors(selectors, codes)
            if unknown:
                raise ConfigError(f"unknown rule code or prefix `{unknown[0]}` in per-file-ignores for `{pattern}`")
        if self.index_float not in INDEX_FLOATS:
            raise ConfigError(f"unknown index-float `{self.index_float}` (expected one of: {', '.join(INDEX_FLOATS)})")
        return self


class GlobIndex:
    """Many per-file-ignores globs, matched in time that grows with the path, not with the number of globs: each
    glob is filed under its literal prefix (the text before its first `*`, `?` or `[`), and a path is tried only
    against the globs filed under one of its own prefixes. Globs are compiled once, when first tried."""

    def __init__(self, globs: Mapping[str, Iterable[str]]):
        self._by_prefix: dict[str, list[list]] = {}
        for pattern, selectors in globs.items():
            pattern = pattern.replace(os.sep, "/")
            forms = [pattern, pattern[3:]] if pattern.startswith("**/") else [pattern]
            for form in forms:
                entry = [form, None, tuple(selectors)]  # the compiled matcher replaces None on first use
                self._by_prefix.setdefault(_literal_prefix(form), []).append(entry)
        self._longest = max(map(len, self._by_prefix), default=0)

    def selectors_for(self, candidates: Iterable[str]) -> frozenset[str]:
        found: set[str] = set()
        for path in candidates:
            for end in range(min(len(path), self._longest) + 1):
                for entry in self._by_prefix.get(path[:end], ()):
                    if entry[1] is None:
                        entry[1] = re.compile(fnmatch.translate(entry[0])).match
                    if entry[1](path):
                        found.update(entry[2])
        return frozenset(found)


def _literal_prefix(pattern: str) -> str:
    cut = min((i for i in (pattern.find(c) for c in "*?[") if i >= 0), default=len(pattern))
    return pattern[:cut]


def glob_matches(pattern: str, path: str) -> bool:
    """fnmatch, plus `**/x` also matching `x` at the top level (as in gitignore-style globs)."""
    pattern = pattern.replace(os.sep, "/")
    if fnmatch.fnmatchcase(path, pattern):
        return True
    return pattern.startswith("**/") and fnmatch.fnmatchcase(path, pattern[3:])
