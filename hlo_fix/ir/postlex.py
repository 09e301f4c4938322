"""Newline and brace disambiguation for the full grammar (what MLIR's parser knows from context).

A newline ends an operation only at region level (module top level or directly inside a region); inside
`( [ < {` groups it is layout. A `{` opens a region when the token after it can start an operation or a block
(`%x`, `^bb0`, `"op"(`, `name ...`), and an attribute dictionary otherwise (`key =`, `"key"`, `}`, `?`...).
A line that starts with a bare keyword followed by `{` or `(` continues the op above it: stablehlo.while's
`cond {` / `do {` and stablehlo.reduce's `reducer(...) {`.
"""

from __future__ import annotations

from typing import Iterator

from lark import Token

from hlo_fix.ir.layout import continues_op, starts_region

_OPENERS = {"LPAR": ")", "LSQB": "]", "LESSTHAN": ">", "LBRACE": "}"}
_CLOSERS = {"RPAR", "RSQB", "MORETHAN", "RBRACE"}


class RegionPostLexer:
    """Lark post-lexer: drops layout newlines and retypes region braces as REGION_OPEN."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        tokens = list(stream)
        stack: list[str] = []  # "region" or the opener's type, innermost last
        pending_newline: Token | None = None
        n = len(tokens)
        for i, tok in enumerate(tokens):
            kind = tok.type
            if kind == "_NL":
                at_region_level = not stack or stack[-1] == "region"
                if at_region_level and pending_newline is None:
                    pending_newline = tok
                continue
            if pending_newline is not None:
                after = tokens[i + 1].type if i + 1 < n else None
                if not continues_op(kind, tok.value, after):
                    yield pending_newline
                pending_newline = None
            if kind == "LBRACE":
                inside_brackets = bool(stack) and stack[-1] in ("LSQB", "LESSTHAN")
                first, second = _peek_two(tokens, i + 1)
                if not inside_brackets and starts_region(first and first.type, second and second.type):
                    stack.append("region")
                    yield Token.new_borrow_pos("REGION_OPEN", tok.value, tok)
                    continue
                stack.append(kind)
            elif kind in _OPENERS:
                stack.append(kind)
            elif kind in _CLOSERS:
                if stack:
                    stack.pop()
            yield tok
        if pending_newline is not None:
            yield pending_newline


def _peek_two(tokens: list[Token], start: int) -> tuple[Token | None, Token | None]:
    """The first token after `start` that is not a newline, and the raw token after that."""
    i = start
    while i < len(tokens) and tokens[i].type == "_NL":
        i += 1
    first = tokens[i] if i < len(tokens) else None
    second = tokens[i + 1] if i + 1 < len(tokens) else None
    return first, second
