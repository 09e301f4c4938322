"""The outcome of a verification: every (seed, device count) run with its per-output comparisons."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hlo_fix.verify.compare import OutputComparison
from hlo_fix.verify.module import TensorSpec


@dataclass(frozen=True)
class ArgumentPlan:
    """How one argument was drawn, shown in the report so a mismatch can be reproduced."""

    number: int
    spec: str
    drawn_as: str


@dataclass(frozen=True)
class RunResult:
    """The rewritten module run on one seed's inputs (on 1 device, or partitioned over `partitions` devices),
    compared output by output with the original run the same way: one device against one device, partitioned
    against partitioned (a partitioned float matmul rounds differently from an unpartitioned one).

    `reference_partitions` is the device count of the original run compared with: `partitions`, or 1 when the
    partitioned rewrite differs from the partitioned original but matches the original on 1 device bit for bit
    (partitioning reassociated the original's float sums, not the rewrite's)."""

    seed: int
    edges: bool
    partitions: int
    outputs: tuple[OutputComparison, ...]
    partitioner: str | None = None
    reference_partitions: int | None = None

    @property
    def ok(self) -> bool:
        return all(output.ok for output in self.outputs)

    @property
    def label(self) -> str:
        seed = f"seed {self.seed}" + (" (edge indices)" if self.edges else "")
        if self.partitions == 1:
            return f"{seed}, 1 device"
        label = f"{seed}, SPMD over {self.partitions} devices ({self.partitioner or 'no shardings'})"
        if self.reference_partitions == 1:
            label += " against the original on 1 device (the partitioned original rounds differently)"
        return label


@dataclass(frozen=True)
class VerifyReport:
    arguments: tuple[ArgumentPlan, ...]
    runs: tuple[RunResult, ...]
    seeds: int
    spmd: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return all(run.ok for run in self.runs)

    @property
    def differing(self) -> int:
        """Differing elements summed over every run and output."""
        return sum(output.differing for run in self.runs for output in run.outputs)

    @property
    def max_abs_diff(self) -> float:
        """Largest |original - rewritten| over every differing element (NaN when a NaN differs; 0 when ok)."""
        differences = [output.max_abs_diff for run in self.runs for output in run.outputs if not output.ok]
        if any(math.isnan(d) for d in differences):
            return math.nan
        return max(differences, default=0.0)

    @property
    def first_mismatch(self) -> tuple[RunResult, OutputComparison] | None:
        for run in self.runs:
            for output in run.outputs:
                if not output.ok:
                    return run, output
        return None

    @property
    def first_differing_index(self) -> tuple[int, ...] | None:
        mismatch = self.first_mismatch
        return mismatch[1].first_index if mismatch else None

    @property
    def mismatched_outputs(self) -> tuple[int, ...]:
        """Output numbers that differ in at least one run."""
        return tuple(sorted({o.output for run in self.runs for o in run.outputs if not o.ok}))

    def format(self) -> str:
        verdict = "OK: the rewritten module computes the same bits" if self.ok else "MISMATCH"
        lines = [f"verify: {verdict}", "  inputs:"]
        lines += [f"    %arg{a.number} {a.spec}: {a.drawn_as}" for a in self.arguments]
        for run in self.runs:
            if run.ok:
                lines.append(f"  {run.label}: identical ({_plural(len(run.outputs), 'output')})")
            for output in run.outputs:
                if not output.ok:
                    lines.append(f"  {run.label}: {_describe(output)}")
        lines += [f"  note: {note}" for note in self.notes]
        failed = sum(not run.ok for run in self.runs)
        if self.ok:
            lines.append(f"result: all {_plural(len(self.runs), 'run')} identical")
        else:
            lines.append(
                f"result: {failed} of {len(self.runs)} runs differ, in output(s) "
                f"{', '.join(map(str, self.mismatched_outputs))}; {self.differing} differing elements; "
                f"max |diff| {_number(self.max_abs_diff)}"
            )
        return "\n".join(lines)


def _describe(output: OutputComparison) -> str:
    from hlo_fix.verify.dtypes import numpy_dtype

    width = 2 * numpy_dtype(output.spec.element_type).itemsize  # hex digits of the element's bits
    return (
        f"output {output.output} {output.spec}: {output.differing} of {output.elements} elements differ, "
        f"max |diff| {_number(output.max_abs_diff)}; first at {list(output.first_index or ())}: "
        f"original {_value(output.original_value, output.spec)} (0x{output.original_bits:0{width}x}), "
        f"rewritten {_value(output.rewritten_value, output.spec)} (0x{output.rewritten_bits:0{width}x})"
    )


def _value(value: float | int | bool | complex | None, spec: TensorSpec) -> str:
    """The value as its own element type prints it (shortest round-trip digits for f32/bf16/f16)."""
    from hlo_fix.verify.dtypes import numpy_dtype

    return str(numpy_dtype(spec.element_type).type(value))


def _number(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.6g}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
