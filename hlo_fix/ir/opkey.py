"""A cache key for what an op's text says apart from its SSA names and location.

Thousands of ops in a large export differ only in those (`%812 = stablehlo.broadcast_in_dim %811, dims = [0, 1] :
(tensor<64x1xi32>) -> tensor<64x8xi32> loc(#loc4410)`), and attributes and types never mention SSA names, so
their decoded form is computed once per key.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from hlo_fix.ir.grammar import terminal_patterns

if TYPE_CHECKING:
    from hlo_fix.ir.views import OpView


@functools.cache
def _value_ref() -> re.Pattern:
    return re.compile(terminal_patterns()["VALUE_REF"])


def op_key(op: "OpView") -> str:
    key = op._key
    if key is None:
        key = op._key = _compute(op)
    return key


def _compute(op: "OpView") -> str:
    text = op.module.text[op.start : op.end] if op._segments is None else op.own_text
    # Drop the results (`%0:2 = `) and a trailing `loc(...)`; blank every value name. The cheap test of each
    # pair goes first: every op of a module gets a key.
    if text[:1] == "%":
        eq = text.find(" = ")
        if eq >= 0:
            head = text[:eq]
            if '"' not in head and "{" not in head:
                text = text[eq + 3 :]
    if text[-1:] == ")":
        cut = text.rfind(" loc(")
        if cut >= 0:
            text = text[:cut]
    return _value_ref().sub("%", text)
