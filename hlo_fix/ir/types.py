"""Tensor types, decoded from an op's signature or a region argument's declaration when a rule asks."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlo_fix.ir.element_types import integer_range
from hlo_fix.ir.headers import LONG_HEADER, argument_type_span, function_header
from hlo_fix.ir.memo import TextTable, memoized
from hlo_fix.ir.tokens import Token, matching_close, tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.views import OpView, ValueView


@dataclass(frozen=True)
class TensorType:
    """`tensor<64x8xf32>`: shape (None for a dynamic `?` dim), element type as printed, optional encoding."""

    shape: tuple[int | None, ...]
    element_type: str
    encoding: str | None = None

    @property
    def rank(self) -> int:
        return len(self.shape)

    @functools.cached_property
    def is_static(self) -> bool:
        # Cached: types are shared (parse_type is memoized) and asked about on every rewrite match.
        return None not in self.shape

    @property
    def is_integer(self) -> bool:
        """An integer element type, `i1` included (`hlo_fix.ir.element_types` says what each holds)."""
        return integer_range(self.element_type) is not None

    @property
    def is_float(self) -> bool:
        return self.element_type in FLOAT_TYPES or self.element_type.startswith("f8")

    def with_element_type(self, element_type: str) -> "TensorType":
        return TensorType(self.shape, element_type, self.encoding)

    def __str__(self) -> str:
        dims = "".join(("?" if d is None else str(d)) + "x" for d in self.shape)
        encoding = f", {self.encoding}" if self.encoding else ""
        return f"tensor<{dims}{self.element_type}{encoding}>"


FLOAT_TYPES = frozenset({"f16", "bf16", "f32", "f64", "tf32"})


@memoized
def parse_type(text: str) -> TensorType | None:
    """A `tensor<...>` type; None for other types (tokens, tuples, scalars without `tensor`)."""
    text = text.strip()
    if not (text.startswith("tensor<") and text.endswith(">")):
        return None
    inner = text[len("tensor<") : -1]
    encoding = None
    depth = 0
    for i, ch in enumerate(inner):
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif ch == "," and depth == 0:
            inner, encoding = inner[:i].strip(), inner[i + 1 :].strip()
            break
    shape: list[int | None] = []
    rest = inner
    while True:
        head, sep, tail = rest.partition("x")
        if sep and (head.isdigit() or head == "?"):
            shape.append(None if head == "?" else int(head))
            rest = tail
        else:
            break
    return TensorType(tuple(shape), rest, encoding)


def split_types(tokens: list[Token], text: str) -> list[str]:
    """The comma-separated types in a token run (parentheses around a list are dropped)."""
    types: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.type == "LPAR":
            close = matching_close(tokens, i)
            types.extend(split_types(tokens[i + 1 : close], text))
            i = close + 1
            continue
        if tok.type == "COMMA":
            i += 1
            continue
        start = tok.start
        j = i
        while j < n and tokens[j].type != "COMMA":
            if tokens[j].type in ("LESSTHAN", "LPAR", "LSQB", "LBRACE"):
                j = matching_close(tokens, j)
            j += 1
        types.append(text[start : tokens[j - 1].end])
        i = j
    return types


_SIGNATURES: TextTable[tuple[list[str], list[str]]] = TextTable()


def signature(op: "OpView") -> tuple[list[str], list[str]]:
    """(operand types, result types) as printed after the op's last top-level `:`. Forms: `: T` (all the same),
    `: (A, B) -> R`, `: A -> (R1, R2)`, `: P, T` (select), `: T1, T2, ...` (while: one per result).
    Decoded once per distinct op text (`hlo_fix.ir.opkey`)."""
    if op._segments is None:
        # One-line op: the text between the last ` : ` and a trailing ` loc(` is the key itself.
        line = op.module.text[op.start : op.end]
    if op._segments is None and "\n" not in line:
        end = line.rfind(" loc(")
        if end < 0 or not line.endswith(")"):
            end = len(line)
        colon = line.rfind(" : ", 0, end)
        if colon >= 0 and '"' not in line[colon:end]:
            key = line[colon:end]
            found = _SIGNATURES.get(key)
            if found is None:
                found = _SIGNATURES.put(key, _signature(key))
            return found
    from hlo_fix.ir.opkey import op_key

    key = op_key(op)
    found = _SIGNATURES.get(key)
    if found is None:
        found = _SIGNATURES.put(key, _signature(op.own_text))
    return found


def _signature(text: str) -> tuple[list[str], list[str]]:
    tokens = tokenize(text, strict=False)
    base = tokens[0].depth if tokens else 0
    colon = None
    end = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.depth != base:
            continue
        if tok.type == "COLON":
            colon = i
        elif tok.type == "BARE_ID" and tok.value == "loc" and colon is not None:
            end = i
            break
    if colon is None:
        return [], []
    # The signature ends where a region was (a newline in own text), and at the first token that follows a type
    # without a `,` or `->`: a region's keyword (`cond`, `do`, `reducer(...)`) is not a type.
    region_at = text.find("\n", tokens[colon].end)
    if region_at >= 0:
        end = min(end, next((i for i in range(colon + 1, end) if tokens[i].start >= region_at), end))
    run = tokens[colon + 1 : _type_list_end(tokens, colon + 1, end)]
    arrow = next((i for i, t in enumerate(run) if t.type == "ARROW" and t.depth == base), None)
    if arrow is None:
        types = split_types(run, text)
        return types, types
    return split_types(run[:arrow], text), split_types(run[arrow + 1 :], text)


def _type_list_end(tokens: list[Token], i: int, end: int) -> int:
    """Index just past the types joined by `,` and `->` that start at tokens[i] (a type is a parenthesized list,
    or a token with an optional `<...>`)."""
    while i < end:
        if tokens[i].type == "LPAR":
            i = matching_close(tokens, i) + 1
        else:
            i += 1
            if i < end and tokens[i].type == "LESSTHAN":
                i = matching_close(tokens, i) + 1
        if i >= end or tokens[i].type not in ("COMMA", "ARROW"):
            return min(i, end)
        i += 1
    return end


def result_type_texts(op: "OpView") -> list[str]:
    _, results = signature(op)
    count = len(op.results)
    if len(results) >= count:
        return results[len(results) - count :]
    return [results[-1]] * count if results else []


def value_type(value: "ValueView") -> TensorType | None:
    if value.type_text is None:
        value.type_text = _type_text(value) or ""
    return parse_type(value.type_text) if value.type_text else None


def _type_text(value: "ValueView") -> str | None:
    owner = value.owner
    if owner is None:
        return None
    if value.index >= 0:
        texts = result_type_texts(owner)
        return texts[value.index] if value.index < len(texts) else None
    return _argument_type_text(value)


def _argument_type_text(value: "ValueView") -> str | None:
    """The type after `%name:` (function and block arguments) or the operand bound by `%name = %init` (while).

    A function's arguments are all read from one pass over its header, on the first one asked: an export's
    `main` can take thousands of arguments on one megabyte-long line."""
    owner = value.owner
    found = _argument_types(owner)
    written = found.get(value.name)
    if isinstance(written, str):
        return written
    if written is not None:  # `%name = %init`: the type of the operand it is bound to
        init = next((v for v in owner.operands if v.name == written[0]), None)
        return init.type_text if init is not None and init.type is not None else None
    return None


def _argument_types(owner: "OpView") -> dict[str, "str | tuple[str]"]:
    """Each argument's first binding in the owner's header and block labels: its type text, or (init name,).
    The other arguments of the owner get their type text filled in on the way."""
    found: dict[str, str | tuple[str]] = {}
    texts = [owner.own_text]
    header = function_header(owner) if len(texts[0]) >= LONG_HEADER else None
    if header is not None:
        for argument in header.arguments:
            found.setdefault(argument.name, argument.type_text)
        texts.pop()
    texts.extend(owner.module.text[a:b] for a, b in _label_spans(owner))
    for text in texts:
        tokens = tokenize(text, strict=False)
        for i, tok in enumerate(tokens[:-1]):
            if tok.type != "VALUE_REF" or tok.value in found:
                continue
            nxt = tokens[i + 1]
            if nxt.type == "COLON":
                span = argument_type_span(tokens, i + 2)
                found[tok.value] = text[span[0] : span[1]] if span is not None else ""
            elif nxt.type == "EQUAL" and i + 2 < len(tokens) and tokens[i + 2].type == "VALUE_REF":
                found[tok.value] = (tokens[i + 2].value,)
    for region in owner.regions:
        for argument in region.arguments:
            written = found.get(argument.name, "")
            if argument.type_text is None and isinstance(written, str):
                argument.type_text = written  # "" (no type) is what `value_type` records for one it cannot read
    return found


def _label_spans(op: "OpView") -> list[tuple[int, int]]:
    """Spans of `^bb(...)` block-label lines in the op's regions (generic regions declare arguments there)."""
    spans = []
    text = op.module.text
    for region in op.regions:
        start = region.ops[0].start if region.ops else None
        if start is None:
            continue
        head = text.rfind("^", 0, start)
        if head > (op.start if not spans else spans[-1][1]):
            spans.append((head, start))  # the label, over however many lines, up to the region's first op
    return spans
