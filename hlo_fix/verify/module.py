"""Read a module's entry signature and partitioning facts with jaxlib's own MLIR bindings.

Parsing with the same MLIR build that XLA uses means that what we read (types, attributes) is exactly what
gets compiled; a module this parser rejects would be rejected by `compile_and_load` as well, so its
diagnostic becomes a `ModuleParseError` with a line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from hlo_fix.verify.dtypes import SUPPORTED_ELEMENT_TYPES
from hlo_fix.verify.errors import ModuleParseError, UnsupportedSignatureError

_DIAGNOSTIC_LOCATION = re.compile(r':(\d+):(\d+)\)?$')
_ENTRY_ALIAS = "main"


@dataclass(frozen=True)
class TensorSpec:
    """One argument or result: static shape and MLIR element type name (`f32`, `bf16`, `i1`, `ui32`, ...)."""

    shape: tuple[int, ...]
    element_type: str

    @property
    def size(self) -> int:
        count = 1
        for dim in self.shape:
            count *= dim
        return count

    def __str__(self) -> str:
        dims = "".join(f"{dim}x" for dim in self.shape)
        return f"tensor<{dims}{self.element_type}>"


@dataclass(frozen=True)
class Signature:
    arguments: tuple[TensorSpec, ...]
    results: tuple[TensorSpec, ...]


class ParsedModule:
    """A parsed module plus what verification needs to know about it; keeps its MLIR context alive."""

    def __init__(self, text: str, *, label: str, entry: str = _ENTRY_ALIAS):
        from jax._src.interpreters import mlir
        from jax._src.lib.mlir import ir

        self.label = label
        self.context = mlir.make_ir_context()
        try:
            self.module = ir.Module.parse(text, context=self.context)
        except ir.MLIRError as error:
            raise _parse_error(error, label) from None
        self.entry = _find_function(self.module, entry)
        if self.entry is None:
            raise ModuleParseError(f"the {label} module has no function @{entry}", path=label)
        self.signature = _read_signature(self.entry, label)
        self.text_for_xla = text if entry == _ENTRY_ALIAS else _renamed_to_main(self.module, self.entry)

    @property
    def num_partitions(self) -> int | None:
        """The `mhlo.num_partitions` the module was exported for, or None when it does not say."""
        from jax._src.lib.mlir import ir

        attributes = self.module.operation.attributes
        if "mhlo.num_partitions" not in attributes:
            return None
        return ir.IntegerAttr(attributes["mhlo.num_partitions"]).value

    @property
    def partitioner(self) -> str | None:
        """`shardy` when the module declares an `sdy.mesh`, `gspmd` when it carries `mhlo.sharding`, else None."""
        if any(op.operation.name == "sdy.mesh" for op in self.module.body.operations):
            return "shardy"
        if any(_has_gspmd_sharding(op) for op in walk_operations(self.module.operation)):
            return "gspmd"
        return None

    def meshes(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """Every `sdy.mesh` by symbol name: its (axis, size) pairs (none for a maximal mesh)."""
        from jax._src.lib.mlir import ir
        from jax._src.lib.mlir.dialects import sdy

        found = {}
        for op in self.module.body.operations:
            if op.operation.name == "sdy.mesh":
                axes = [sdy.MeshAxisAttr(axis) for axis in sdy.MeshAttr(op.attributes["mesh"]).axes]
                name = ir.StringAttr(op.attributes["sym_name"]).value
                found[name] = tuple((axis.name, axis.size) for axis in axes)
        return found

    def gspmd_tilings(self) -> dict[int, str]:
        """Device count -> one `mhlo.sharding` that tiles over that many devices (replicated and maximal ones
        name no count), read by XLA's own sharding parser."""
        from jax._src.lib import xla_client
        from jax._src.lib.mlir import ir

        found: dict[int, str] = {}

        def note(attribute: Any) -> None:
            text = ir.StringAttr(attribute).value
            try:
                sharding = xla_client.HloSharding.from_string(text)
            except Exception:  # a string XLA cannot read fails the compile with its own message
                return
            for piece in sharding.tuple_elements() or [sharding]:
                if piece.is_tiled():
                    found.setdefault(piece.num_devices(), text)

        for op in walk_operations(self.module.operation):
            attributes = op.attributes
            if "mhlo.sharding" in attributes:
                note(attributes["mhlo.sharding"])
            for name in ("arg_attrs", "res_attrs"):
                if name in attributes:
                    for entry in ir.ArrayAttr(attributes[name]):
                        entry = ir.DictAttr(entry)
                        if "mhlo.sharding" in entry:
                            note(entry["mhlo.sharding"])
        return found

    def functions(self) -> dict[str, Any]:
        """Every `func.func` of the module by symbol name, for following calls."""
        from jax._src.lib.mlir import ir

        return {
            ir.StringAttr(op.attributes["sym_name"]).value: op
            for op in self.module.body.operations
            if op.operation.name == "func.func"
        }


