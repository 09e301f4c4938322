"""Regenerate fixtures/: StableHLO text as JAX and PyTorch/XLA print it, and MANIFEST.json saying what to expect.

    .venv/bin/python tools/make_fixtures.py [--out fixtures]

The output is byte-for-byte deterministic; tests/test_fixtures_manifest.py regenerates into a temporary folder and
compares. JAX's text is written as JAX prints it. The one thing taken care of is debug locations: the models under
tools/fixture_models/ are compiled under the stable name hlo_fix_fixtures/<file>.py and lowered on a worker thread, so
no path of the checkout (and no frame of this script) appears in a fixture. Every fixture is parsed with jaxlib's MLIR
parser before anything is written; a fixture that does not parse stops the run.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import re
import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# The host platform must expose 8 devices for the 4x2 mesh, and this must happen before jax is imported.
os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=8".strip()
os.environ["JAX_PLATFORMS"] = "cpu"

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jaxlib  # noqa: E402
from jax._src.interpreters import mlir as jax_mlir  # noqa: E402
from jax._src.lib.mlir import ir  # noqa: E402
from jax.sharding import NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO / "tools" / "fixture_models"
STABLE_PREFIX = "hlo_fix_fixtures"

# bf16 holds every integer up to 256 exactly; HF005's default index float is bf16.
INEXACT_INDEX_LIMIT = 256

CONVENTIONS = f"""\
Each fixture lists the findings hlo-fix lint must report ("expect"); hazard-free fixtures have "expect": [] and must \
lint clean. "op" is the operation the finding points at and "occurrence" its 0-based index among the operations of \
that name in the file, in text order: only operation names count (`%5 = stablehlo.iota ...`, \
`%7 = "stablehlo.gather"(...)`), not attributes such as `#stablehlo.gather<...>` or location names, and ops inside \
regions (sdy.manual_computation bodies) and private functions count. Severity of HF001-HF004 is "error" when the \
dimension at issue is sharded (the batch/row dimension for HF002-HF004, the iota's dimension for HF001; shardings come \
from sdy.sharding / mhlo.sharding on arguments and results and from sharding constraints) and "warning" when the \
module carries no sharding at all. HF005 is always "warning" and is listed for every op flagged \
HF002, HF003 or HF004 whose indexed extent exceeds {INEXACT_INDEX_LIMIT} (bf16, the default index float): the extent \
is the product of the operand dimensions named by start_index_map (gather) or scatter_dims_to_operand_dims (scatter), \
because backends flatten a multi-dimensional index (a row-iota gather from 64x160 reaches 10239). An extent of exactly \
{INEXACT_INDEX_LIMIT} (largest index 255) expects no HF005, and gathers that HF002-HF004 do not flag (take_along_axis, \
shard_map bodies) get no HF005 entry. HF006 is "error" at each slice, dynamic_slice or dynamic_update_slice that \
narrows a sharded dimension (all but a start < stride interleave that leaves every shard a whole number of strides), and HF009 "error" \
at each non-splat constant whose blocks along a sharded dimension differ (not periodic); neither is reported in a \
module without sharding or inside a manual computation. HF007 is "error" at each argmax/argmin reduce, top_k or \
iota-carrying sort whose reduced or sorted dimension is sharded (never without sharding, nor inside a manual \
computation). HF008 is "error" at each gather from an integer table whose values may exceed 256 (bf16's exact \
integers; row-iota gathers excepted) and at each float-to-integer convert ending an integer-to-float chain that \
indexes more entries than the float holds exactly (f32 2^24). Entries are ordered by position in the file, then code."""

class FixtureError(RuntimeError):
    """A fixture came out differently from what its expectations assume."""


@dataclass(frozen=True)
class Expect:
    """A finding the linter must report. `where`, a regex matched at the op's name, picks the op when the file holds
    several of that name; without it the file must hold exactly one, so a silent change in JAX's output cannot move an
    expectation to the wrong op."""

    code: str
    op: str
    where: str | None = None


@dataclass(frozen=True)
class Fixture:
    """One generated file. `sharded` (the module carries shardings) decides the severity of HF001-HF004."""

    name: str
    description: str
    source: str
    text: str
    sharded: bool
    expect: tuple[Expect, ...] = ()


# --------------------------------------------------------------------------------------------------------------------
# Manifest entries, computed from the text each fixture actually has.


def op_offsets(text: str, op: str) -> list[int]:
    """Offsets of the names of the operations called `op`, in text order (attributes and locations excluded)."""
    return [m.start(1) for m in re.finditer(rf'= "?({re.escape(op)})"?[ (]', text)]


def locate(text: str, expect: Expect) -> tuple[int, int]:
    """The op's occurrence index and offset."""
    offsets = op_offsets(text, expect.op)
    hits = [i for i, at in enumerate(offsets) if expect.where is None or re.match(expect.where, text[at:])]
    if len(hits) != 1:
        raise FixtureError(f"{expect} matches {len(hits)} of the {len(offsets)} {expect.op} ops")
    return hits[0], offsets[hits[0]]


def indexed_extent(text: str, at: int) -> int:
    """Product of the operand dimensions the gather/scatter at `at` indexes: a flattened index stays below it."""
    index_map = re.compile(r"(?:start_index_map|scatter_dims_to_operand_dims) = \[([\d, ]*)\]").search(text, at)
    operand = re.compile(r"[>)] : \(tensor<([\dx]+)x\w+>").search(text, at)
    if index_map is None or operand is None:
        raise FixtureError(f"cannot read the index map or operand type of the op at offset {at}")
    shape = [int(d) for d in operand.group(1).split("x")]
    return math.prod(shape[int(d)] for d in index_map.group(1).split(","))


def manifest_expect(fixture: Fixture) -> list[dict]:
    """The fixture's expectations as manifest entries, with the HF005 companions the conventions call for."""
    severity = "error" if fixture.sharded else "warning"
    found = []
    for expect in fixture.expect:
        occurrence, at = locate(fixture.text, expect)
        found.append((at, expect.code, severity, expect.op, occurrence))
        if expect.code in ("HF002", "HF003", "HF004") and indexed_extent(fixture.text, at) > INEXACT_INDEX_LIMIT:
            found.append((at, "HF005", "warning", expect.op, occurrence))
    return [
        {"code": code, "severity": sev, "op": op, "occurrence": occurrence}
        for _, code, sev, op, occurrence in sorted(found)
    ]


