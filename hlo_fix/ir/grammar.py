"""Loads `grammar/stablehlo.lark` once and hands out parsers and terminal patterns built from it."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def grammar_text(name: str = "stablehlo.lark") -> str:
    return resources.files("hlo_fix.grammar").joinpath(name).read_text(encoding="utf-8")


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
    """Regular expressions of the grammar's named terminals, for the fast reader's scanners."""
    from lark.load_grammar import load_grammar

    grammar, _ = load_grammar(grammar_text(), "stablehlo.lark", (), False)
    terminals, _, _ = grammar.compile(["start"], "*")
    return {t.name: t.pattern.to_regexp() for t in terminals}
