"""Evaluate a module value by value, the way the simulated devices hold it, with XLA CPU doing every op's math.

Two evaluations share this code: the *reference* (no failure modelled: what a correct partitioner computes, which is
the module as written) and the *localized* one, where the failures in `failures/` replace what some ops compute.
Runs of ops that no failure concerns are compiled together; an op a failure may concern runs on its own, in both
evaluations, so the two see the same executables. Calls, composites and sharding annotations are followed, not
compiled: a private function's ops are evaluated (and compared) like the entry's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from hlo_fix.simulate.errors import SimulateError, UnsupportedOpError
from hlo_fix.simulate.compiled_ops import ops_module_text, run_text, without_locations
from hlo_fix.simulate.values import Held, settle

if TYPE_CHECKING:
    from hlo_fix.ir.model import Module, Op, Value
    from hlo_fix.simulate.mesh import SimMesh
    from hlo_fix.simulate.placement import Placements

_RETURNS = frozenset({"func.return", "stablehlo.return", "return", "sdy.return"})
_CALLS = frozenset({"func.call", "call"})
_IDENTITY_CUSTOM_CALLS = frozenset({"Sharding", "sharding.tensor_annotate", "xla.sdy.FuncResultSharding"})
_IDENTITY_OPS = frozenset({"sdy.sharding_constraint", "sdy.reshard", "stablehlo.optimization_barrier"})
_MANUAL_CALLS = frozenset({"SPMDFullToShardShape", "SPMDShardToFullShape"})
_SEGMENT_LIMIT = 400


@dataclass
class Evaluation:
    """What one evaluation computed: every value's Held, and the ops evaluated, in program order."""

    held: dict[int, Held] = field(default_factory=dict)
    order: list[tuple["Op", list[Held]]] = field(default_factory=list)  # each op as evaluated, with its results
    changed_by: dict[str, set[int]] = field(default_factory=dict)  # failure name -> ids of ops it changed
    results: list[Held] = field(default_factory=list)