def build_manifest(fixtures: list[Fixture]) -> dict:
    entries = {
        f.name: {"description": f.description, "source": f.source, "expect": manifest_expect(f)}
        for f in sorted(fixtures, key=lambda f: f.name)
    }
    return {
        "conventions": CONVENTIONS,
        "generated_with": {"jax": jax.__version__, "jaxlib": jaxlib.__version__},
        "fixtures": entries,
    }


# --------------------------------------------------------------------------------------------------------------------
# JAX fixtures.


def load_model(name: str) -> types.ModuleType:
    """Execute tools/fixture_models/<name>.py under the stable file name JAX will print in locations."""
    module = types.ModuleType(f"{STABLE_PREFIX}.{name}")
    source = (MODELS_DIR / f"{name}.py").read_text(encoding="utf-8")
    exec(compile(source, f"{STABLE_PREFIX}/{name}.py", "exec"), module.__dict__)
    return module


class Lowerer:
    """Runs the stable-named lowering helpers on a worker thread, whose stack holds only stdlib frames (which JAX
    leaves out of locations) below them."""

    def __init__(self, pool: ThreadPoolExecutor, helpers: types.ModuleType, mesh):
        self._pool = pool
        self._helpers = helpers
        self.mesh = mesh

    def lower(self, fn, args, shardings=None, *, debug_info=False) -> str:
        mesh = None if shardings is None else self.mesh
        return self._pool.submit(self._helpers.lower_text, fn, args, shardings, mesh, debug_info).result()

    def lower_explicit(self, fn, args, mesh, *, debug_info=False) -> str:
        return self._pool.submit(self._helpers.lower_explicit_text, fn, args, mesh, debug_info).result()

    def export(self, fn, args, shardings) -> str:
        return self._pool.submit(self._helpers.export_text, fn, args, shardings, self.mesh).result()


@contextlib.contextmanager
def jax_flags(**flags):
    """Set jax.config flags (e.g. jax_enable_x64) for a few lowerings and put them back afterwards."""
    saved = {name: getattr(jax.config, name) for name in flags}
    try:
        for name, value in flags.items():
            jax.config.update(name, value)
        yield
    finally:
        for name, value in saved.items():
            jax.config.update(name, value)


def partitioner_flags(partitioner: str) -> dict:
    return {"jax_use_shardy_partitioner": partitioner == "shardy"}


def check_partitioner(name: str, text: str, partitioner: str | None) -> None:
    """Fail if the flag toggle did not take: each fixture must be in the sharding dialect its name promises."""
    has_sdy, has_mhlo = "#sdy.sharding" in text, "mhlo.sharding" in text
    expected = {"shardy": (True, False), "gspmd": (False, True), None: (False, False)}[partitioner]
    if (has_sdy, has_mhlo) != expected:
        raise FixtureError(f"{name}: expected {partitioner or 'no'} sharding, got sdy={has_sdy} mhlo={has_mhlo}")


def named(mesh, *specs):
    return tuple(NamedSharding(mesh, s) for s in specs)


def arg(shape, dtype=jnp.float32):
    """An argument as (shape, dtype); made into a ShapeDtypeStruct only under the case's flags (x64 decides i64)."""
    return shape, dtype


def abstract(args) -> tuple:
    return tuple(jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in args)


ROUTER_HAZARDS = (Expect("HF003", "stablehlo.scatter"), Expect("HF002", "stablehlo.gather"))
ROUTER_IDIOMS = {
    "gather_scatter": (
        "router_gather_scatter",
        "row-iota scatter for the group mask and row-iota gather for the weights",
        ROUTER_HAZARDS,
    ),
    "onehot": (
        "router_onehot",
        "one-hot any() group mask and einsum weights against expert-axis iotas (hazard-free)",
        (),
    ),
}


ROUTER_DTYPES = {"f32": jnp.float32, "bf16": jnp.bfloat16}


def router_shardings(mesh):
    """Logits [B, E] sharded on the batch, bias [E] replicated; weights and indices [B, K] sharded on the batch."""
    rows = P("batch", None)
    return named(mesh, rows, P()), named(mesh, rows, rows)


def router_args(router: types.ModuleType, dtype) -> tuple:
    return arg((router.TOKENS, router.EXPERTS), dtype), arg((router.EXPERTS,), dtype)


def router_fixtures(lowerer: Lowerer, router: types.ModuleType) -> list[Fixture]:
    """The seed router in both idioms x {shardy, gspmd} x {f32, bf16} x {debug locations, none}."""
    fixtures = []
    variants = itertools.product(ROUTER_IDIOMS.items(), ("shardy", "gspmd"), ROUTER_DTYPES.items(), (True, False))
    for (idiom, (fn_name, what, expect)), partitioner, (dtype_name, dtype), debug in variants:
        name = f"router_{idiom}_{partitioner}_{dtype_name}{'_debug' if debug else ''}.mlir"
        with jax_flags(**partitioner_flags(partitioner)):
            text = lowerer.lower(
                getattr(router, fn_name), abstract(router_args(router, dtype)), router_shardings(lowerer.mesh),
                debug_info=debug,
            )
        check_partitioner(name, text, partitioner)
        description = (
            f"MoE router (B=64, E=160, K=8, 8 groups, top-4 groups), {what}; logits {dtype_name} sharded "
            f"P('batch', None) on a 4x2 ('batch', 'model') mesh; {partitioner} output"
            + ("; with debug locations" if debug else "")
        )
        fixtures.append(Fixture(name, description, "jax", text, True, expect))
    return fixtures


