"""Compile StableHLO text with jaxlib's XLA CPU client and run it on host (numpy) arrays.

Why no subprocess for SPMD: the CPU client jax builds on first use has as many devices as
`--xla_force_host_platform_device_count` (or `jax_num_cpu_devices`) said at that moment, usually one,
and cannot grow later. Rather than a worker process started with XLA_FLAGS (a second jax import, temp
files, results shipped back as .npz), we ask jaxlib for a second CPU client with exactly N devices:
`xla_client.make_cpu_client(num_devices=N)`, the factory jax's own CPU backend is built with. That works
whether or not jax is already initialised, leaves the process's jax configuration alone, and runs
collectives between its devices in process. When jax's own CPU backend (`get_backend("cpu")`) already
has enough devices, because the user set XLA_FLAGS, it is used instead.

The compile options mirror `jax._src.compiler.get_compile_options`: one replica, `num_partitions` = N,
`use_spmd_partitioning` on, `use_shardy_partitioner` on for Shardy modules (ones with an `sdy.mesh`),
and a device assignment over the first N devices in id order, the order the module's mesh refers to.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any, Sequence

from hlo_fix.verify.errors import ModuleCompileError, RunTimeoutError, first_line
from hlo_fix.verify.module import TensorSpec


@dataclass(frozen=True)
class CompiledModule:
    executable: Any
    devices: tuple[Any, ...]
    label: str


def cpu_client(devices: int) -> Any:
    """jax's CPU backend when it has `devices` devices, else a private CPU client with exactly that many."""
    from jax.extend.backend import get_backend

    try:
        backend = get_backend("cpu")
    except RuntimeError:  # jax_platforms excludes cpu
        return _private_cpu_client(devices)
    if len(backend.devices()) >= devices:
        return backend
    return _private_cpu_client(devices)


@functools.lru_cache(maxsize=None)
def _private_cpu_client(devices: int) -> Any:
    from jax._src.lib import xla_client

    return xla_client.make_cpu_client(num_devices=devices)


def compile_module(text: str, *, partitions: int, shardy: bool, label: str) -> CompiledModule:
    import numpy as np
    from jax._src.lib import xla_client

    client = cpu_client(partitions)
    devices = tuple(client.devices()[:partitions])
    options = xla_client.CompileOptions()
    options.num_replicas = 1
    options.num_partitions = partitions
    build_options = options.executable_build_options
    build_options.use_spmd_partitioning = True
    build_options.use_shardy_partitioner = shardy
    options.device_assignment = xla_client.DeviceAssignment.create(np.array([[d.id for d in devices]]))
    try:
        executable = client.compile_and_load(text, xla_client.DeviceList(devices), options)
    except Exception as error:  # jaxlib raises JaxRuntimeError, or ValueError for bad options
        where = f" for {partitions} partitions" if partitions > 1 else ""
        raise ModuleCompileError(f"XLA cannot compile the {label} module{where}: {first_line(error)}") from None
    return CompiledModule(executable, devices, label)


def run_module(
    compiled: CompiledModule, inputs: Sequence[Any], results: Sequence[TensorSpec], *, timeout: float | None = None
) -> list[Any]:
    """Run on global inputs, each placed with the sharding XLA chose for its parameter; return global outputs.

    With `timeout` (seconds) the run happens on a daemon thread and a `RunTimeoutError` is raised when it has not
    finished by then. XLA cannot be interrupted, so such a run goes on in the background until the process ends
    (the CLI ends it at once); a loop that never ends is what this is for.
    """
    if timeout is None:
        return _run(compiled, inputs, results)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["outputs"] = _run(compiled, inputs, results)
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    worker = threading.Thread(target=run, name=f"hlo-fix verify {compiled.label}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        where = f" over {len(compiled.devices)} devices" if len(compiled.devices) > 1 else " on 1 device"
        raise RunTimeoutError(
            f"the {compiled.label} module did not finish within {timeout:g} s{where}: a `while` loop that never "
            "ends? (`--timeout SECONDS` sets the limit)"
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["outputs"]


def _run(compiled: CompiledModule, inputs: Sequence[Any], results: Sequence[TensorSpec]) -> list[Any]:
    import jax
    import numpy as np

    executable = compiled.executable
    # 64-bit inputs (f64/i64/ui64 arguments, and the scalars of modules with 64-bit constants) must reach XLA as
    # 64-bit buffers whatever the process's jax_enable_x64 says: x64 is on for this run only (a thread-local
    # setting), and 32-bit arrays stay 32-bit under it.
    with jax.enable_x64(True):
        try:
            placements = _shardings(compiled, executable.get_parameter_shardings(), len(inputs))
            arguments = [jax.device_put(array, placement) for array, placement in zip(inputs, placements)]
            pieces = executable.execute_sharded(arguments).disassemble_into_single_device_arrays()
            placements = _shardings(compiled, executable.get_output_shardings(), len(pieces))
            return [
                np.asarray(_assemble(spec, per_device, placement))
                for spec, per_device, placement in zip(results, pieces, placements)
            ]
        except MemoryError:
            raise ModuleCompileError(f"out of memory running the {compiled.label} module") from None
        except Exception as error:  # JaxRuntimeError from XLA; ValueError from jax for e.g. uneven shardings
            where = f" over {len(compiled.devices)} devices" if len(compiled.devices) > 1 else ""
            raise ModuleCompileError(f"cannot run the {compiled.label} module{where}: {first_line(error)}") from None


def _assemble(spec: TensorSpec, per_device: Sequence[Any], placement: Any) -> Any:
    """One global array from the per-device pieces of an output (gathered by jax when turned into numpy)."""
    import jax

    if len(per_device) == 1:
        return per_device[0]
    return jax.make_array_from_single_device_arrays(spec.shape, placement, per_device)


def _shardings(compiled: CompiledModule, op_shardings: Sequence[Any] | None, count: int) -> list[Any]:
    """jax shardings over the executable's devices for XLA's per-parameter/per-result OpShardings."""
    from jax._src.sharding_impls import GSPMDSharding

    if len(compiled.devices) == 1:
        return [compiled.devices[0]] * count
    if op_shardings is None:
        return [GSPMDSharding.get_replicated(compiled.devices)] * count
    return [GSPMDSharding(compiled.devices, op_sharding) for op_sharding in op_shardings]
