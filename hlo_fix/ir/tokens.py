"""MLIR tokens of a snippet (an op's own text, an attribute, a location), for the on-demand decoders.

The master pattern is assembled from the grammar's terminals in Lark's order of precedence, so the decoders see
exactly the tokens the strict parser sees, at C speed (decoding runs for every op a rule looks at).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from hlo_fix.errors import ParseError
from hlo_fix.ir.grammar import terminal_patterns

# Lark tries higher-priority terminals first (the `.N` suffixes in the grammar), then longer literals.
_ORDER = (
    "GENERIC_OP_NAME",
    "ATTR_KEY",
    "HEX",
    "FLOAT",
    "ARROW",
    "STRING",
    "VALUE_REF",
    "SYMBOL_REF",
    "BLOCK_REF",
    "ATTR_REF",
    "TYPE_REF",
    "BARE_ID",
    "INT",
    "PUNCT",
    "EQUAL",
    "COMMA",
    "COLON",
    "LPAR",
    "RPAR",
    "LSQB",
    "RSQB",
    "LESSTHAN",
    "MORETHAN",
    "LBRACE",
    "RBRACE",
    "COMMENT",
    "WS",
    "_NL",
)
OPENERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LESSTHAN": "MORETHAN", "LBRACE": "RBRACE"}
CLOSERS = frozenset(OPENERS.values())


class Token(NamedTuple):
    type: str
    value: str
    start: int
    end: int
    depth: int  # brackets open before this token (an opener has the depth outside it)


@functools.cache
def _master() -> re.Pattern:
    patterns = terminal_patterns()
    return re.compile("|".join(f"(?P<{name}>{patterns[name]})" for name in _ORDER))


def tokenize(text: str, strict: bool = True) -> list[Token]:
    """Tokens without layout or comments. A character no terminal matches raises ParseError, or is skipped when
    `strict` is off (decoders of text the reader already accepted must not fail on a stray character)."""
    match_at = _master().match
    tokens: list[Token] = []
    depth = 0
    pos = 0
    end = len(text)
    while pos < end:
        match = match_at(text, pos)
        if match is None:
            if not strict:
                pos += 1
                continue
            line = text.count("\n", 0, pos) + 1
            column = pos - (text.rfind("\n", 0, pos) + 1) + 1
            raise ParseError(f"unexpected character {text[pos]!r}", line, column)
        kind = match.lastgroup
        pos = match.end()
        if kind in ("WS", "_NL", "COMMENT"):
            continue
        if kind in CLOSERS:
            depth -= 1
        tokens.append(Token(kind, match.group(), match.start(), pos, depth))
        if kind in OPENERS:
            depth += 1
    return tokens


def matching_close(tokens: list[Token], open_index: int) -> int:
    """Index of the token closing the group opened at `open_index`."""
    depth = tokens[open_index].depth
    for i in range(open_index + 1, len(tokens)):
        if tokens[i].type in CLOSERS and tokens[i].depth == depth:
            return i
    raise ParseError("unbalanced brackets", 1, tokens[open_index].start + 1)