def explicit_router_fixtures(lowerer: Lowerer, router: types.ModuleType, mesh) -> list[Fixture]:
    """The seed router written JAX's current way (tools/fixture_models/router_explicit.py): `jax.make_mesh`'s
    default explicit axes, arguments carrying their shardings, `out_sharding=` on the indexing ops,
    `jax.sharding.reshard`; the same variants as `router_fixtures`, and the same findings expected."""
    fixtures = []
    variants = itertools.product(ROUTER_IDIOMS.items(), ("shardy", "gspmd"), ROUTER_DTYPES.items(), (True, False))
    for (idiom, (fn_name, what, expect)), partitioner, (dtype_name, dtype), debug in variants:
        name = f"router_explicit_{idiom}_{partitioner}_{dtype_name}{'_debug' if debug else ''}.mlir"
        rows, replicated = (NamedSharding(mesh, spec) for spec in (P("batch", None), P()))
        args = (
            jax.ShapeDtypeStruct((router.TOKENS, router.EXPERTS), dtype, sharding=rows),
            jax.ShapeDtypeStruct((router.EXPERTS,), dtype, sharding=replicated),
        )
        with jax_flags(**partitioner_flags(partitioner)):
            text = lowerer.lower_explicit(getattr(router, fn_name), args, mesh, debug_info=debug)
        check_partitioner(name, text, partitioner)
        description = (
            f"MoE router as router_{idiom}, written with an explicit-axes mesh (jax.make_mesh default, "
            f"jax.set_mesh, out_sharding= on .at[].get/.set and einsum, jax.sharding.reshard): {what}; logits "
            f"{dtype_name} carrying P('batch', None) on a 4x2 ('batch', 'model') mesh; {partitioner} output, every "
            f"value wrapped in a sharding constraint" + ("; with debug locations" if debug else "")
        )
        fixtures.append(Fixture(name, description, "jax", text, True, expect))
    return fixtures


@dataclass(frozen=True)
class Case:
    """One small jitted function from fixture_models/cases.py lowered to one fixture. `in_specs` None means a plain
    jax.jit with no shardings and no mesh; `out_specs` is one PartitionSpec or a tuple of them, like out_shardings."""

    name: str
    description: str
    fn: str
    args: tuple
    in_specs: tuple | None = None
    out_specs: object = None
    expect: tuple[Expect, ...] = ()
    partitioner: str | None = "shardy"
    x64: bool = False


ROWS = P("batch", None)
TABLE = arg((64, 160))
IDX = arg((64, 8), jnp.int32)
ROW_GATHER = (Expect("HF002", "stablehlo.gather"),)
ROW_SCATTER = (Expect("HF003", "stablehlo.scatter"),)
# The query-side iota of the causal mask: broadcast into dims [0] of the mask, i.e. the sharded sequence axis.
QUERY_IOTA = (Expect("HF001", "stablehlo.iota", r"stablehlo\.iota dim = 0 : tensor<128xi32>\n.*dims = \[0\]"),)
CAUSAL = dict(
    fn="causal_scores_sequence_sharded", args=(arg((8, 128, 32)),), in_specs=(P(),), out_specs=P(None, "batch", None),
    expect=QUERY_IOTA,
)
SHARD_MAP = dict(
    fn="shard_local_gather", args=(arg((64, 16)), arg((64, 4), jnp.int32)), in_specs=(ROWS, ROWS), out_specs=ROWS,
)

CASES = (
    Case(
        "take_along_axis_shardy.mlir",
        "jnp.take_along_axis over the expert axis (operand_batching_dims, no iota); batch-sharded",
        "take_along_axis_gather", (TABLE, IDX), (ROWS, ROWS), ROWS,
    ),
    Case(
        "scatter_add_row_iota_shardy.mlir",
        "x.at[arange(B)[:, None], idx].add(w) into a 64x160 table; batch-sharded",
        "row_iota_scatter_add", (TABLE, IDX, arg((64, 8))), (ROWS, ROWS, ROWS), ROWS, ROW_SCATTER,
    ),
    Case(
        "scatter_set_row_iota_shardy.mlir",
        "x.at[arange(B)[:, None], idx].set(vals) with per-element updates into a 64x160 table; batch-sharded",
        "row_iota_scatter_set", (TABLE, IDX, arg((64, 8))), (ROWS, ROWS, ROWS), ROWS, ROW_SCATTER,
    ),
    Case(
        "flat_index_gather_shardy.mlir",
        "x.reshape(-1)[arange(B)[:, None] * E + idx] from a 64x160 table (flat index up to 10239); batch-sharded",
        "flat_index_gather", (TABLE, IDX), (ROWS, ROWS), ROWS, (Expect("HF004", "stablehlo.gather"),),
    ),
    Case(
        "gather_3d_row_iota_shardy.mlir",
        "x[arange(B)[:, None, None], arange(S)[None, :, None], idx] with x of shape [64, 16, 160]; batch-sharded",
        "row_iota_gather_3d", (arg((64, 16, 160)), arg((64, 16, 8), jnp.int32)),
        (P("batch", None, None),) * 2, P("batch", None, None), ROW_GATHER,
    ),
    Case(
        "causal_mask_seq_sharded_shardy.mlir",
        "attention scores [8, 128, 128] masked with a causal mask built from arange(S) iotas; the sequence axis is "
        "sharded (with_sharding_constraint P(None, 'batch', None) on the [8, 128, 32] activation) and the query iota "
        "lands on it",
        **CAUSAL,
    ),
    Case(
        "causal_mask_seq_sharded_gspmd.mlir",
        "as causal_mask_seq_sharded_shardy, GSPMD output (the constraint is a custom_call @Sharding)",
        **CAUSAL, partitioner="gspmd",
    ),
    Case(
        "argmax_top_k_expert_axis_shardy.mlir",
        "argmax and top_k over the unsharded expert axis of batch-sharded logits",
        "argmax_and_top_k", (TABLE,), (ROWS,), (P("batch"), ROWS),
    ),
    Case(
        "shard_map_row_iota_gather_shardy.mlir",
        "row-iota gather inside jax.shard_map over a batch-sharded 64x16 table (sdy.manual_computation; rows are "
        "shard-local, 16x16 per shard)",
        **SHARD_MAP,
    ),
    Case(
        "shard_map_row_iota_gather_gspmd.mlir",
        "as shard_map_row_iota_gather_shardy, GSPMD output (@SPMDFullToShardShape / @SPMDShardToFullShape around a "
        "call to @shmap_body)",
        **SHARD_MAP, partitioner="gspmd",
    ),
    Case(
        "gather_row_iota_two_axis_shardy.mlir",
        "row-iota gather, batch sharded over both mesh axes P(('batch', 'model'), None)",
        "row_iota_gather", (TABLE, IDX), (P(("batch", "model"), None),) * 2, P(("batch", "model"), None), ROW_GATHER,
    ),
    Case(
        "gather_row_iota_i64_shardy.mlir",
        "row-iota gather with i64 indices (jax_enable_x64; JAX converts the i64 row iota and indices to i32 before "
        "the concatenate); batch-sharded",
        "row_iota_gather", (TABLE, arg((64, 8), jnp.int64)), (ROWS, ROWS), ROWS, ROW_GATHER, x64=True,
    ),
    Case(
        "gather_row_iota_u32_shardy.mlir",
        "row-iota gather with idx.astype(uint32) (JAX converts it back to i32 before the concatenate); batch-sharded",
        "row_iota_gather_u32", (TABLE, IDX), (ROWS, ROWS), ROWS, ROW_GATHER,
    ),
    Case(
        "gather_row_iota_barrier_shardy.mlir",
        "row-iota gather whose arange(B) and indices pass through jax.lax.optimization_barrier; batch-sharded",
        "row_iota_gather_behind_barrier", (TABLE, IDX), (ROWS, ROWS), ROWS, ROW_GATHER,
    ),
    Case(
        "gather_row_iota_barrier_gspmd.mlir",
        "as gather_row_iota_barrier_shardy, GSPMD output",
        "row_iota_gather_behind_barrier", (TABLE, IDX), (ROWS, ROWS), ROWS, ROW_GATHER, partitioner="gspmd",
    ),
    Case(
        "gather_row_iota_unsharded.mlir",
        "row-iota gather under a plain jax.jit, no shardings anywhere",
        "row_iota_gather", (TABLE, IDX), expect=ROW_GATHER, partitioner=None,
    ),
)


