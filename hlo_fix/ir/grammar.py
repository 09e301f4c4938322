"""Loads `grammar/stablehlo.lark` once and hands out parsers and terminal patterns built from it."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

import hlo_fix.grammar as _grammar_package  # grammar/ in the repository, hlo_fix/grammar in a wheel


@functools.cache
def grammar_text(name: str = "stablehlo.lark") -> str:
    # The package's own directory: `importlib.resources` would say the same, and import zipfile to do it.
    return (Path(_grammar_package.__file__).parent / name).read_text(encoding="utf-8")


@functools.cache
def gspmd_parser():
    """Parser for HLO sharding strings (`grammar/gspmd.lark`)."""
    import lark

    return lark.Lark(grammar_text("gspmd.lark"), parser="lalr", cache=True)


@functools.cache
def parser(start: str = "start"):
    """An LALR parser for one start rule; Lark caches the built tables on disk between runs."""
    import lark

    from hlo_fix.ir.postlex import RegionPostLexer

    postlex = RegionPostLexer() if start == "start" else None
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual" if start != "start" else "basic",
        start=start,
        postlex=postlex,
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
    )


@functools.cache
def terminal_patterns() -> dict[str, str]:
    """Regular expressions of the grammar's named terminals, for the fast reader's scanners. Compiling them from
    the grammar needs Lark (a tenth of a second at every start), so they are cached on disk, keyed by the grammar's
    hash, the way Lark caches its own parsers."""
    text = grammar_text()
    key = hashlib.sha256(f"{_lark_version()}\x00{text}".encode()).hexdigest()[:16]
    cache = _cache_dir() / f"terminals-{key}.json"
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    from lark.load_grammar import load_grammar

    grammar, _ = load_grammar(text, "stablehlo.lark", (), False)
    terminals, _, _ = grammar.compile(["start"], "*")
    patterns = {t.name: t.pattern.to_regexp() for t in terminals}
    _write_atomically(cache, json.dumps(patterns))
    return patterns


def _lark_version() -> str:
    """Part of the cache key: another Lark could print the same terminals differently. The installed package is
    named by where it lives and when it was written; `importlib.metadata` would say its version but costs a
    thirtieth of a second at every start, a quarter of start-up."""
    from importlib.util import find_spec

    spec = find_spec("lark")
    if spec is None or not spec.origin:
        return "unknown"
    try:
        stat = os.stat(spec.origin)
    except OSError:
        return spec.origin
    return f"{spec.origin}:{stat.st_size}:{stat.st_mtime_ns}"


def _cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "hlo-fix"


def _write_atomically(path: Path, text: str) -> None:
    """Best effort: a read-only or missing cache directory only costs the next start its tenth of a second."""
    import tempfile  # only when the cache is written (once per grammar), not at every start

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as handle:
            handle.write(text)
        os.replace(handle.name, path)
    except OSError:
        pass