class Evaluator:
    def __init__(self, module: "Module", placements: "Placements", mesh: "SimMesh", failures, *, localized: bool,
                 index_float: str):
        self.module = module
        self.placements = placements
        self.mesh = mesh
        self.failures = list(failures)
        self.localized = localized
        self.index_float = index_float
        self.functions = module.functions
        self._extra = "".join(f"  {without_locations(op)}\n" for op in module.ops_named("sdy.mesh"))
        self._concerns: dict[int, Any] = {}

    # -- entry ----------------------------------------------------------------------------------------------
    def run(self, entry: "Op", inputs: list) -> Evaluation:
        evaluation = Evaluation()
        self.evaluation = evaluation
        region = entry.regions[0]
        for argument, array in zip(region.arguments, inputs):
            evaluation.held[id(argument)] = Held(common=array)
        evaluation.results = self._block(region.ops)
        return evaluation

    # -- placement helpers the failures use -------------------------------------------------------------------
    def placement(self, value: "Value"):
        return self.placements.of(value)

    @property
    def devices(self) -> list[dict[str, int]]:
        return self.mesh.devices

    def held(self, value: "Value") -> Held:
        try:
            return self.evaluation.held[id(value)]
        except KeyError:
            message = f"{value.name} is used before it is defined (or defined in an unsupported op)"
            raise SimulateError(message) from None

    def run_ops(self, ops: list["Op"], replace: dict[int, Callable] | None = None) -> list[Held]:
        """Evaluate ops with XLA on what each device reads; `replace` maps an input value's id to a function
        (device number, array) -> array that changes what that device reads (failures use it)."""
        text, inputs, outputs = ops_module_text(ops, self._extra + self._callees(ops))
        helds = [self.held(value) for value in inputs]
        if not replace and all(h.uniform for h in helds):
            arrays = run_text(text, [h.common for h in helds], outputs)
            return [Held(common=a) for a in arrays]
        per_device = []
        for number in range(len(self.devices)):
            arrays = []
            for value, h in zip(inputs, helds):
                array = h.view(number)
                if replace and id(value) in replace:
                    array = replace[id(value)](number, array)
                arrays.append(array)
            per_device.append(run_text(text, arrays, outputs))
        return [
            settle([run[k] for run in per_device], value.type.shape, self.placement(value), self.mesh)
            for k, value in enumerate(outputs)
        ]

    def bind(self, value: "Value", held: Held) -> None:
        self.evaluation.held[id(value)] = held

    def run_block(self, ops: list["Op"]) -> list[Held]:
        return self._block(ops)

    # -- blocks -----------------------------------------------------------------------------------------------
    def _block(self, ops: list["Op"]) -> list[Held]:
        segment: list["Op"] = []
        for op in ops:
            name = op.name
            if name in _RETURNS:
                self._flush(segment)
                return [self.held(value) for value in op.operands]
            if not op.results and not op.regions:
                continue  # computes nothing to compare (a side-effecting check, such as `@check.expect_close`)
            if self._is_special(op):
                self._flush(segment)
                segment = []
                self._special(op)
            elif self._concern(op) is not None:
                self._flush(segment)
                segment = []
                self._single(op)
            else:
                segment.append(op)
                if len(segment) >= _SEGMENT_LIMIT:
                    self._flush(segment)
                    segment = []
        self._flush(segment)
        return []

    def _flush(self, segment: list["Op"]) -> None:
        if not segment:
            return
        results = iter(self.run_ops(segment))
        for op in segment:
            helds = [next(results) for _ in op.results]
            for value, held in zip(op.results, helds):
                self.evaluation.held[id(value)] = held
            self.evaluation.order.append((op, helds))

    def _single(self, op: "Op") -> None:
        failure = self._concern(op)
        normal = self.run_ops([op])
        results = normal
        if self.localized:
            localized = failure.localize(op, self, normal)
            if localized is not None:
                results = localized
                if any(not _same(a, b) for a, b in zip(localized, normal)):
                    self.evaluation.changed_by.setdefault(failure.name, set()).add(id(op))
        for value, held in zip(op.results, results):
            self.evaluation.held[id(value)] = held
        self.evaluation.order.append((op, list(results)))

    def _concern(self, op: "Op"):
        key = id(op)
        if key not in self._concerns:
            self._concerns[key] = next((f for f in self.failures if f.applies(op, self)), None)
        return self._concerns[key]

    # -- calls and annotations ---------------------------------------------------------------------------------
    def _is_special(self, op: "Op") -> bool:
        name = op.name
        if name in _CALLS or name in _IDENTITY_OPS or name in ("stablehlo.composite", "sdy.manual_computation"):
            return True
        if name == "stablehlo.custom_call":
            target = op.attributes.symbol()
            return target in _IDENTITY_CUSTOM_CALLS or target in _MANUAL_CALLS
        return False

    def _special(self, op: "Op") -> None:
        from hlo_fix.simulate import manual

        name = op.name
        target = op.attributes.symbol() if name == "stablehlo.custom_call" else None
        if name == "sdy.manual_computation":
            results = manual.run_manual_computation(op, self)
        elif target == "SPMDFullToShardShape":
            results = manual.full_to_shard(op, self)
        elif target == "SPMDShardToFullShape":
            results = manual.shard_to_full(op, self)
        elif name in _CALLS or name == "stablehlo.composite":
            callee = self._callee(op)
            region = callee.regions[0]
            for argument, operand in zip(region.arguments, op.operands):
                self.evaluation.held[id(argument)] = self.held(operand)
            results = self._block(region.ops)
        else:  # a sharding annotation or an optimization barrier: each result is its operand
            results = [self.held(value) for value in op.operands]
        for value, held in zip(op.results, results):
            self.evaluation.held[id(value)] = held

    def _callee(self, op: "Op") -> "Op":
        symbol = op.attributes.symbol()
        if op.name == "stablehlo.composite":
            symbol = (op.attributes.get("decomposition") or "").strip().lstrip("@").strip('"')
        callee = self.functions.get(symbol or "")
        if callee is None or not callee.regions:
            raise UnsupportedOpError(
                f"{op.name} calls @{symbol}, which the module does not define", op.line, op.column, op.module.filename
            )
        return callee

    def _callees(self, ops: list["Op"]) -> str:
        """The private functions that ops with regions (a while loop's body) call, to compile along with them."""
        if not any(op.regions for op in ops):
            return ""
        if not any("call" in op.text for op in ops if op.regions):
            return ""
        entry_names = {"main"}
        return "".join(
            f"  {without_locations(function)}\n" for name, function in self.functions.items() if name not in entry_names
        )


def _same(a: Held, b: Held) -> bool:
    if a.uniform and b.uniform:
        return _equal(a.common, b.common)
    count = len(a.per_device or b.per_device)
    return all(_equal(a.view(d), b.view(d)) for d in range(count))


def _equal(x, y) -> bool:
    import numpy as np

    from hlo_fix.verify.dtypes import as_bits

    return x.shape == y.shape and bool(np.array_equal(as_bits(x), as_bits(y)))
