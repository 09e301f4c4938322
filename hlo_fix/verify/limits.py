"""What verify refuses before it allocates or compiles: tensors too large to run on this machine's CPU, and device
counts it cannot partition over. Each refusal is a one-line `VerifyError`, never a MemoryError or an XLA abort."""

from __future__ import annotations

from typing import Any

from hlo_fix.verify.dtypes import element_bytes
from hlo_fix.verify.errors import PartitionCountError, VerifyError
from hlo_fix.verify.module import ParsedModule, TensorSpec, walk_operations

MAX_TENSOR_BYTES = 1 << 30
"""One tensor: an argument, a result, or any op's result (each module holds its values in host memory)."""
MAX_SIGNATURE_BYTES = 4 << 30
"""All arguments and results together: both modules' runs hold them at once, per device count."""
MAX_SPMD_DEVICES = 256
"""CPU devices verify simulates in one process (each is a thread pool and its buffers)."""


def check_spmd(spmd: int | None) -> None:
    if spmd is not None and spmd > MAX_SPMD_DEVICES:
        raise VerifyError(
            f"--spmd {spmd} is more CPU devices than verify simulates (at most {MAX_SPMD_DEVICES}); "
            "use the module's own partition count"
        )


def check_sizes(parsed: ParsedModule) -> None:
    """Refuse a module with a tensor over MAX_TENSOR_BYTES anywhere, or a signature over MAX_SIGNATURE_BYTES."""
    signature = parsed.signature
    total = 0
    for kind, specs in (("argument", signature.arguments), ("result", signature.results)):
        for number, spec in enumerate(specs):
            size = _spec_bytes(spec)
            _refuse_over(size, MAX_TENSOR_BYTES, f"{kind} {number} of the {parsed.label} module is {spec}")
            total += size
    _refuse_over(total, MAX_SIGNATURE_BYTES, f"the arguments and results of the {parsed.label} module", "together")
    for op in walk_operations(parsed.module.operation):
        for result in op.results:
            size = _type_bytes(result.type)
            if size is not None:
                _refuse_over(size, MAX_TENSOR_BYTES, f"{op.name} in the {parsed.label} module makes {result.type}")


def check_mesh(parsed: ParsedModule, spmd: int | None) -> None:
    """`--spmd N` must be the device count of every Shardy mesh the module partitions over, and of every tiled
    GSPMD sharding it carries."""
    if spmd is None or spmd <= 1:
        return
    for devices, sharding in parsed.gspmd_tilings().items():
        if devices != spmd:
            raise PartitionCountError(
                f"--spmd {spmd} cannot partition the {parsed.label} module: its sharding {sharding} tiles over "
                f"{devices} devices; use --spmd {devices}"
            )
    for name, axes in parsed.meshes().items():
        devices = 1
        for _, size in axes:
            devices *= size
        if axes and devices != spmd:
            shape = ", ".join(f"{axis}={size}" for axis, size in axes)
            raise PartitionCountError(
                f"--spmd {spmd} cannot partition the {parsed.label} module: its mesh @{name} has {devices} "
                f"devices ({shape}); use --spmd {devices}"
            )


def _spec_bytes(spec: TensorSpec) -> int:
    return spec.size * (element_bytes(spec.element_type) or 1)


def _type_bytes(mlir_type: Any) -> int | None:
    from jax._src.lib.mlir import ir

    if not isinstance(mlir_type, ir.RankedTensorType) or not mlir_type.has_static_shape:
        return None
    width = element_bytes(str(mlir_type.element_type))
    if width is None:
        return None
    count = 1
    for dim in mlir_type.shape:
        count *= dim
    return count * width


def _refuse_over(size: int, limit: int, what: str, how: str = "") -> None:
    if size > limit:
        raise VerifyError(
            f"{what}, {_human(size)}{' ' + how if how else ''}: more than verify runs on this machine's CPU "
            f"(at most {_human(limit)})"
        )


def _human(size: int) -> str:
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"