def case_shardings(mesh, case: Case):
    if case.in_specs is None:
        return None
    outs = case.out_specs
    out_shardings = named(mesh, *outs) if isinstance(outs, tuple) else NamedSharding(mesh, outs)
    return named(mesh, *case.in_specs), out_shardings


def case_fixture(lowerer: Lowerer, cases: types.ModuleType, case: Case) -> Fixture:
    shardings = case_shardings(lowerer.mesh, case)
    with jax_flags(jax_enable_x64=case.x64, **partitioner_flags(case.partitioner or "shardy")):
        text = lowerer.lower(
            getattr(cases, case.fn), abstract(case.args), shardings, debug_info=case.name.endswith("_debug.mlir")
        )
    check_partitioner(case.name, text, case.partitioner)
    return Fixture(case.name, case.description, "jax", text, shardings is not None, case.expect)


# HF006 sharded-slice and HF009 sharded-constant: tools/fixture_models/slices.py, each hazard next to its
# hazard-free form, in both partitioners.
COLUMNS = P(None, "model")
SEQ_ACTIVATION = arg((2, 128, 8))


def slice_expect(*bounds: str) -> tuple[Expect, ...]:
    return tuple(Expect("HF006", "stablehlo.slice", rf"stablehlo\.slice %\w+ \[{re.escape(b)}\]") for b in bounds)


def both_partitioners(stem: str, description: str, fn: str, *rest, debug: bool = False, **fields) -> tuple:
    """The case lowered with Shardy and with GSPMD (and, with `debug`, Shardy with debug locations)."""
    names = [(f"{stem}_shardy.mlir", "shardy"), (f"{stem}_gspmd.mlir", "gspmd")]
    names += [(f"{stem}_shardy_debug.mlir", "shardy")] if debug else []
    return tuple(
        Case(name, description + ("" if p == "shardy" else "; GSPMD output"), fn, *rest, partitioner=p, **fields)
        for name, p in names
    )


SLICE_CASES = (
    *both_partitioners(
        "adaln_chunk_column_parallel",
        "DiT adaLN modulation: jnp.split(silu(temb) @ w_ada, 3) with w_ada [64, 192] column-parallel "
        "P(None, 'model'); the three chunks cut across the 2 shards of the 192 features",
        "adaln_chunks", (arg((8, 64)), arg((8, 64)), arg((64, 192))), (ROWS, ROWS, COLUMNS), ROWS,
        slice_expect("0:8, 0:64", "0:8, 64:128", "0:8, 128:192"), debug=True,
    ),
    *both_partitioners(
        "gate_up_split_column_parallel",
        "SwiGLU FFN with gate and up fused: jnp.split(x @ w_gate_up, 2) with w_gate_up [64, 256] P(None, 'model')",
        "fused_gate_up", (arg((8, 64)), arg((64, 256))), (ROWS, COLUMNS), ROWS,
        slice_expect("0:8, 0:128", "0:8, 128:256"),
    ),
    *both_partitioners(
        "gate_up_separate_projections",
        "the same FFN with one column-parallel projection per half (hazard-free: no slice)",
        "separate_gate_up", (arg((8, 64)), arg((64, 128)), arg((64, 128))), (ROWS, COLUMNS, COLUMNS), ROWS,
    ),
    Case(
        "slice_unsharded_dim_shardy.mlir",
        "halves of the feature dim of a batch-sharded [64, 32] activation (hazard-free: the sliced dim is not sharded)",
        "head_dim_slice", (arg((64, 32)),), (ROWS,), ROWS,
    ),
    *both_partitioners(
        "dynamic_slice_batch_window",
        "lax.dynamic_slice_in_dim(x, start, 16, axis=0): a 16-row window with a runtime start out of a "
        "batch-sharded [64, 32] buffer",
        "batch_window", (arg((64, 32)), arg((), jnp.int32)), (ROWS, P()), ROWS,
        (Expect("HF006", "stablehlo.dynamic_slice"),),
    ),
    *both_partitioners(
        "dynamic_slice_time_window",
        "a 16-step window along the time axis of a batch-sharded [8, 64, 32] buffer (hazard-free: the time axis is "
        "not sharded)",
        "time_window", (arg((8, 64, 32)), arg((), jnp.int32)), (P("batch", None, None), P()), P("batch", None, None),
    ),
    *both_partitioners(
        "position_constant_seq_sharded",
        "positions 0..127 baked in as an i32 constant (jnp.asarray(np.arange(128))) and added along the sequence "
        "axis of a [2, 128, 8] activation sharded P(None, 'batch', None) by with_sharding_constraint",
        "position_table", (SEQ_ACTIVATION,), (P(),), P(None, "batch", None),
        (Expect("HF009", "stablehlo.constant", r"stablehlo\.constant dense<\"0x"),), debug=True,
    ),
    *both_partitioners(
        "periodic_constants_seq_sharded",
        "a feature-dim f32 table along the unsharded dim and np.tile(np.arange(32), 4) along the 4-way sharded "
        "sequence (hazard-free: every shard holds the same values)",
        "periodic_tables", (SEQ_ACTIVATION,), (P(),), P(None, "batch", None),
    ),
    *both_partitioners(
        "shard_map_split",
        "jnp.split of a column-sharded [8, 256] activation inside jax.shard_map (hazard-free: shard-local)",
        "shard_local_split", (arg((8, 256)),), (COLUMNS,), COLUMNS,
    ),
)


