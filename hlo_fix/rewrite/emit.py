"""Prints the few StableHLO ops the rewrites build, in the pretty form JAX prints, one op per line.

Each method takes typed values and returns the new typed value, so a rewrite reads like the computation it
builds. The last op a rewrite emits usually takes over the result name of the op it replaces (`finish`), so
the replaced op's users need no change. Every new op carries the replaced op's location, so findings and
debuggers still point at the Python line that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hlo_fix.ir.types import TensorType
from hlo_fix.rewrite.names import NameAllocator


@dataclass(frozen=True)
class Typed:
    """An SSA value name with its tensor type."""

    name: str
    type: TensorType

    @property
    def shape(self) -> tuple[int, ...]:
        return self.type.shape

    @property
    def element_type(self) -> str:
        return self.type.element_type


def tensor(shape, element_type: str) -> TensorType:
    return TensorType(tuple(shape), element_type)


def _ints(values) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def comparison_type(element_type: str) -> str:
    if element_type in ("f16", "bf16", "f32", "f64") or element_type.startswith("f8"):
        return "FLOAT"
    if element_type.startswith("ui") or element_type == "i1":
        return "UNSIGNED"
    return "SIGNED"


class Emitter:
    """Collects new op lines; `finish(name)` renames the last result to `name` and returns all lines."""

    def __init__(self, names: NameAllocator, location: str | None = None):
        self.names = names
        self.location = location
        self._ops: list[tuple[str, str]] = []  # (result name, text after `name = `)

    def _op(self, body: str, result_type: TensorType) -> Typed:
        name = self.names.fresh()
        self._ops.append((name, body))
        return Typed(name, result_type)

    def finish(self, final_name: str | None = None) -> list[str]:
        """The emitted lines; the last op defines `final_name` instead of its fresh name when given."""
        suffix = f" {self.location}" if self.location else ""
        if final_name is not None and self._ops:
            self.names.give_back(self._ops[-1][0])
        lines = []
        for i, (name, body) in enumerate(self._ops):
            if final_name is not None and i == len(self._ops) - 1:
                name = final_name
            lines.append(f"{name} = {body}{suffix}")
        return lines

    # -- ops --------------------------------------------------------------------------------------------
    def constant(self, literal: str, element_type: str) -> Typed:
        """A scalar constant: `dense<literal> : tensor<element_type>`."""
        result = tensor((), element_type)
        return self._op(f"stablehlo.constant dense<{literal}> : {result}", result)

    def iota(self, shape, dimension: int, element_type: str) -> Typed:
        result = tensor(shape, element_type)
        return self._op(f"stablehlo.iota dim = {dimension} : {result}", result)

    def broadcast_in_dim(self, value: Typed, shape, dims) -> Typed:
        result = tensor(shape, value.element_type)
        return self._op(
            f"stablehlo.broadcast_in_dim {value.name}, dims = {_ints(dims)} : ({value.type}) -> {result}", result
        )

    def reshape(self, value: Typed, shape) -> Typed:
        result = tensor(shape, value.element_type)
        return self._op(f"stablehlo.reshape {value.name} : ({value.type}) -> {result}", result)

    def transpose(self, value: Typed, permutation) -> Typed:
        result = tensor([value.shape[p] for p in permutation], value.element_type)
        return self._op(
            f"stablehlo.transpose {value.name}, dims = {_ints(permutation)} : ({value.type}) -> {result}", result
        )

    def slice(self, value: Typed, starts, limits) -> Typed:
        """`stablehlo.slice %x [0:64, 2:3]` (unit strides)."""
        result = tensor([hi - lo for lo, hi in zip(starts, limits)], value.element_type)
        ranges = ", ".join(f"{lo}:{hi}" for lo, hi in zip(starts, limits))
        return self._op(f"stablehlo.slice {value.name} [{ranges}] : ({value.type}) -> {result}", result)

    def convert(self, value: Typed, element_type: str) -> Typed:
        result = value.type.with_element_type(element_type)
        return self._op(f"stablehlo.convert {value.name} : ({value.type}) -> {result}", result)

    def bitcast_convert(self, value: Typed, element_type: str) -> Typed:
        result = value.type.with_element_type(element_type)
        return self._op(f"stablehlo.bitcast_convert {value.name} : ({value.type}) -> {result}", result)

    def clamp(self, low: Typed, value: Typed, high: Typed) -> Typed:
        return self._op(
            f"stablehlo.clamp {low.name}, {value.name}, {high.name} : "
            f"({low.type}, {value.type}, {high.type}) -> {value.type}",
            value.type,
        )

    def compare(self, direction: str, lhs: Typed, rhs: Typed) -> Typed:
        result = lhs.type.with_element_type("i1")
        kind = comparison_type(lhs.element_type)
        return self._op(
            f"stablehlo.compare {direction}, {lhs.name}, {rhs.name}, {kind} : ({lhs.type}, {rhs.type}) -> {result}",
            result,
        )

    def select(self, predicate: Typed, on_true: Typed, on_false: Typed) -> Typed:
        return self._op(
            f"stablehlo.select {predicate.name}, {on_true.name}, {on_false.name} : "
            f"{predicate.type}, {on_true.type}",
            on_true.type,
        )

    def add(self, lhs: Typed, rhs: Typed) -> Typed:
        return self.binary("add", lhs, rhs)

    def binary(self, name: str, lhs: Typed, rhs: Typed) -> Typed:
        """An elementwise op of two same-typed values: `add`, `maximum`, `minimum`."""
        return self._op(f"stablehlo.{name} {lhs.name}, {rhs.name} : {lhs.type}", lhs.type)

    def reduce(self, value: Typed, init: Typed, reducer: str, dims) -> Typed:
        """The compact one-line form: `stablehlo.reduce(%x init: %c) applies stablehlo.add across ...`."""
        kept = [n for d, n in enumerate(value.shape) if d not in set(dims)]
        result = tensor(kept, value.element_type)
        return self._op(
            f"stablehlo.reduce({value.name} init: {init.name}) applies stablehlo.{reducer} across dimensions = "
            f"{_ints(dims)} : ({value.type}, {init.type}) -> {result}",
            result,
        )

    def dot_general(
        self, lhs: Typed, rhs: Typed, *, lhs_batch, rhs_batch, lhs_contract, rhs_contract, element_type: str
    ) -> Typed:
        """`precision = [HIGHEST, HIGHEST]`: a one-hot contraction must not round its operands (TF32, bf16 passes)."""
        lhs_free = [n for d, n in enumerate(lhs.shape) if d not in set(lhs_batch) | set(lhs_contract)]
        rhs_free = [n for d, n in enumerate(rhs.shape) if d not in set(rhs_batch) | set(rhs_contract)]
        result = tensor([lhs.shape[d] for d in lhs_batch] + lhs_free + rhs_free, element_type)
        clauses = []
        if lhs_batch:
            clauses.append(f"batching_dims = {_ints(lhs_batch)} x {_ints(rhs_batch)}")
        clauses.append(f"contracting_dims = {_ints(lhs_contract)} x {_ints(rhs_contract)}")
        clauses.append("precision = [HIGHEST, HIGHEST]")
        return self._op(
            f"stablehlo.dot_general {lhs.name}, {rhs.name}, {', '.join(clauses)} : ({lhs.type}, {rhs.type}) -> {result}",
            result,
        )
