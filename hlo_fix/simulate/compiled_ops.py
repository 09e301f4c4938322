"""Consecutive ops of a module as a module of their own, compiled once with XLA CPU and run on host arrays.

The simulator evaluates a module piece by piece (each device needs its own view of some values), so runs of ops are
cut out of the module's text: the values they use from outside become the function's arguments, every result they
define is returned (so that each op's value can be compared), and `loc(...)` (which may name `#loc` aliases the
new module lacks) is dropped. The module's `sdy.mesh` declarations are kept, so that `sdy.sharding` attributes
still name a mesh. Executables are cached by text: the reference and the localized evaluation share them.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Sequence

from hlo_fix.ir.tokens import matching_close, tokenize
from hlo_fix.simulate.errors import SimulateError

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op

_INPUT = "%hlo_fix_in"


def ops_module_text(ops: Sequence["Op"], extra: str = "") -> tuple[str, list, list]:
    """`func.func @main(inputs) -> results { ops; return }` for consecutive ops of one block (regions included).

    Returns the text, the values that become its arguments (used by the ops, defined outside them) and the values
    it returns (every result of every op). `extra` is module-level text to keep (the `sdy.mesh` declarations, the
    private functions the ops call)."""
    defined = {id(result) for op in ops for result in op.results}
    inputs: dict[str, str] = {}
    input_values = []
    for op in ops:
        for value in op.operands:
            if id(value) not in defined and value.name not in inputs:
                inputs[value.name] = f"{_INPUT}{len(inputs)}"
                input_values.append(value)
    lines = [_renamed(op, inputs) for op in ops]
    outputs = [result for op in ops for result in op.results]
    arguments = ", ".join(f"{inputs[value.name]}: {_type_text(value)}" for value in input_values)
    types = [_type_text(value) for value in outputs]
    returned = f"return {', '.join(v.name for v in outputs)} : {', '.join(types)}" if outputs else "return"
    body = "\n    ".join(lines)
    text = (
        f"module @hlo_fix_simulate {{\n{extra}"
        f"  func.func public @main({arguments}) -> ({', '.join(types)}) {{\n"
        f"    {body}\n    {returned}\n  }}\n}}\n"
    )
    return text, input_values, outputs


def _renamed(op: "Op", inputs: dict[str, str]) -> str:
    """The op's text with outside values renamed to the function's arguments and every `loc(...)` dropped."""
    text = op.text
    tokens = tokenize(text, strict=False)
    pieces: list[str] = []
    cursor = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "BARE_ID" and token.value == "loc" and i + 1 < len(tokens) and tokens[i + 1].type == "LPAR":
            close = matching_close(tokens, i + 1)
            pieces.append(text[cursor : token.start])
            cursor = tokens[close].end
            i = close + 1
            continue
        if token.type == "VALUE_REF" and token.value in inputs:
            pieces.append(text[cursor : token.start])
            pieces.append(inputs[token.value])
            cursor = token.end
        i += 1
    pieces.append(text[cursor:])
    return "".join(pieces).strip()


def without_locations(op: "Op") -> str:
    return _renamed(op, {})


def _type_text(value) -> str:
    found = value.type
    if found is None or not found.is_static:
        raise SimulateError(f"{value.name} has type {value.type_text or 'unknown'}: only static tensors are simulated")
    return str(found)


@functools.lru_cache(maxsize=1024)
def _compiled(text: str):
    from hlo_fix.verify.xla_cpu import compile_module

    return compile_module(text, partitions=1, shardy=True, label="simulated")


def run_text(text: str, arrays: Sequence[Any], outputs: Sequence[Any]) -> list[Any]:
    """Run a module from `ops_module_text` on 1 XLA CPU device; `outputs` are the values it returns."""
    from hlo_fix.verify.errors import ModuleCompileError
    from hlo_fix.verify.module import TensorSpec

    from hlo_fix.verify.xla_cpu import run_module

    specs = [TensorSpec(tuple(v.type.shape), v.type.element_type) for v in outputs]
    try:
        return run_module(_compiled(text), list(arrays), specs)
    except ModuleCompileError as error:
        raise SimulateError(str(error)) from None