def walk_operations(root: Any) -> Iterator[Any]:
    """Every operation nested under `root` (regions of regions included), in program order."""
    for region in root.regions:
        for block in region.blocks:
            for op in block.operations:
                yield op.operation
                yield from walk_operations(op.operation)


def _has_gspmd_sharding(op: Any) -> bool:
    from jax._src.lib.mlir import ir

    attributes = op.attributes
    if "mhlo.sharding" in attributes:
        return True
    for name in ("arg_attrs", "res_attrs"):
        if name in attributes and any(
            "mhlo.sharding" in ir.DictAttr(entry) for entry in ir.ArrayAttr(attributes[name])
        ):
            return True
    return False


def _find_function(module: Any, name: str) -> Any | None:
    from jax._src.lib.mlir import ir

    for op in module.body.operations:
        if op.operation.name == "func.func" and ir.StringAttr(op.attributes["sym_name"]).value == name:
            return op
    return None


def _read_signature(function: Any, label: str) -> Signature:
    from jax._src.lib.mlir import ir

    function_type = ir.FunctionType(ir.TypeAttr(function.attributes["function_type"]).value)
    arguments = tuple(_tensor_spec(t, f"argument {i}", label) for i, t in enumerate(function_type.inputs))
    results = tuple(_tensor_spec(t, f"result {i}", label) for i, t in enumerate(function_type.results))
    return Signature(arguments, results)


def _tensor_spec(mlir_type: Any, what: str, label: str) -> TensorSpec:
    from jax._src.lib.mlir import ir

    if not isinstance(mlir_type, ir.RankedTensorType):
        raise UnsupportedSignatureError(f"{what} of the {label} module has type {mlir_type}, not a ranked tensor")
    tensor = mlir_type
    if not tensor.has_static_shape:
        raise UnsupportedSignatureError(f"{what} of the {label} module has a dynamic shape: {mlir_type}")
    element_type = str(tensor.element_type)
    if element_type not in SUPPORTED_ELEMENT_TYPES:
        raise UnsupportedSignatureError(f"{what} of the {label} module has unsupported element type {element_type}")
    return TensorSpec(tuple(tensor.shape), element_type)


def _renamed_to_main(module: Any, entry: Any) -> str:
    """Module text whose entry is called `main`, the function XLA compiles; any other `main` is moved aside."""
    from jax._src.lib.mlir import ir

    symbols = ir.SymbolTable(module.operation)
    entry_name = ir.StringAttr(entry.attributes["sym_name"]).value
    if _ENTRY_ALIAS in symbols:
        symbols.replace_all_symbol_uses(_ENTRY_ALIAS, "main_before_hlo_fix_verify", module.operation)
        ir.SymbolTable.set_symbol_name(symbols[_ENTRY_ALIAS], "main_before_hlo_fix_verify")
    symbols.replace_all_symbol_uses(entry_name, _ENTRY_ALIAS, module.operation)
    ir.SymbolTable.set_symbol_name(entry, _ENTRY_ALIAS)
    return str(module)


def _parse_error(error: Any, label: str) -> ModuleParseError:
    diagnostics = list(error.error_diagnostics)
    if not diagnostics:
        lines = [line for line in str(error).splitlines() if line.strip()]
        return ModuleParseError(f"jaxlib cannot parse the {label} module: {lines[-1] if lines else error}", path=label)
    first = diagnostics[0]
    match = _DIAGNOSTIC_LOCATION.search(str(first.location))
    line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
    message = str(first.message).splitlines()[0]
    return ModuleParseError(message, line=line, column=column, path=label)
