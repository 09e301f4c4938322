"""An op's attributes, decoded from its own text when a rule asks: `dim = 0`, `dims = [0, 1]`,
`<{dimension_numbers = #stablehlo.gather<...>, slice_sizes = array<i64: 1, 1>}>`, `{mhlo.sharding = "..."}`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hlo_fix.ir.memo import TextTable, memoized
from hlo_fix.ir.tokens import Token, matching_close, tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.views import OpView


class _Decoded:
    """What an op's own text says: attribute values by name, bare words before the signature, first symbol.

    A text of `_LONG_TEXT` characters or more (a `main` with thousands of arguments) is tokenized whole only when
    its values or words are asked for: its symbol, all that is asked of a function, is read from the text before
    its first `(` where that holds no string or comment."""

    __slots__ = ("_text", "_values", "_words", "symbol")

    def __init__(self, text: str):
        self._text = text
        self._values = self._words = None
        if len(text) >= _LONG_TEXT:
            prefix = _plain_prefix(text)
            if prefix is not None:
                symbol = next((t for t in tokenize(prefix, strict=False) if t.type == "SYMBOL_REF"), None)
                if symbol is not None:
                    self.symbol = symbol.value[1:].strip('"')
                    return
        tokens = self._decode()
        symbol = next((t for t in tokens if t.type == "SYMBOL_REF"), None)
        self.symbol = None if symbol is None else symbol.value[1:].strip('"')

    def _decode(self) -> list[Token]:
        text = self._text
        tokens = tokenize(text, strict=False)
        self._values = _collect(tokens, text)
        self._words = _words(tokens)
        self._text = None
        return tokens

    @property
    def values(self) -> dict[str, str]:
        if self._values is None:
            self._decode()
        return self._values

    @property
    def words(self) -> list[str]:
        if self._words is None:
            self._decode()
        return self._words


_LONG_TEXT = 1 << 16


# The first character that ends a plain prefix: `(`, or one that may start a string, a comment or a metadata section.
_PREFIX_END = re.compile(r'[("/{]')


def _plain_prefix(text: str) -> str | None:
    """The text before the first `(`, when no string or comment can hide one before it: then that `(` starts a
    token, and the tokens before it are the whole text's. (Found with one search that stops at the first quote:
    a weight constant's megabytes are neither scanned nor copied.)"""
    found = _PREFIX_END.search(text)
    return text[: found.start()] if found is not None and found.group() == "(" else None


_DECODED: TextTable[_Decoded] = TextTable()


class OpAttributes:
    """Raw attribute values by name, at any bracket depth of the op's own text (pretty `key = value` clauses,
    generic `<{...}>` properties and `{...}` dictionaries alike). Regions are not part of the own text.
    Decoded once per distinct op text (`hlo_fix.ir.opkey`)."""

    def __init__(self, op: "OpView"):
        from hlo_fix.ir.opkey import op_key

        key = op_key(op)
        decoded = _DECODED.get(key)
        if decoded is None:
            decoded = _DECODED.put(key, _Decoded(op.own_text))
        self._decoded = decoded

    def get(self, name: str) -> str | None:
        return self._decoded.values.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._decoded.values

    def names(self) -> list[str]:
        return list(self._decoded.values)

    def ints(self, name: str) -> list[int] | None:
        raw = self.get(name)
        return None if raw is None else parse_ints(raw)

    def int(self, name: str) -> int | None:
        values = self.ints(name)
        return values[0] if values else None

    def words(self) -> list[str]:
        """Bare words at the op's top level after its name: `LT`, `SIGNED` in `compare LT, %a, %b, SIGNED`."""
        return self._decoded.words

    def symbol(self) -> str | None:
        """The first `@symbol` of the op (callee of `call`, name of `func.func`, target of `custom_call`)."""
        return self._decoded.symbol