# HF007 sharded-index-reduction and HF008 integer-through-float: tools/fixture_models/decode.py, greedy decoding
# over logits whose vocab dim a column-parallel lm_head shards, and integer lookups, each next to its hazard-free form.
HIDDEN, LM_HEAD = arg((8, 64)), arg((64, 512))
DECODE_IN = (ROWS, COLUMNS)
ARGMAX = (Expect("HF007", "stablehlo.reduce"),)
TOKENS = arg((64,), jnp.int32)
FLAT_INDEX = (arg((64, 8), jnp.int32), arg((64, 8), jnp.int32))
BACK_TO_INT = (Expect("HF008", "stablehlo.convert", r"stablehlo\.convert %\w+ : \(tensor<64x8xf32>\) -> tensor<64x8xi32>"),)
DECODE_CASES = (
    *both_partitioners(
        "greedy_argmax_vocab_sharded",
        "greedy decoding jnp.argmax(h @ w_vocab, -1) with the lm_head w_vocab [64, 512] column-parallel "
        "P(None, 'model'): the argmax reduces the vocab dim sharded through dot_general's free dim",
        "greedy_argmax", (HIDDEN, LM_HEAD), DECODE_IN, P("batch"), ARGMAX, debug=True,
    ),
    *both_partitioners(
        "greedy_top_k_vocab_sharded",
        "jax.lax.top_k(h @ w_vocab, 4) over the vocab-sharded logits (chlo.top_k)",
        "greedy_top_k", (HIDDEN, LM_HEAD), DECODE_IN, ROWS, (Expect("HF007", "chlo.top_k"),),
    ),
    *both_partitioners(
        "ranked_tokens_vocab_sharded",
        "jnp.argsort(h @ w_vocab, -1) over the vocab-sharded logits (stablehlo.sort with an iota payload)",
        "ranked_tokens", (HIDDEN, LM_HEAD), DECODE_IN, ROWS, (Expect("HF007", "stablehlo.sort"),),
    ),
    *both_partitioners(
        "greedy_argmax_vocab_gathered",
        "greedy_argmax with with_sharding_constraint(logits, P('batch', None)) before the argmax (hazard-free: "
        "the vocab dim is replicated)",
        "greedy_argmax_gathered", (HIDDEN, LM_HEAD), DECODE_IN, P("batch"),
    ),
    *both_partitioners(
        "greedy_top_k_vocab_gathered",
        "greedy_top_k with the vocab dim replicated by with_sharding_constraint first (hazard-free)",
        "greedy_top_k_gathered", (HIDDEN, LM_HEAD), DECODE_IN, ROWS,
    ),
    Case(
        "greedy_argmax_lm_head_replicated_shardy.mlir",
        "greedy_argmax with a replicated lm_head (hazard-free: only the batch is sharded)",
        "greedy_argmax", (HIDDEN, LM_HEAD), (ROWS, P()), P("batch"),
    ),
    *both_partitioners(
        "position_table_lookup",
        "positions[idx] from an int32 position table [4096] (replicated) with batch-sharded indices [64]: an "
        "integer gather that backends lower to a bf16 embedding",
        "position_lookup", (arg((4096,), jnp.int32), TOKENS), (P(), P("batch")), P("batch"),
        (Expect("HF008", "stablehlo.gather"),), debug=True,
    ),
    *both_partitioners(
        "embedding_lookup_float",
        "embeddings[ids] from a float table [4096, 64] (hazard-free: float values, exact in their own type)",
        "embedding_lookup", (arg((4096, 64)), TOKENS), (P(), P("batch")), ROWS,
    ),
    Case(
        "small_int_table_lookup_shardy.mlir",
        "an int32 table of 0..255 (reversed arange) read by batch-sharded ids (hazard-free: every value fits bf16)",
        "small_table_lookup", (TOKENS,), (P("batch"),), P("batch"),
    ),
    Case(
        "flat_index_through_float_shardy.mlir",
        "flat_table[(rows.astype(f32) * 4096 + cols.astype(f32)).astype(int32)] into a 1-D buffer of 2^25 entries: "
        "a flat index carried in f32 beyond its 2^24 exact integers",
        "flat_index_through_float", (*FLAT_INDEX, arg((2**25,))), (ROWS, ROWS, P()), ROWS, BACK_TO_INT,
    ),
    Case(
        "flat_index_through_float_small_buffer_shardy.mlir",
        "the same f32 flat index into a buffer of 10240 entries (hazard-free: within f32's exact integers)",
        "flat_index_through_float", (*FLAT_INDEX, arg((10240,))), (ROWS, ROWS, P()), ROWS,
    ),
    Case(
        "flat_index_in_integers_shardy.mlir",
        "the flat index into the 2^25-entry buffer kept in int32 (hazard-free)",
        "flat_index_in_integers", (*FLAT_INDEX, arg((2**25,))), (ROWS, ROWS, P()), ROWS,
    ),
)


def export_fixture(lowerer: Lowerer, router: types.ModuleType) -> Fixture:
    """jax.export's serialized module: printed from the deserialized bytecode, with locations always on."""
    name = "export_router_gather_scatter_shardy.mlir"
    with jax_flags(**partitioner_flags("shardy")):
        text = lowerer.export(
            router.router_gather_scatter, abstract(router_args(router, jnp.float32)), router_shardings(lowerer.mesh)
        )
    check_partitioner(name, text, "shardy")
    description = "jax.export.export(jax.jit(router_gather_scatter, ...)).mlir_module() of the f32 batch-sharded router"
    return Fixture(name, description, "jax", text, True, ROUTER_HAZARDS)


