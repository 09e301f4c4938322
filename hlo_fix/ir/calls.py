"""The call graph of a module: the call sites of each function, the callee of each call, and what a function
argument is bound to when the function has one call site. Built once per module and kept on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.ir.attributes import symbol_name

if TYPE_CHECKING:
    from hlo_fix.ir.model import Module, Op, Value

# A composite runs its `decomposition = @f` like a call.
CALL_OPS = frozenset({"call", "func.call", "stablehlo.composite"})
RETURN_OPS = frozenset({"return", "func.return", "stablehlo.return", "sdy.return"})


class CallGraph:
    """Call sites of each private function, and the function each `return` belongs to."""

    def __init__(self, module: "Module"):
        self.functions = {symbol_name(f): f for f in module.ops_named("func.func")}
        self.sites: dict[str, list[Op]] = {}
        for call in module.ops_named(*CALL_OPS):
            self.sites.setdefault(call.attributes.symbol() or "", []).append(call)

    def callee(self, call: "Op") -> "Op | None":
        return self.functions.get(call.attributes.symbol() or "")


def call_graph(module: "Module") -> CallGraph:
    """The module's call graph, built once."""
    graph = getattr(module, "_call_graph", None)
    if graph is None:
        graph = module._call_graph = CallGraph(module)
    return graph


def call_argument(argument: "Value") -> "Value | None":
    """The value passed for a function argument when the function has exactly one call site."""
    owner = argument.owner
    if owner is None or owner.name != "func.func" or not owner.regions:
        return None
    region = owner.regions[0]
    if argument not in region.arguments:
        return None
    position = region.arguments.index(argument)
    sites = call_graph(owner.module).sites.get(owner.attributes.symbol() or "", [])
    if len(sites) != 1 or position >= len(sites[0].operands):
        return None
    return sites[0].operands[position]
