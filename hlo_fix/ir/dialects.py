"""Foreign input: a module written in another dialect family than StableHLO is an error, not a clean pass.

MHLO, TOSA, linalg and the framework dialects parse as generic MLIR, so the reader would accept them and no rule
would fire: "All checks passed!" on a module hlo-fix cannot see into. A module that holds no StableHLO, CHLO or
Shardy op but does hold ops of such a dialect is rejected at its first one, with what to do instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.errors import ParseError

if TYPE_CHECKING:
    from hlo_fix.ir.views import ModuleView

OUR_DIALECTS = frozenset({"stablehlo", "chlo", "sdy", "vhlo"})

_FOREIGN = {
    "mhlo": (
        "MHLO",
        "export StableHLO instead (`jax.jit(f).lower(...).as_text()`, or convert with"
        " `mlir-hlo-opt --hlo-legalize-to-stablehlo`)",
    ),
    "tosa": ("TOSA", "export StableHLO from the framework instead"),
    "linalg": ("linalg", "lint the StableHLO the backend received, before it was lowered"),
    "tf": ("TensorFlow", "convert to StableHLO first (`tf-mlir-translate` / `tf.mlir.experimental`)"),
    "tfl": ("TFLite", "convert to StableHLO first"),
    "torch": ("torch-mlir", "export StableHLO instead (torch_xla or torchax)"),
    "onnx": ("ONNX", "convert to StableHLO first"),
}


def check_dialects(module: ModuleView) -> None:
    """Raise ParseError at the first foreign op of a module that has none of ours."""
    dialects = {name.partition(".")[0] for name in module.ops_by_name if "." in name}
    if dialects & OUR_DIALECTS:
        return
    foreign = [op for name, ops in module.ops_by_name.items() if name.partition(".")[0] in _FOREIGN for op in ops[:1]]
    if not foreign:
        return
    first = min(foreign, key=lambda op: op.start)
    family, advice = _FOREIGN[first.name.partition(".")[0]]
    raise ParseError(
        f"this is a{'n' if family[0] in 'AEIMO' else ''} {family} module ('{first.name}'); hlo-fix reads StableHLO: "
        f"{advice}",
        first.line,
        first.column,
    )