def jax_fixtures() -> list[Fixture]:
    router, explicit, cases, helpers = (load_model(name) for name in ("router", "router_explicit", "cases", "lower"))
    mesh = jax.make_mesh((4, 2), ("batch", "model"), axis_types=(jax.sharding.AxisType.Auto,) * 2)
    explicit_mesh = jax.make_mesh((4, 2), ("batch", "model"))
    if set(explicit_mesh.axis_types) != {jax.sharding.AxisType.Explicit}:
        raise FixtureError(f"jax.make_mesh's default axes are {explicit_mesh.axis_types}, not explicit")
    with ThreadPoolExecutor(max_workers=1) as pool:
        lowerer = Lowerer(pool, helpers, mesh)
        fixtures = router_fixtures(lowerer, router)
        fixtures += explicit_router_fixtures(lowerer, explicit, explicit_mesh)
        fixtures += [case_fixture(lowerer, cases, case) for case in CASES]
        slices = load_model("slices")
        fixtures += [case_fixture(lowerer, slices, case) for case in SLICE_CASES]
        decode = load_model("decode")
        fixtures += [case_fixture(lowerer, decode, case) for case in DECODE_CASES]
        fixtures.append(export_fixture(lowerer, router))
    return fixtures


# --------------------------------------------------------------------------------------------------------------------
# PyTorch/XLA-style fixtures: our own text in the dialect torch_xla's get_stablehlo prints (module @IrToHlo.N, ui32/i64
# row iotas, `compare  EQ` with two spaces, generic gather/scatter/sort, constants instead of iotas for torch.arange).

TORCHXLA_MODULE_ATTRS = (
    "mhlo.cross_program_prefetches = [], mhlo.input_output_alias = [], mhlo.is_dynamic = false, "
    "mhlo.use_auto_spmd_partitioning = false"
)
TORCHXLA_SHARDING = "{devices=[4,1,2]0,1,2,3,4,5,6,7 last_tile_dim_replicate}"
# MLIR prints dense constants with more than this many elements as a hex blob.
MLIR_HEX_ELEMENTS_THRESHOLD = 100


def t(*dims_and_type) -> str:
    """tensor<AxBxT> from (A, B, T)."""
    return f"tensor<{'x'.join(str(d) for d in dims_and_type)}>"


def i64_arange(n: int) -> str:
    """`torch.arange(n)` as torch-xla prints it: an i64 constant, as a list or (when long) a little-endian hex blob."""
    if n <= MLIR_HEX_ELEMENTS_THRESHOLD:
        return f"dense<[{', '.join(str(i) for i in range(n))}]>"
    return 'dense<"0x' + "".join(i.to_bytes(8, "little").hex().upper() for i in range(n)) + '">'


def i64_dense(values: list[int], shape: tuple[int, ...]) -> str:
    """An i64 constant's payload as MLIR prints it: nested lists, or past the threshold a little-endian hex blob."""
    if len(values) > MLIR_HEX_ELEMENTS_THRESHOLD:
        return 'dense<"0x' + "".join(v.to_bytes(8, "little", signed=True).hex().upper() for v in values) + '">'

    def nested(flat: list[int], dims: tuple[int, ...]) -> str:
        if not dims:
            return str(flat[0])
        step = len(flat) // dims[0]
        return "[" + ", ".join(nested(flat[i * step : (i + 1) * step], dims[1:]) for i in range(dims[0])) + "]"

    return f"dense<{nested(values, shape)}>"


