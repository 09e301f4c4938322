"""Where one statement ends and the next begins, decided from tokens: MLIR is not line-based.

A newline is whitespace to MLIR. An op ends where the next statement starts, so both readers (the fast reader
and strict mode's post-lexer, which must not disagree) ask the same two questions of the token stream:

- may the op end after its last token? Not after `,` `->` `:` `=`, nor after a custom form's keyword that is
  followed by an op name belonging to it (`applies stablehlo.add`);
- does a statement start at this token? A result list and `=` before an op name, an op name (`dialect.op`, a
  generic `"name"(`, a default-dialect `return`), a block label `^bb0(...):`, a region's closing `}`, or at the
  top level an alias definition. Anything else continues the op: `-> type`, `: type`, `{attrs}`, `<{props}>`,
  `(regions)`, `loc(...)`, a custom form's `key = value` or keyword.

Both readers pass `peek(i)`: the (type, value) of the i-th significant token from the current one, with
("$END", "") past the end. Types are the grammar's terminal names (`grammar/stablehlo.lark`).
"""

from __future__ import annotations

from typing import Callable

Peek = Callable[[int], "tuple[str, str]"]

# After these an op always goes on.
_CONTINUATIONS = frozenset({"COMMA", "ARROW", "COLON", "EQUAL"})
# A custom form's keyword followed by an op name that is part of the op (stablehlo.reduce's compact form).
_KEYWORDS_BEFORE_AN_OP_NAME = frozenset({"applies"})
# Ops printed without a dialect prefix: the builtin dialect's, and the func dialect's inside a func.func.
BARE_OP_NAMES = frozenset(
    {"module", "return", "call", "call_indirect", "constant", "unrealized_conversion_cast"}
)
_OP_STARTS = {"VALUE_REF", "BLOCK_REF", "GENERIC_OP_NAME"}


def may_end_after(kind: str, value: str) -> bool:
    """Whether an op can end after a token of this kind and text."""
    return kind not in _CONTINUATIONS and not (kind == "BARE_ID" and value in _KEYWORDS_BEFORE_AN_OP_NAME)


def is_op_name(kind: str, value: str) -> bool:
    return kind == "GENERIC_OP_NAME" or (kind == "BARE_ID" and ("." in value or value in BARE_OP_NAMES))


def statement_kind(peek: Peek) -> str | None:
    """What starts at the current token: "op", "label", "close" (a region's `}`), "alias", "metadata" (a
    `{-# ... #-}` section) or None (the token continues the op before it)."""
    kind, value = peek(0)
    if kind == "RBRACE":
        return "close"
    if is_op_name(kind, value):
        return "op"
    if kind == "VALUE_REF":
        return "op" if result_list_length(peek) is not None else None
    if kind == "BLOCK_REF":
        return "label" if label_length(peek) is not None else None
    if kind in ("ATTR_REF", "TYPE_REF"):
        return "alias" if peek(1)[0] == "EQUAL" else None
    if kind == "FILE_METADATA":
        return "metadata"
    return None


def result_list_length(peek: Peek) -> int | None:
    """Tokens in `%a, %b:2 =` before an op name (the `=` included), or None where no op name follows."""
    i = 0
    while peek(i)[0] == "VALUE_REF":
        i += 1
        if peek(i)[0] == "COLON" and peek(i + 1)[0] == "INT":
            i += 2
        kind = peek(i)[0]
        if kind == "EQUAL":
            return i + 1 if is_op_name(*peek(i + 1)) else None
        if kind != "COMMA":
            return None
        i += 1
    return None


def label_length(peek: Peek) -> int | None:
    """Tokens in `^bb0(%a: t, %b: t):` (the final `:` included), or None where this is a successor (`^bb1`
    as an operand of a branch)."""
    i = 1
    if peek(1)[0] == "LPAR":
        depth = 0
        while True:
            kind = peek(i)[0]
            if kind == "$END":
                return None
            depth += 1 if kind == "LPAR" else -1 if kind == "RPAR" else 0
            i += 1
            if depth == 0:
                break
    return i + 1 if peek(i)[0] == "COLON" else None


def starts_region(first: tuple[str, str], second: tuple[str, str]) -> bool:
    """Whether a `{` followed by these two tokens opens a region (else an attribute dictionary): a region
    starts with an op or a block label, a dictionary with `key =`, a unit attribute or `}`. A lone name before
    `}` or `,` is a unit attribute, unless it is a terminator that ends a region by itself (`{ func.return }`)."""
    kind, value = first
    if kind in _OP_STARTS:
        return True
    if kind != "BARE_ID":
        return False
    if value in BARE_OP_NAMES or second[0] not in ("COMMA", "RBRACE"):
        return True
    return value.rpartition(".")[2] in _TERMINATORS and "." in value


_TERMINATORS = frozenset({"return", "yield"})
