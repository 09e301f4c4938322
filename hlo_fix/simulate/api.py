"""simulate_text: run a module as written (reference) and as each device of a shape-shrinking backend runs it
(localized, `failures/`), on the same random inputs, and report the difference per output and per device.

jax and numpy are imported inside the functions: importing hlo_fix.simulate costs nothing on the lint path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from hlo_fix.simulate.errors import SimulateError
from hlo_fix.simulate.report import Divergence, OutputResult, ShardResult, SimulationReport

DEFAULT_SEEDS = 2
DEFAULT_INDEX_FLOAT = "bf16"


def simulate_file(path: str | Path, **options) -> SimulationReport:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SimulateError(f"cannot read {path}: {error}") from None
    return simulate_text(text, path=str(path), **options)


def simulate_text(
    text: str,
    *,
    path: str = "<input>",
    shards: Sequence[tuple[str, int]] = (),
    seeds: int = DEFAULT_SEEDS,
    index_float: str = DEFAULT_INDEX_FLOAT,
    entry: str = "main",
    failures=None,
) -> SimulationReport:
    """Simulate `text`; `shards` ((axis, size), ...) picks the mesh axes (default: those that split a value)."""
    from hlo_fix.ir.dialects import check_dialects
    from hlo_fix.ir.scanner import read_module
    from hlo_fix.simulate.compare import ShardTally, device_piece, first_divergence, index_only_values
    from hlo_fix.simulate.evaluator import Evaluator
    from hlo_fix.simulate.failures import ALL
    from hlo_fix.simulate.failures.index_float import INDEX_FLOATS
    from hlo_fix.verify.index_bounds import infer_index_bounds
    from hlo_fix.verify.inputs import make_inputs
    from hlo_fix.verify.limits import check_sizes
    from hlo_fix.verify.module import ParsedModule

    if index_float not in INDEX_FLOATS:
        raise SimulateError(f"--index-float {index_float}: expected one of {', '.join(INDEX_FLOATS)}")
    if seeds < 1:
        raise SimulateError(f"--seeds must be at least 1, got {seeds}")
    parsed = ParsedModule(text, label=path, entry=entry)
    check_sizes(parsed)
    module = read_module(text, path)
    check_dialects(module)
    entry_op = module.functions.get(entry)
    if entry_op is None or not entry_op.regions:
        raise SimulateError(f"{path}: the module has no function @{entry}")
    placements, mesh, notes = _mesh(module, shards)
    failures = ALL if failures is None else tuple(failures)
    bounds = infer_index_bounds(parsed)
    signature = parsed.signature
    returned = entry_op.regions[0].ops[-1].operands
    tallies = [[ShardTally([], []) for _ in mesh.devices] for _ in returned]
    divergence_op = None
    changed: dict[str, set] = {}
    index_only = index_only_values(module)
    for seed in range(seeds):
        inputs = widen_tables(make_inputs(signature, seed, index_bounds=bounds), entry_op, seed)
        reference = Evaluator(module, placements, mesh, failures, localized=False, index_float=index_float)
        localized = Evaluator(module, placements, mesh, failures, localized=True, index_float=index_float)
        want = reference.run(entry_op, inputs)
        got = localized.run(entry_op, inputs)
        for name, ops in got.changed_by.items():
            changed.setdefault(name, set()).update(ops)
        for number, (value, a, b) in enumerate(zip(returned, want.results, got.results)):
            placement = placements.of(value)
            for device in range(len(mesh.devices)):
                tallies[number][device].add(
                    device_piece(a, value.type.shape, placement, mesh, device),
                    device_piece(b, value.type.shape, placement, mesh, device),
                )
        found = first_divergence(want, got, placements, mesh, index_only)
        if found is not None and (divergence_op is None or found.start < divergence_op.start):
            divergence_op = found
    outputs = tuple(
        OutputResult(number, tuple(ShardResult(device, *tally.numbers()) for device, tally in zip(mesh.devices, row)))
        for number, row in enumerate(tallies)
    )
    return SimulationReport(
        module=path,
        mesh=dict(mesh.axes),
        outputs=outputs,
        first_divergence=_divergence(divergence_op),
        modelled=tuple(f.name for f in failures if changed.get(f.name)),
        index_float=index_float,
        seeds=seeds,
        notes=tuple(notes),
    )


TABLE_RANGE = (0, 1 << 16)
"""Integer arguments used only as gather tables hold values, not indices: drawn from this range, so that a table
rounded through bf16 (integer-embedding) can show."""


def widen_tables(inputs: list, entry_op, seed: int) -> list:
    import numpy as np

    arguments = entry_op.regions[0].arguments
    out = list(inputs)
    for number, (argument, array) in enumerate(zip(arguments, inputs)):
        if not np.issubdtype(array.dtype, np.integer) or array.dtype.itemsize < 2 or not argument.users:
            continue
        if all(user.name == "stablehlo.gather" and user.operands[0] is argument
               and all(v is not argument for v in user.operands[1:]) for user in argument.users):
            high = min(TABLE_RANGE[1], int(np.iinfo(array.dtype).max) + 1)
            rng = np.random.default_rng([seed, number, 1])
            out[number] = rng.integers(TABLE_RANGE[0], high, size=array.shape).astype(array.dtype)
    return out


def _mesh(module, shards):
    from hlo_fix.simulate.mesh import choose_mesh
    from hlo_fix.simulate.placement import Placements

    placements = Placements(module)
    used: dict[str, int] = {}
    # The sharding analysis records what each query walked through, so answers can depend on the order of queries:
    # gathers and scatters are asked about first, as lint's rules ask about them.
    ops = list(module.walk())
    ops.sort(key=lambda op: op.name not in ("stablehlo.gather", "stablehlo.scatter"))
    for op in ops:
        values = list(op.operands) + list(op.results)
        for region in op.regions:
            values.extend(region.arguments)
        for value in values:
            if value.type is None:
                continue
            for axes in placements.raw(value):
                for axis in axes:
                    used.setdefault(axis, 0)
    declared = placements.declared_axes()
    declared_names = {name for name, _ in declared}
    synthetic = sorted((a for a in used if a not in declared_names and a.startswith("shards")),
                       key=lambda a: -int(a[len("shards"):] or 0))
    renamed: dict[str, str] = {}
    if len(synthetic) == 1:
        renamed[synthetic[0]] = "shards"
    for axis in synthetic:
        declared.append((renamed.get(axis, axis), int(axis[len("shards"):])))
    requested = list(shards)
    notes = []
    if requested and len(synthetic) == 1 and len(requested) == 1 and requested[0][0] not in dict(declared):
        # GSPMD names no axes: `--shards batch=4` names (and may resize) the one split it has.
        renamed[synthetic[0]] = requested[0][0]
        declared = [(requested[0][0], size) if name == "shards" else (name, size) for name, size in declared]
    used_names = {renamed.get(a, a) for a in used}
    mesh = choose_mesh(declared, used_names, requested)
    placements.use(mesh, renamed)
    if not mesh.axes:
        notes.append("no value is split over a mesh axis: every device computes the reference")
    return placements, mesh, notes


def _divergence(op) -> Divergence | None:
    if op is None:
        return None
    source = None
    location = op.location
    python = location.python_source() if location is not None else None
    if python is not None:
        source = {"file": python.file, "line": python.line}
    return Divergence(op.line, op.column, op.name, source)


def device_outputs(text: str, inputs: list, *, shards: Sequence[tuple[str, int]] = (), index_float: str = "f32",
                   failures=None, entry: str = "main") -> tuple[list, list, list]:
    """(mesh devices, reference, localized) for given inputs: per output, what each device holds of it (its block
    of split dims, its own copy otherwise). For tests and for looking at the values themselves."""
    from hlo_fix.ir.scanner import read_module
    from hlo_fix.simulate.compare import device_piece
    from hlo_fix.simulate.evaluator import Evaluator
    from hlo_fix.simulate.failures import ALL

    module = read_module(text, "<input>")
    entry_op = module.functions[entry]
    placements, mesh, _ = _mesh(module, shards)
    failures = ALL if failures is None else tuple(failures)
    returned = entry_op.regions[0].ops[-1].operands
    found = []
    for localized in (False, True):
        evaluation = Evaluator(module, placements, mesh, failures, localized=localized, index_float=index_float)
        results = evaluation.run(entry_op, inputs).results
        found.append([
            [device_piece(held, value.type.shape, placements.of(value), mesh, d) for d in range(len(mesh.devices))]
            for value, held in zip(returned, results)
        ])
    return mesh.devices, found[0], found[1]


def reference_outputs(text: str, inputs: list, *, entry: str = "main") -> list:
    """The reference evaluation's outputs as global arrays: what the module as written computes, op by op (a test
    compares them with the whole module compiled and run by XLA)."""
    from hlo_fix.ir.scanner import read_module
    from hlo_fix.simulate.evaluator import Evaluator
    from hlo_fix.simulate.failures import ALL

    module = read_module(text, "<input>")
    placements, mesh, _ = _mesh(module, ())
    evaluation = Evaluator(module, placements, mesh, ALL, localized=False, index_float=DEFAULT_INDEX_FLOAT)
    return [held.view(0) for held in evaluation.run(module.functions[entry], inputs).results]