def torchxla_module(number: int, arg_types: list[str], result: str, body: list[str], sharded: bool) -> str:
    """Wrap body lines (indented relative to the function body) in torch-xla's module and @main header."""
    attr = f' {{mhlo.sharding = "{TORCHXLA_SHARDING}"}}' if sharded else ""
    params = ", ".join(f"%arg{i}: {ty}{attr}" for i, ty in enumerate(arg_types))
    lines = [
        f"module @IrToHlo.{number} attributes {{{TORCHXLA_MODULE_ATTRS}}} {{",
        f"  func.func @main({params}) -> {result} {{",
        *(f"    {line}" for line in body),
        "  }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def torchxla_gather(b: int, e: int, k: int, sharded: bool) -> str:
    """logits.gather(1, idx): ui32 row iota concatenated with the converted indices."""
    idx, rows, pairs, out = t(b, k, "i64"), t(b, k, 1, "ui32"), t(b, k, 2, "ui32"), t(b, k, "f32")
    body = [
        f"%0 = stablehlo.iota dim = 0 : {t(b, 'ui32')}",
        f"%1 = stablehlo.broadcast_in_dim %0, dims = [0] : ({t(b, 'ui32')}) -> {rows}",
        f"%2 = stablehlo.convert %arg0 : ({idx}) -> {t(b, k, 'ui32')}",
        f"%3 = stablehlo.reshape %2 : ({t(b, k, 'ui32')}) -> {rows}",
        f"%4 = stablehlo.concatenate %1, %3, dim = 2 : ({rows}, {rows}) -> {pairs}",
        '%5 = "stablehlo.gather"(%arg1, %4) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1], '
        "start_index_map = [0, 1], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}>"
        f" : ({t(b, e, 'f32')}, {pairs}) -> {out}",
        f"return %5 : {out}",
    ]
    return torchxla_module(9, [idx, t(b, e, "f32")], out, body, sharded)


def torchxla_gather_arange(b: int, e: int, k: int, sharded: bool) -> str:
    """logits[torch.arange(B)[:, None], idx]: the rows are the constant torch.arange(B), not an iota."""
    idx, rows, pairs, out = t(b, k, "i64"), t(b, k, 1, "i64"), t(b, k, 2, "i64"), t(b, k, "f32")
    body = [
        f"%c = stablehlo.constant {i64_dense(list(range(b)), (b,))} : {t(b, 'i64')}",
        f"%0 = stablehlo.broadcast_in_dim %c, dims = [0] : ({t(b, 'i64')}) -> {rows}",
        f"%1 = stablehlo.reshape %arg0 : ({idx}) -> {rows}",
        f"%2 = stablehlo.concatenate %0, %1, dim = 2 : ({rows}, {rows}) -> {pairs}",
        '%3 = "stablehlo.gather"(%arg1, %2) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1], '
        "start_index_map = [0, 1], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}>"
        f" : ({t(b, e, 'f32')}, {pairs}) -> {out}",
        f"return %3 : {out}",
    ]
    return torchxla_module(11, [idx, t(b, e, "f32")], out, body, sharded)


def torchxla_scatter_arange(b: int, g: int, top: int, sharded: bool) -> str:
    """gs.index_put_((torch.arange(B)[:, None], gidx), 1.0) with the row constant folded to its [B, top, 1] shape."""
    idx, rows, pairs, out = t(b, top, "i64"), t(b, top, 1, "i64"), t(b, top, 2, "i64"), t(b, g, "f32")
    folded = [row for row in range(b) for _ in range(top)]
    body = [
        f"%cst = stablehlo.constant dense<1.000000e+00> : {t(b, top, 'f32')}",
        f"%c = stablehlo.constant {i64_dense(folded, (b, top, 1))} : {rows}",
        f"%0 = stablehlo.reshape %arg0 : ({idx}) -> {rows}",
        f"%1 = stablehlo.concatenate %c, %0, dim = 2 : ({rows}, {rows}) -> {pairs}",
        '%2 = "stablehlo.scatter"(%arg1, %1, %cst) <{indices_are_sorted = false, scatter_dimension_numbers = '
        "#stablehlo.scatter<inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 2>"
        ", unique_indices = false}> ({",
        "^bb0(%arg2: tensor<f32>, %arg3: tensor<f32>):",
        "  stablehlo.return %arg3 : tensor<f32>",
        f"}}) : ({out}, {pairs}, {t(b, top, 'f32')}) -> {out}",
        f"return %2 : {out}",
    ]
    return torchxla_module(23, [idx, out], out, body, sharded)


def torchxla_scatter_set(b: int, g: int, top: int, sharded: bool) -> str:
    """torch.zeros_like(gs).scatter_(1, gidx, 1): i64 row iota concatenated with the group indices."""
    idx, rows, pairs, out = t(b, top, "i64"), t(b, top, 1, "i64"), t(b, top, 2, "i64"), t(b, g, "f32")
    body = [
        f"%cst = stablehlo.constant dense<1.000000e+00> : {t(b, top, 'f32')}",
        f"%cst_0 = stablehlo.constant dense<0.000000e+00> : {out}",
        f"%0 = stablehlo.iota dim = 0 : {t(b, 'i64')}",
        f"%1 = stablehlo.broadcast_in_dim %0, dims = [0] : ({t(b, 'i64')}) -> {rows}",
        f"%2 = stablehlo.reshape %arg0 : ({idx}) -> {rows}",
        f"%3 = stablehlo.concatenate %1, %2, dim = 2 : ({rows}, {rows}) -> {pairs}",
        '%4 = "stablehlo.scatter"(%cst_0, %3, %cst) <{indices_are_sorted = false, scatter_dimension_numbers = '
        "#stablehlo.scatter<inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 2>"
        ", unique_indices = false}> ({",
        "^bb0(%arg1: tensor<f32>, %arg2: tensor<f32>):",
        "  stablehlo.return %arg2 : tensor<f32>",
        f"}}) : ({out}, {pairs}, {t(b, top, 'f32')}) -> {out}",
        f"return %4 : {out}",
    ]
    return torchxla_module(21, [idx], out, body, sharded)


def torchxla_onehot_any(b: int, g: int, top: int, sharded: bool) -> str:
    """(gidx.unsqueeze(-1) == torch.arange(G)).any(dim=1): the hazard-free group mask."""
    idx, wide, hits, out = t(b, top, "i64"), t(b, top, g, "i64"), t(b, top, g, "i1"), t(b, g, "f32")
    body = [
        "%c = stablehlo.constant dense<true> : tensor<i1>",
        "%c_0 = stablehlo.constant dense<false> : tensor<i1>",
        f"%c_1 = stablehlo.constant {i64_arange(g)} : {t(g, 'i64')}",
        f"%0 = stablehlo.broadcast_in_dim %arg0, dims = [0, 1] : ({idx}) -> {wide}",
        f"%1 = stablehlo.broadcast_in_dim %c_1, dims = [2] : ({t(g, 'i64')}) -> {wide}",
        f"%2 = stablehlo.compare  EQ, %0, %1 : ({wide}, {wide}) -> {hits}",
        f"%3 = stablehlo.reduce(%2 init: %c_0) across dimensions = [1] : ({hits}, tensor<i1>) -> {t(b, g, 'i1')}",
        " reducer(%arg1: tensor<i1>, %arg2: tensor<i1>)  {",
        "  %5 = stablehlo.or %arg1, %arg2 : tensor<i1>",
        "  %6 = stablehlo.select %5, %c, %c_0 : tensor<i1>, tensor<i1>",
        "  stablehlo.return %6 : tensor<i1>",
        "}",
        f"%4 = stablehlo.convert %3 : ({t(b, g, 'i1')}) -> {out}",
        f"return %4 : {out}",
    ]
    return torchxla_module(25, [idx], out, body, sharded)


def torchxla_onehot_einsum(b: int, e: int, k: int, sharded: bool) -> str:
    """torch.einsum("be,bke->bk", logits, (idx.unsqueeze(-1) == torch.arange(E)).to(dtype)): hazard-free weights."""
    idx, wide, onehot, out = t(b, k, "i64"), t(b, k, e, "i64"), t(b, k, e, "f32"), t(b, k, "f32")
    body = [
        f"%c = stablehlo.constant {i64_arange(e)} : {t(e, 'i64')}",
        f"%0 = stablehlo.broadcast_in_dim %arg0, dims = [0, 1] : ({idx}) -> {wide}",
        f"%1 = stablehlo.broadcast_in_dim %c, dims = [2] : ({t(e, 'i64')}) -> {wide}",
        f"%2 = stablehlo.compare  EQ, %0, %1 : ({wide}, {wide}) -> {t(b, k, e, 'i1')}",
        f"%3 = stablehlo.convert %2 : ({t(b, k, e, 'i1')}) -> {onehot}",
        "%4 = stablehlo.dot_general %arg1, %3, batching_dims = [0] x [0], contracting_dims = [1] x [2], precision = "
        '[DEFAULT, DEFAULT] {mhlo.frontend_attributes = {grad_x = "false", grad_y = "false"}} : '
        f"({t(b, e, 'f32')}, {onehot}) -> {out}",
        f"return %4 : {out}",
    ]
    return torchxla_module(13, [idx, t(b, e, "f32")], out, body, sharded)


def torchxla_topk(b: int, e: int, k: int, sharded: bool) -> str:
    """torch.topk(logits, k, dim=-1, sorted=False): an iota over the expert axis feeding a sort; not a hazard."""
    logits, lanes, values, indices = t(b, e, "f32"), t(b, e, "i32"), t(b, k, "f32"), t(b, k, "i64")
    body = [
        f"%0 = stablehlo.iota dim = 0 : {t(e, 'i32')}",
        f"%1 = stablehlo.broadcast_in_dim %0, dims = [1] : ({t(e, 'i32')}) -> {lanes}",
        '%2:2 = "stablehlo.sort"(%arg0, %1) <{dimension = 1 : i64, is_stable = false}> ({',
        "^bb0(%arg1: tensor<f32>, %arg2: tensor<f32>, %arg3: tensor<i32>, %arg4: tensor<i32>):",
        "  %6 = stablehlo.compare  GT, %arg1, %arg2,  TOTALORDER : (tensor<f32>, tensor<f32>) -> tensor<i1>",
        "  stablehlo.return %6 : tensor<i1>",
        f"}}) : ({logits}, {lanes}) -> ({logits}, {lanes})",
        f"%3 = stablehlo.slice %2#0 [0:{b}, 0:{k}] : ({logits}) -> {values}",
        f"%4 = stablehlo.slice %2#1 [0:{b}, 0:{k}] : ({lanes}) -> {t(b, k, 'i32')}",
        f"%5 = stablehlo.convert %4 : ({t(b, k, 'i32')}) -> {indices}",
        f"return %3, %5 : {values}, {indices}",
    ]
    return torchxla_module(16, [logits], f"({values}, {indices})", body, sharded)


@dataclass(frozen=True)
class TorchShape:
    tag: str
    tokens: int
    experts: int
    top_k: int
    groups: int = 8
    top_groups: int = 4


TORCHXLA_SHAPES = (TorchShape("b32e64k6", 32, 64, 6), TorchShape("b128e256k8", 128, 256, 8))


def torchxla_fixtures() -> list[Fixture]:
    """Each building block x two shapes x with/without SPMD argument shardings."""
    fixtures = []
    for s in TORCHXLA_SHAPES:
        blocks = {
            "gather": (torchxla_gather, (s.tokens, s.experts, s.top_k), f"logits.gather(1, idx), logits "
                       f"[{s.tokens}, {s.experts}], idx [{s.tokens}, {s.top_k}] i64, ui32 row iota",
                       (Expect("HF002", "stablehlo.gather"),)),
            "scatter_set": (torchxla_scatter_set, (s.tokens, s.groups, s.top_groups), f"zeros_like(gs).scatter_(1, "
                            f"gidx, 1), gs [{s.tokens}, {s.groups}], gidx [{s.tokens}, {s.top_groups}] i64, i64 row "
                            "iota", (Expect("HF003", "stablehlo.scatter"),)),
            "gather_arange": (torchxla_gather_arange, (s.tokens, s.experts, s.top_k), f"logits[torch.arange("
                              f"{s.tokens})[:, None], idx], logits [{s.tokens}, {s.experts}], idx [{s.tokens}, "
                              f"{s.top_k}] i64; the rows are an i64 constant, as torch_xla prints torch.arange",
                              (Expect("HF002", "stablehlo.gather"),)),
            "scatter_arange": (torchxla_scatter_arange, (s.tokens, s.groups, s.top_groups), f"gs.index_put_(("
                               f"torch.arange({s.tokens})[:, None], gidx), 1.0), gs [{s.tokens}, {s.groups}], gidx "
                               f"[{s.tokens}, {s.top_groups}] i64; the row constant folded to [{s.tokens}, "
                               f"{s.top_groups}, 1]", (Expect("HF003", "stablehlo.scatter"),)),
            "onehot_any": (torchxla_onehot_any, (s.tokens, s.groups, s.top_groups), f"(gidx.unsqueeze(-1) == "
                           f"arange({s.groups})).any(1), gidx [{s.tokens}, {s.top_groups}] (hazard-free)", ()),
            "onehot_einsum": (torchxla_onehot_einsum, (s.tokens, s.experts, s.top_k), f"einsum('be,bke->bk', "
                              f"logits, onehot(idx, {s.experts})), logits [{s.tokens}, {s.experts}] (hazard-free)", ()),
            "topk": (torchxla_topk, (s.tokens, s.experts, s.top_k), f"torch.topk(logits, {s.top_k}), logits "
                     f"[{s.tokens}, {s.experts}]: iota over the expert axis + sort (hazard-free)", ()),
        }
        for kind, (emit, dims, what, expect) in blocks.items():
            for sharded in (True, False):
                name = f"torchxla_{kind}_{s.tag}_{'spmd' if sharded else 'nospmd'}.mlir"
                where = f"; arguments sharded {TORCHXLA_SHARDING}" if sharded else "; no sharding"
                fixtures.append(Fixture(name, what + where, "torchxla-style", emit(*dims, sharded), sharded, expect))
    return fixtures


# --------------------------------------------------------------------------------------------------------------------


def check_parses(fixtures: list[Fixture]) -> None:
    """Every fixture must be valid MLIR for jaxlib's parser (the emitter's text above all)."""
    context = jax_mlir.make_ir_context()
    for fixture in fixtures:
        try:
            ir.Module.parse(fixture.text, context=context)
        except ir.MLIRError as error:
            raise FixtureError(f"{fixture.name} does not parse: {error}") from error


def write(out_dir: Path, fixtures: list[Fixture], manifest: dict) -> None:
    """Write every fixture and the manifest, and drop *.mlir files left over from fixtures that no longer exist."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {f.name for f in fixtures}
    for stale in sorted(out_dir.glob("*.mlir")):
        if stale.name not in names:
            print(f"removing stale {stale}", file=sys.stderr)
            stale.unlink()
    for fixture in fixtures:
        (out_dir / fixture.name).write_bytes(fixture.text.encode("utf-8"))
    (out_dir / "MANIFEST.json").write_bytes((json.dumps(manifest, indent=2) + "\n").encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "fixtures", help="output folder (default: fixtures/)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    fixtures = jax_fixtures() + torchxla_fixtures()
    if len({f.name for f in fixtures}) != len(fixtures):
        raise FixtureError("two fixtures share a name")
    check_parses(fixtures)
    manifest = build_manifest(fixtures)
    write(args.out, fixtures, manifest)
    print(f"wrote {len(fixtures)} fixtures to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
