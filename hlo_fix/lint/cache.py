"""The result cache (ruff's `.ruff_cache` model): a module's findings, keyed by its content, its name, the
settings that shape them and the hlo-fix code that computed them, so an unchanged file is not read into a module
again. `--no-cache` bypasses it, `hlo-fix clean` removes it.

The key includes a fingerprint of hlo-fix's own source files (their paths, sizes and modification times), not only
the version: a checkout under development never serves findings an older rule computed. Entries are written
atomically; a cache that cannot be read or written is skipped silently (it only ever saves time).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from hlo_fix.ir.locations import SourceChain, SourceFrame, SourceLocation
from hlo_fix.lint.settings import Settings, registered_codes
from hlo_fix.rule_api.finding import Finding, Fix
from hlo_fix.version import __version__

CACHE_DIR_NAME = ".hlo-fix_cache"
CACHE_DIR_ENV = "HLO_FIX_CACHE_DIR"
FORMAT = 1


def cache_dir_for(root: str | os.PathLike | None, override: str | None = None) -> Path:
    """`--cache-dir`, else `HLO_FIX_CACHE_DIR`, else `.hlo-fix_cache` in `root` (the configuration's directory)."""
    chosen = override or os.environ.get(CACHE_DIR_ENV)
    return Path(chosen) if chosen else Path(root or os.getcwd()) / CACHE_DIR_NAME


@functools.cache
def code_fingerprint() -> str:
    """What identifies the code computing findings: the version and every module and grammar file of hlo_fix."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}".encode())
    package = Path(__file__).parent.parent  # hlo_fix/
    grammar = package.parent / "grammar"
    for base in (package, grammar):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix in (".py", ".lark"):
                status = path.stat()
                digest.update(f"{path.relative_to(base)}\0{status.st_size}\0{status.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def settings_key(settings: Settings) -> str:
    """The settings that change what `lint_text` returns (discovery options do not)."""
    fields = {
        "select": settings.select, "ignore": settings.ignore, "extend_select": settings.extend_select,
        "per_file_ignores": sorted((k, list(v)) for k, v in settings.per_file_ignores.items()),
        "index_float": settings.index_float, "unsafe_fixes": settings.unsafe_fixes,
        "extend_safe_fixes": settings.extend_safe_fixes, "extend_unsafe_fixes": settings.extend_unsafe_fixes,
        "unfixable": settings.unfixable, "fix_strategy": settings.fix_strategy,
        "project_root": settings.project_root, "rules": registered_codes(),
    }
    return json.dumps(fields, sort_keys=True, default=list)


class _RecordedFrames(tuple):
    """A call chain read back from the cache, answering `frames()` as the location it was reported from did, so
    the source is an ordinary `SourceChain` (for JSON's `source.chain`)."""

    def frames(self) -> tuple:
        return tuple(self)


def finding_to_entry(finding: Finding) -> dict:
    source = finding.source
    chain = getattr(source, "chain", ()) if source is not None else ()
    return {
        "code": finding.code, "name": finding.name, "message": finding.message, "severity": finding.severity,
        "filename": finding.filename, "span": [finding.row, finding.column, finding.end_row, finding.end_column],
        "fix": None if finding.fix is None else [finding.fix.applicability, finding.fix.message],
        "source": None if source is None else [source.file, source.line, source.column],
        "chain": [frame.to_json() for frame in chain] if len(chain) > 1 else None,
        "fingerprint": finding.fingerprint, "offset": finding.offset,
    }


def finding_from_entry(entry: dict) -> Finding:
    source = None
    if entry["source"] is not None:
        file, line, column = entry["source"]
        if entry["chain"]:
            frames = _RecordedFrames(SourceFrame(**frame) for frame in entry["chain"])
            source = SourceChain(file, line, column, location=frames)
        else:
            source = SourceLocation(file, line, column)
    fix = None if entry["fix"] is None else Fix(*entry["fix"])
    return Finding(entry["code"], entry["name"], entry["message"], entry["severity"], entry["filename"],
                   *entry["span"], fix=fix, source=source, fingerprint=entry["fingerprint"], offset=entry["offset"])


class ResultCache:
    """Findings of earlier runs under one cache directory: one file, read once and written once per run (a file
    per entry cost more to write than linting small modules). An entry not used for `MAX_AGE_DAYS` is dropped.
    Two runs writing at once lose only entries, never the file: it is replaced atomically."""

    MAX_AGE_DAYS = 30

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / __version__ / "results.json"
        self.hits = self.misses = 0
        self._entries: dict[str, dict] | None = None
        self._dirty = False
        self._today = int(time.time() // 86400)
        self._settings_keys: dict[int, tuple[Settings, str]] = {}

    def key(self, text: str, name: str, settings: Settings, strict: bool) -> str:
        known = self._settings_keys.get(id(settings))
        if known is None or known[0] is not settings:  # a run has a few Settings, shared by many files
            known = self._settings_keys[id(settings)] = (settings, settings_key(settings))
        digest = hashlib.sha256()
        for part in (code_fingerprint(), known[1], name, "strict" if strict else "fast"):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _load(self) -> dict[str, dict]:
        if self._entries is None:
            from hlo_fix.errors import HloFixError
            from hlo_fix.lint.config import read_regular_text

            try:  # a FIFO or device put in its place must not block the run: regular files only
                loaded = json.loads(read_regular_text(self.path, "cache")) if self.path.exists() else {}
                self._entries = loaded if isinstance(loaded, dict) else {}
            except (HloFixError, OSError, ValueError, RecursionError):
                self._entries = {}
        return self._entries

    def get(self, key: str) -> list[Finding] | None:
        entry = self._load().get(key)
        try:
            found = [finding_from_entry(item) for item in entry["findings"]] if entry is not None else None
        except (KeyError, TypeError, ValueError):
            found = None
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        if entry.get("seen") != self._today:
            entry["seen"] = self._today
            self._dirty = True
        return found

    def put(self, key: str, findings: Sequence[Finding]) -> None:
        self._load()[key] = {"seen": self._today, "findings": [finding_to_entry(f) for f in findings]}
        self._dirty = True

    def save(self) -> None:
        """Write the entries back if anything changed; a cache that cannot be written is skipped."""
        if not self._dirty:
            return
        entries = {k: v for k, v in self._load().items()
                   if isinstance(v, dict) and self._today - int(v.get("seen", 0) or 0) <= self.MAX_AGE_DAYS}
        try:
            self._prepare(self.path.parent)
            descriptor, temporary = tempfile.mkstemp(prefix=".results.", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                    json.dump(entries, stream, separators=(",", ":"))
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return
        self._dirty = False

    def _prepare(self, directory: Path) -> None:
        if not self.directory.is_dir():
            self.directory.mkdir(parents=True, exist_ok=True)
            # As ruff does: the cache ignores itself, so it never shows in `git status`.
            (self.directory / ".gitignore").write_text("# Automatically created by hlo-fix.\n*\n")
            (self.directory / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
        directory.mkdir(parents=True, exist_ok=True)


def cached_lint(cache: ResultCache | None, lint_text, text: str, name: str, settings: Settings,
                strict: bool = False) -> list[Any]:
    """`lint_text(text, name, settings)`, served from `cache` when it has this exact input."""
    if cache is None:
        return lint_text(text, name, settings)
    key = cache.key(text, name, settings, strict)
    found = cache.get(key)
    if found is None:
        found = lint_text(text, name, settings)
        cache.put(key, found)
    return found
