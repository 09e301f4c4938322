"""verify_texts: run an original and a rewritten module on the same random inputs and compare the bits.

Like against like: the rewritten module on one device is compared with the original on one device and, with
`spmd=N`, the rewritten module partitioned over N CPU devices (its own shardings) with the original partitioned
over N (its own shardings). A rewrite that is right on one device can still be wrong once its iotas and gathers
are sharded, and a partitioned float matmul rounds differently from an unpartitioned one, so comparing across
device counts would report rounding, not the rewrite. A partitioned run that differs from the partitioned
original but equals the original on one device bit for bit passes too, and says so: there partitioning
reassociated the original's float sums (a scatter-add's duplicates), not the rewrite's. (Modules with manual
shard_map regions only compile partitioned; see `_compile_pairs`.) Sizes and device counts are checked before
anything is allocated (`limits`), and every run has a time limit.
jax is imported lazily (here and in the modules this one calls) so `import hlo_fix` stays jax-free.
"""

from __future__ import annotations

from pathlib import Path

from hlo_fix.verify.errors import ModuleCompileError, PartitionCountError, SignatureMismatchError, VerifyError
from hlo_fix.verify.report import ArgumentPlan, RunResult, VerifyReport

EDGE_SEED = 1
"""The seed whose index arguments get edge values mixed in (needs seeds >= 2); the others stay in range."""
DEFAULT_TIMEOUT = 60.0
"""Seconds one run of one module may take; real exports take well under one."""


def verify_files(original: str | Path, rewritten: str | Path, **options) -> VerifyReport:
    """`verify_texts` on two files (UTF-8 StableHLO text)."""
    try:
        texts = [Path(path).read_text(encoding="utf-8") for path in (original, rewritten)]
    except (OSError, UnicodeDecodeError) as error:
        raise VerifyError(f"cannot read {getattr(error, 'filename', None) or 'input'}: {error}") from None
    return verify_texts(*texts, **options)


