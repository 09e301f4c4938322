"""Statement ends and region braces for the full grammar (what MLIR's parser knows from context).

Newlines are whitespace: the post-lexer marks where a statement ends with a `_SEP` token, by the same rules
the fast reader follows (`hlo_fix.ir.layout`): at region level (the top level or directly inside a region), a
statement starts at a token that can start one, where the op before it may end. It also retypes a `{` as
REGION_OPEN when the tokens after it start an op or a block (else it opens an attribute dictionary).
"""

from __future__ import annotations

from typing import Iterator

from lark import Token

from hlo_fix.ir.layout import label_length, may_end_after, starts_region, statement_kind

_OPENERS = {"LPAR", "LSQB", "LESSTHAN", "LBRACE"}
_CLOSERS = {"RPAR", "RSQB", "MORETHAN", "RBRACE"}
_END = ("$END", "")


class RegionPostLexer:
    """Lark post-lexer: inserts `_SEP` between statements and retypes region braces as REGION_OPEN."""

    always_accept = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        tokens = list(stream)
        n = len(tokens)

        def peek_from(i: int):
            def peek(k: int) -> tuple[str, str]:
                j = i + k
                return (tokens[j].type, tokens[j].value) if j < n else _END

            return peek

        stack: list[str] = []  # "region" or the opener's type, innermost last
        in_statement = False  # a statement has tokens since the last separator at this level
        can_end = True
        label_left = 0  # tokens of a block label still to come
        for i, tok in enumerate(tokens):
            kind = tok.type
            at_region_level = not stack or stack[-1] == "region"
            if label_left:
                label_left -= 1
                yield tok
                if label_left == 0:
                    in_statement, can_end = True, True  # the label is a statement of its own
                continue
            if at_region_level and can_end:
                what = statement_kind(peek_from(i))
                if what is not None and in_statement and what != "close":
                    yield Token.new_borrow_pos("_SEP", "", tok)
                if what == "label":
                    label_left = label_length(peek_from(i)) - 1
                    in_statement = True
                    yield tok
                    continue
                if what == "close":
                    stack.pop() if stack else None
                    in_statement, can_end = True, True  # the region's owner goes on after its `}`
                    yield tok
                    continue
                if what is not None:
                    in_statement = True
            if kind == "LBRACE":
                inside_brackets = bool(stack) and stack[-1] in ("LSQB", "LESSTHAN")
                peek = peek_from(i)
                if not inside_brackets and starts_region(peek(1), peek(2)):
                    stack.append("region")
                    in_statement, can_end = False, True
                    yield Token.new_borrow_pos("REGION_OPEN", tok.value, tok)
                    continue
                stack.append(kind)
            elif kind in _OPENERS:
                stack.append(kind)
            elif kind in _CLOSERS:
                if stack:
                    stack.pop()
            can_end = may_end_after(kind, tok.value)
            yield tok
