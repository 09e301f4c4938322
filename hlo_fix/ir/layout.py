"""Where MLIR's layout decides structure: whether a `{` opens a region, and whether a line continues the op above.

Shared by the strict parser's post-lexer and the fast reader (which must not import Lark: it starts on every
lint), so both decide the same way.
"""

from __future__ import annotations

_OP_STARTS = {"VALUE_REF", "BLOCK_REF", "GENERIC_OP_NAME"}


def starts_region(first_type: str | None, second_type: str | None) -> bool:
    """Whether a `{` followed by tokens of these types opens a region (else an attribute dictionary)."""
    if first_type in _OP_STARTS:
        return True
    return first_type == "BARE_ID" and second_type not in ("COMMA", "RBRACE")


def continues_op(word_type: str, word: str, after_type: str | None) -> bool:
    """Whether a line starting with `word` continues the op above it (`cond {`, `do {`, `reducer(...) {`)."""
    return word_type == "BARE_ID" and "." not in word and word != "module" and after_type in ("LBRACE", "LPAR")