def verify_texts(
    original: str,
    rewritten: str,
    *,
    seeds: int = 3,
    spmd: int | None = None,
    entry: str = "main",
    index_range: tuple[int, int] | None = None,
    edges: bool = True,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> VerifyReport:
    """Compare `rewritten` with `original` bit for bit on `seeds` random input sets.

    Index arguments are drawn from `index_range` (lo, hi) when given, else from [0, bound) with the bound
    inferred from the modules (see `index_bounds`); seed 1 also mixes in the edge values around that
    range when `edges` is on. Raises a `VerifyError`/`ModuleParseError` (one-line `HloFixError`s) when
    a module cannot be parsed or compiled, the two signatures differ, a tensor is too large or `spmd`
    impossible (`limits`), or a run takes longer than `timeout` seconds (None: no limit).
    """
    from hlo_fix.verify.limits import check_mesh, check_sizes, check_spmd
    from hlo_fix.verify.module import ParsedModule

    if seeds < 1:
        raise VerifyError(f"seeds must be at least 1, got {seeds}")
    if spmd is not None and spmd < 1:
        raise VerifyError(f"spmd must be a device count of at least 1, got {spmd}")
    check_spmd(spmd)
    if index_range is not None and index_range[0] >= index_range[1]:
        raise VerifyError(f"index_range must be (lo, hi) with lo < hi, got {index_range}")
    if timeout is not None and timeout <= 0:
        raise VerifyError(f"timeout must be a positive number of seconds, got {timeout}")
    reference = ParsedModule(original, label="original", entry=entry)
    candidate = ParsedModule(rewritten, label="rewritten", entry=entry)
    _check_same_signature(reference, candidate)
    _check_partition_count(candidate, spmd)
    for parsed in (reference, candidate):
        check_sizes(parsed)
        check_mesh(parsed, spmd)
    return _run_all(
        reference, candidate, seeds=seeds, spmd=spmd, index_range=index_range, edges=edges, timeout=timeout
    )


def _run_all(reference, candidate, *, seeds, spmd, index_range, edges, timeout) -> VerifyReport:
    from hlo_fix.verify.compare import compare_output
    from hlo_fix.verify.inputs import make_inputs
    from hlo_fix.verify.xla_cpu import run_module

    bounds = _index_bounds(reference, candidate)
    signature = reference.signature
    notes = _notes(reference, candidate, seeds=seeds, spmd=spmd, edges=edges)
    pairs = _compile_pairs(reference, candidate, spmd, notes)

    def compare(expected, actual):
        return tuple(
            compare_output(number, spec, want, got)
            for number, (spec, want, got) in enumerate(zip(signature.results, expected, actual))
        )

    runs = []
    for seed in range(seeds):
        with_edges = edges and seed == EDGE_SEED
        inputs = make_inputs(signature, seed, index_bounds=bounds, index_range=index_range, edges=with_edges)
        on_one_device = None  # the original's outputs on 1 device, once run
        for reference_exe, candidate_exe in pairs:
            expected = run_module(reference_exe, inputs, signature.results, timeout=timeout)
            actual = run_module(candidate_exe, inputs, signature.results, timeout=timeout)
            partitions, reference_partitions = len(candidate_exe.devices), len(reference_exe.devices)
            outputs = compare(expected, actual)
            if partitions == 1:
                on_one_device = expected
            elif not all(o.ok for o in outputs) and on_one_device is not None:
                # Partitioning may reassociate the original's float sums (a scatter-add's duplicates, a sharded
                # contraction) where the rewrite's stay in order: bits equal to the original's on 1 device are
                # an execution of the original too.
                unpartitioned = compare(on_one_device, actual)
                if all(o.ok for o in unpartitioned):
                    outputs, reference_partitions = unpartitioned, 1
            runs.append(
                RunResult(seed, with_edges, partitions, outputs, candidate.partitioner, reference_partitions)
            )
    return VerifyReport(
        arguments=_argument_plans(signature, bounds, index_range),
        runs=tuple(runs),
        seeds=seeds,
        spmd=spmd,
        notes=tuple(notes),
    )


def _compile_pairs(reference, candidate, spmd: int | None, notes: list[str]):
    """(original, rewritten) executables to compare: both on 1 device, and both over `spmd` devices.

    A module with manual (shard_map) regions only compiles partitioned. With `spmd`, the 1-device pair is then
    left out, and `notes` says why; without it, the compile error stands, with a hint when the module declares
    partitions.
    """
    from hlo_fix.verify.xla_cpu import compile_module

    partitioned = spmd is not None and spmd > 1

    def build(parsed, partitions: int):
        # Shardy (jax's default) unless the module carries GSPMD `mhlo.sharding`s, which only GSPMD reads.
        shardy = parsed.partitioner != "gspmd"
        return compile_module(parsed.text_for_xla, partitions=partitions, shardy=shardy, label=parsed.label)

    pairs, single, failures = [], [], []
    for parsed in (reference, candidate):
        try:
            single.append(build(parsed, 1))
        except ModuleCompileError as error:
            failures.append(_with_partition_hint(error, parsed))
    if failures and not partitioned:
        raise failures[0]
    if failures:
        notes.append(f"only the SPMD runs are compared, since {failures[0]}")
    else:
        pairs.append(tuple(single))
    if partitioned:
        pairs.append((build(reference, spmd), build(candidate, spmd)))
    return pairs


def _with_partition_hint(error: ModuleCompileError, parsed) -> ModuleCompileError:
    declared = parsed.num_partitions
    if declared is None or declared <= 1:
        return error
    return ModuleCompileError(f"{error} (the module was exported for {declared} partitions: try --spmd {declared})")


def _index_bounds(reference, candidate):
    """Bounds from the original, falling back to the rewritten module's for arguments the original hides."""
    from hlo_fix.verify.index_bounds import infer_index_bounds

    bounds = infer_index_bounds(candidate)
    bounds.update(infer_index_bounds(reference))
    return bounds


def _argument_plans(signature, bounds, index_range) -> tuple[ArgumentPlan, ...]:
    from hlo_fix.verify.dtypes import is_complex, is_float, is_index_like
    from hlo_fix.verify.inputs import index_range_for

    plans = []
    for number, spec in enumerate(signature.arguments):
        if is_float(spec.element_type):
            drawn_as = "standard normal"
        elif is_complex(spec.element_type):
            drawn_as = "standard normal real and imaginary parts"
        elif not is_index_like(spec.element_type):
            drawn_as = "random booleans"
        else:
            lo, hi = index_range_for(number, bounds, index_range)
            if index_range is not None:
                why = "given range"
            elif number in bounds:
                why = f"bound from {bounds[number].source}"
            else:
                why = "default range: no gather/scatter/compare use found"
            drawn_as = f"indices in [{lo}, {hi}) ({why})"
        plans.append(ArgumentPlan(number, str(spec), drawn_as))
    return tuple(plans)


def _check_same_signature(reference, candidate) -> None:
    for kind in ("arguments", "results"):
        want, got = getattr(reference.signature, kind), getattr(candidate.signature, kind)
        if len(want) != len(got):
            raise SignatureMismatchError(f"the rewritten module has {len(got)} {kind}, the original {len(want)}")
        for number, (w, g) in enumerate(zip(want, got)):
            if w != g:
                what = "argument" if kind == "arguments" else "result"
                raise SignatureMismatchError(f"{what} {number} is {g} in the rewritten module but {w} in the original")


def _check_partition_count(candidate, spmd: int | None) -> None:
    declared = candidate.num_partitions
    if spmd is not None and declared is not None and declared != spmd:
        raise PartitionCountError(
            f"--spmd {spmd} disagrees with the rewritten module, which was exported for {declared} "
            f"partition(s) (mhlo.num_partitions = {declared}); use --spmd {declared}"
        )


def _notes(reference, candidate, *, seeds: int, spmd: int | None, edges: bool) -> list[str]:
    notes = []
    declared = candidate.num_partitions
    if spmd is None and declared is not None and declared > 1:
        notes.append(f"the rewritten module was exported for {declared} partitions: --spmd {declared} checks it")
    if spmd is not None and spmd > 1 and candidate.partitioner is None:
        notes.append("the rewritten module carries no shardings: the SPMD run replicates everything")
    if reference.num_partitions != declared:
        notes.append(
            f"the original declares mhlo.num_partitions = {reference.num_partitions}, the rewritten {declared}"
        )
    if edges and seeds <= EDGE_SEED:
        notes.append(f"edge index values are only tried with seeds >= {EDGE_SEED + 1}")
    return notes