def _collect(tokens: list[Token], text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    base = tokens[0].depth if tokens else 0
    for i, tok in enumerate(tokens):
        if tok.type not in ("ATTR_KEY", "STRING") or i + 1 >= len(tokens) or tokens[i + 1].type != "EQUAL":
            continue
        key = tok.value.strip('"')
        if key in values:
            continue
        end = value_end(tokens, i + 2, stop_at_colon=tok.depth == base)
        if end > i + 2:
            values[key] = text[tokens[i + 2].start : tokens[end - 1].end]
    return values


def _words(tokens: list[Token]) -> list[str]:
    base = tokens[0].depth if tokens else 0
    name_index = next(
        (i for i, t in enumerate(tokens) if t.depth == base and t.type in ("BARE_ID", "GENERIC_OP_NAME")), 0
    )
    words = []
    for tok in tokens[name_index + 1 :]:
        if tok.depth == base and tok.type == "COLON":
            break
        if tok.depth == base and tok.type == "BARE_ID":
            words.append(tok.value)
    return words


def value_end(tokens: list[Token], start: int, *, stop_at_colon: bool) -> int:
    """Index just past an attribute value starting at `start`. Inside a dictionary or `<...>` a value runs to
    the next `,` or closing bracket (`8 : i32` included). A top-level clause of a pretty op (`stop_at_colon`) is
    one item, optionally `x`-joined (`batching_dims = [0] x [0]`): it stops before the op's signature, its
    location, the next clause, and anything else (`manual_axes={"x"} (%arg1: ...)`)."""
    if stop_at_colon:
        end = _item_end(tokens, start)
        while end + 1 < len(tokens) and tokens[end].type == "BARE_ID" and tokens[end].value == "x":
            end = _item_end(tokens, end + 1)
        return end
    depth = tokens[start].depth if start < len(tokens) else 0
    i = start
    while i < len(tokens):
        tok = tokens[i]
        if tok.depth == depth and (tok.type == "COMMA" or tok.type in ("RPAR", "RSQB", "MORETHAN", "RBRACE")):
            return i
        if tok.depth < depth:
            return i
        if tok.type in ("LPAR", "LSQB", "LESSTHAN", "LBRACE"):
            i = matching_close(tokens, i)
        i += 1
    return i


def _item_end(tokens: list[Token], i: int) -> int:
    """Index just past one item: a group, or a token with its `<...>` body (`array<i64: 1>`, `#a.b<...>`)."""
    if i >= len(tokens):
        return i
    if tokens[i].type in ("LPAR", "LSQB", "LESSTHAN", "LBRACE"):
        return matching_close(tokens, i) + 1
    if tokens[i].type in ("COMMA", "COLON", "RPAR", "RSQB", "MORETHAN", "RBRACE"):
        return i
    if i + 1 < len(tokens) and tokens[i + 1].type == "LESSTHAN":
        return matching_close(tokens, i + 1) + 1
    return i + 1


@memoized
def parse_ints(raw: str) -> list[int]:
    """`0`, `[0, 1]`, `array<i64: 1, 1>`, `dense<[0, 1]> : tensor<2xi64>`, `[1] x [2]` (first list only)."""
    tokens = tokenize(raw, strict=False)
    values: list[int] = []
    started = False
    for tok in tokens:
        if tok.type == "INT":
            values.append(int(tok.value))
            started = True
        elif tok.type == "COLON" and tok.depth == 0 and started:
            break
        elif tok.type == "BARE_ID" and tok.value == "x" and started:
            break
        elif tok.type == "HEX":
            values.append(int(tok.value, 16))
            started = True
    return values


def parse_int_pair(raw: str) -> tuple[list[int], list[int]]:
    """`[0] x [0]` (dot_general's batching/contracting dims) -> ([0], [0])."""
    tokens = tokenize(raw, strict=False)
    split = next((i for i, t in enumerate(tokens) if t.type == "BARE_ID" and t.value == "x" and t.depth == 0), None)
    if split is None:
        return parse_ints(raw), []
    left = raw[: tokens[split].start]
    right = raw[tokens[split].end :]
    return parse_ints(left), parse_ints(right)


@memoized
def parse_struct(raw: str) -> dict[str, str]:
    """`#stablehlo.gather<offset_dims = [1], index_vector_dim = 1>` -> {name: raw value}."""
    tokens = tokenize(raw, strict=False)
    open_index = next((i for i, t in enumerate(tokens) if t.type == "LESSTHAN"), None)
    if open_index is None:
        return {}
    close = matching_close(tokens, open_index)
    inner = tokens[open_index + 1 : close]
    fields: dict[str, str] = {}
    for i, tok in enumerate(inner):
        if tok.type == "ATTR_KEY" and tok.depth == tokens[open_index].depth + 1 and i + 1 < len(inner):
            end = value_end(inner, i + 2, stop_at_colon=False)
            if end > i + 2:
                fields[tok.value] = raw[inner[i + 2].start : inner[end - 1].end]
    return fields


def parse_string(raw: str) -> str:
    """An MLIR string literal's contents (escapes `\\"`, `\\\\`, `\\n` and hex pairs decoded)."""
    body = raw.strip()
    if body.startswith('"') and body.endswith('"'):
        body = body[1:-1]
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in '"\\':
                out.append(nxt)
                i += 2
                continue
            if nxt == "n":
                out.append("\n")
                i += 2
                continue
            pair = body[i + 1 : i + 3]
            if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
                out.append(chr(int(pair, 16)))
                i += 3
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def symbol_name(op: "OpView") -> str:
    """The symbol an op defines or names (`func.func @main` -> "main"); "" when it has none."""
    return op.attributes.symbol() or ""
