"""The rules on JAX exports that no fixture holds: lowered here, inside the test, then linted.

Protects what issue 3 promises for exports we have not seen: every row-iota gather/scatter, flat-index gather and
sharded iota is reported with the right code and severity on the op's own line, whatever the router, shapes, table
and index dtypes, mesh axes (1 or 2), partitioner (Shardy or GSPMD) and where the sharding is given (arguments,
results only, `with_sharding_constraint`); control flow (scan, fori_loop, cond, nested jit) does not hide a hazard;
and the hazard-free forms (expert-axis iotas, take_along_axis, one-hot, shard_map bodies, embedding lookups) stay
silent. PyTorch/XLA is not installed here: its output is written by hand in the shape torch_xla prints.

Severity (MANIFEST conventions): HF001-HF004 are errors when the dimension at issue is sharded, warnings when it is
not; HF005 is a warning on any gather/scatter whose index spans several operand dims (or a flattened table) with an
indexed extent above 256 (largest index > 255 is inexact in bf16, the default index float).

The mesh is an `AbstractMesh`, so nothing needs 8 real devices. Cases marked xfail(strict) are bugs in hlo-fix that
these tests found; the reason says what is wrong.
"""

from __future__ import annotations

import re

import pytest

import hlo_fix
from tests.lowering import jax_flags

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

from jax.sharding import AbstractMesh, AxisType, NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

MESH = AbstractMesh((4, 2), ("batch", "model"), axis_types=(AxisType.Auto, AxisType.Auto))
ROWS = P("batch")  # batch dim over the 4-way axis
ROWS_2AXIS = P(("batch", "model"))  # batch dim over both axes (8 ways)
SEQ = P(None, "model")  # dim 1 (sequence) over the 2-way axis
F32, BF16, F16 = jnp.float32, jnp.bfloat16, jnp.float16
I32, I64, U32 = jnp.int32, jnp.int64, jnp.uint32
PARTITIONERS = ("shardy", "gspmd")


# ----------------------------------------------------------------------------------------------------------------
# Helpers: lower a function, lint it, and say which line an op is on.


def _named(spec):
    return None if spec is None else NamedSharding(MESH, spec)


def lower(fn, *args, ins=None, outs=None, partitioner="shardy", x64=False, debug_info=False) -> str:
    """StableHLO text of `jax.jit(fn)` for `args` ((shape, dtype) pairs). `ins`/`outs` are PartitionSpecs over MESH
    (None: no sharding given); `partitioner` picks Shardy or GSPMD output."""
    kwargs = {}
    if ins is not None:
        kwargs["in_shardings"] = tuple(_named(spec) for spec in ins)
    if outs is not None:
        kwargs["out_shardings"] = _named(outs) if isinstance(outs, P) else tuple(_named(s) for s in outs)
    flags = {"jax_use_shardy_partitioner": partitioner == "shardy", "jax_enable_x64": x64}
    with jax_flags(**flags), jax.sharding.use_abstract_mesh(MESH):
        shapes = [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in args]
        lowered = jax.jit(fn, **kwargs).trace(*shapes).lower(lowering_platforms=("cpu",))
        return lowered.as_text(debug_info=True) if debug_info else lowered.as_text()


def findings(text: str, **options) -> set[tuple[int, str, str]]:
    """(line, code, severity) of every finding."""
    return {(f.row, f.code, f.severity) for f in hlo_fix.lint_text(text, "unseen.mlir", **options)}


def op_line(text: str, op: str, nth: int = 0) -> int:
    """1-based line of the `nth` operation named `op` (`%3 = stablehlo.iota`, `%7 = "stablehlo.gather"(`)."""
    pattern = re.compile(rf'= "?{re.escape(op)}"?[ (]')
    lines = [i for i, line in enumerate(text.split("\n"), 1) if pattern.search(line)]
    assert len(lines) > nth, f"the module has {len(lines)} {op} ops"
    return lines[nth]


def at(text: str, op: str, *codes: tuple[str, str], nth: int = 0) -> set[tuple[int, str, str]]:
    """Expected findings on one op: `at(text, "stablehlo.gather", ("HF002", "error"), ("HF005", "warning"))`."""
    line = op_line(text, op, nth)
    return {(line, code, severity) for code, severity in codes}


def expect_access(text: str, op: str, code: str, severity: str, extent: int, nth: int = 0):
    """A row-iota finding on the gather/scatter, plus HF005 when the indexed extent's largest index exceeds 256."""
    codes = [(code, severity)] + ([("HF005", "warning")] if extent - 1 > 256 else [])
    return at(text, op, *codes, nth=nth)


def rows(n: int):
    """`jnp.arange(n)[:, None]`: the row iota of `x[rows, idx]`."""
    return jnp.arange(n)[:, None]


# The idioms under test (each takes the table first).
def gather_rows(x, idx):
    return x[rows(x.shape[0]), idx]


def scatter_set(x, idx, v):
    return x.at[rows(x.shape[0]), idx].set(v)


def scatter_set_one(x, idx):
    return x.at[rows(x.shape[0]), idx].set(1)


def scatter_add(x, idx, v):
    return x.at[rows(x.shape[0]), idx].add(v)


def scatter_max(x, idx, v):
    return x.at[rows(x.shape[0]), idx].max(v)


def scatter_min(x, idx, v):
    return x.at[rows(x.shape[0]), idx].min(v)


def flat_gather(x, idx):
    b, e = x.shape
    return x.reshape(-1)[rows(b) * e + idx]


def router(x, logits, k=4):
    _, idx = jax.lax.top_k(logits, k)
    return x[rows(x.shape[0]), idx]


# ----------------------------------------------------------------------------------------------------------------
# HF002 row-iota-gather


@pytest.mark.parametrize("b,e,k", [(8, 16, 1), (32, 64, 2), (128, 256, 6)])
@pytest.mark.parametrize("table", [F32, BF16, F16], ids=["f32", "bf16", "f16"])
def test_row_iota_gather_other_shapes_and_table_dtypes(b, e, k, table):
    text = lower(gather_rows, ((b, e), table), ((b, k), I32), ins=(ROWS, ROWS), outs=ROWS)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", b * e)


@pytest.mark.parametrize(
    "index,x64",
    [(I32, False), (I64, True), (U32, False), (jnp.int16, False)],
    ids=["i32", "i64-x64", "ui32-no-normalization", "i16"],
)
def test_row_iota_gather_index_dtypes(index, x64):
    text = lower(gather_rows, ((32, 64), F32), ((32, 6), index), ins=(ROWS, ROWS), outs=ROWS, x64=x64)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", 32 * 64)


def _lax_gather_rows(x, idx):
    """The row-iota gather written with lax.gather: no negative-index normalization at all."""
    b, k = idx.shape
    start = jnp.stack([jnp.broadcast_to(rows(b), (b, k)), idx], axis=-1)
    numbers = jax.lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0, 1), start_index_map=(0, 1))
    return jax.lax.gather(x, start, numbers, slice_sizes=(1, 1))


INDEX_MODES = {
    "default": gather_rows,
    "clip": lambda x, idx: x.at[rows(x.shape[0]), idx].get(mode="clip"),
    "fill": lambda x, idx: x.at[rows(x.shape[0]), idx].get(mode="fill", fill_value=0),
    "promise_in_bounds": lambda x, idx: x.at[rows(x.shape[0]), idx].get(mode="promise_in_bounds"),
    "no_wrap_negative": lambda x, idx: x.at[rows(x.shape[0]), idx].get(wrap_negative_indices=False),
    "lax_gather": _lax_gather_rows,
    "broadcasted_iota": lambda x, idx: x[jax.lax.broadcasted_iota(jnp.int32, idx.shape, 0), idx],
    "arange_reshape": lambda x, idx: x[jnp.arange(x.shape[0]).reshape(-1, 1), idx],
    "meshgrid": lambda x, idx: x[jnp.meshgrid(*map(jnp.arange, idx.shape), indexing="ij")[0], idx],
    "reversed_rows": lambda x, idx: x[(x.shape[0] - 1 - jnp.arange(x.shape[0]))[:, None], idx],
    "one_pick_per_row": lambda x, idx: x[jnp.arange(x.shape[0]), idx[:, 0]],
}


@pytest.mark.parametrize("mode", sorted(INDEX_MODES))
def test_row_iota_gather_with_and_without_index_normalization(mode):
    text = lower(INDEX_MODES[mode], ((32, 64), F32), ((32, 6), I32), ins=(ROWS, ROWS), outs=ROWS)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", 32 * 64)


def _constrained_gather(x, idx):
    x = jax.lax.with_sharding_constraint(x, ROWS)
    return gather_rows(x, jax.lax.with_sharding_constraint(idx, ROWS))


SHARDING_SOURCES = {
    # name: (function, in specs, out specs)
    "arguments_and_results": (gather_rows, (ROWS, ROWS), ROWS),
    "two_axes": (gather_rows, (ROWS_2AXIS, ROWS_2AXIS), ROWS_2AXIS),
    "batch_and_model": (gather_rows, (P("batch", "model"), ROWS), ROWS),
    "results_only": (gather_rows, None, ROWS),
    "with_sharding_constraint_only": (_constrained_gather, None, None),
    "table_only": (gather_rows, (ROWS, None), P()),
    "inputs_sharded_result_replicated": (gather_rows, (ROWS, ROWS), P()),
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("source", sorted(SHARDING_SOURCES))
def test_row_iota_gather_is_an_error_wherever_the_batch_sharding_comes_from(source, partitioner):
    fn, ins, outs = SHARDING_SOURCES[source]
    text = lower(fn, ((32, 64), F32), ((32, 6), I32), ins=ins, outs=outs, partitioner=partitioner)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", 32 * 64)


def test_row_iota_gather_without_any_sharding_is_a_warning():
    text = lower(gather_rows, ((32, 64), F32), ((32, 6), I32))
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "warning", 32 * 64)


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_row_iota_gather_is_a_warning_when_only_the_expert_axis_is_sharded(partitioner):
    text = lower(gather_rows, ((32, 64), F32), ((32, 6), I32), ins=(SEQ, None), partitioner=partitioner)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "warning", 32 * 64)


def test_row_iota_gather_with_slices_of_a_wide_table():
    """`x[rows, idx]` on a (B, E, D) table gathers D-wide slices (offset dims): the index is still row-iota."""
    text = lower(gather_rows, ((32, 64, 16), F32), ((32, 6), I32), ins=(ROWS, ROWS), outs=ROWS)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", 32 * 64)


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_row_iota_on_the_second_index_component(partitioner):
    """`x[idx, arange(B)[None, :]]` on an (E, B) table sharded on B: the iota is the column component."""
    fn = lambda x, idx: x[idx, jnp.arange(x.shape[1])[None, :]]  # noqa: E731
    text = lower(fn, ((64, 32), F32), ((6, 32), I32), ins=(P(None, "batch"),) * 2, outs=P(None, "batch"),
                 partitioner=partitioner)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", 64 * 32)


@pytest.mark.parametrize("sharded_dim", [0, 1], ids=["batch-sharded", "sequence-sharded"])
def test_3d_gather_with_two_row_iotas_is_one_finding(sharded_dim):
    def gather_3d(x, idx):
        b, s, _ = x.shape
        return x[jnp.arange(b)[:, None, None], jnp.arange(s)[None, :, None], idx]

    spec = P(*([None] * sharded_dim), "batch")
    text = lower(gather_3d, ((8, 16, 64), F32), ((8, 16, 4), I32), ins=(spec, spec), outs=spec)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", 8 * 16 * 64)


# ----------------------------------------------------------------------------------------------------------------
# The router (top_k + gather) under control flow and nested jit


def _scan_router(x, logits):
    def step(carry, xs):
        return carry, router(*xs)

    return jax.lax.scan(step, 0, (x, logits))[1]


def _fori_router(x, logits):
    def body(i, acc):
        return acc + router(x * i, logits)

    return jax.lax.fori_loop(0, 3, body, jnp.zeros((x.shape[0], 4), x.dtype))


_jitted_router = jax.jit(router)


def _nested_jit_router(x, logits):
    return _jitted_router(x, logits) * 2


def _cond_router(x, logits, p):
    return jax.lax.cond(p > 0, router, lambda x, l: jnp.zeros((x.shape[0], 4), x.dtype), x, logits)


ROUTERS = {
    # name: (function, args, in specs, out spec)
    "plain": (router, (((32, 64), F32), ((32, 64), F32)), (ROWS, ROWS), ROWS),
    "bf16": (router, (((32, 64), BF16), ((32, 64), BF16)), (ROWS, ROWS), ROWS),
    "scan": (_scan_router, (((3, 32, 64), F32), ((3, 32, 64), F32)), (P(None, "batch"),) * 2, P(None, "batch")),
    "fori_loop": (_fori_router, (((32, 64), F32), ((32, 64), F32)), (ROWS, ROWS), ROWS),
    "nested_jit": (_nested_jit_router, (((32, 64), F32), ((32, 64), F32)), (ROWS, ROWS), ROWS),
    "cond": (_cond_router, (((32, 64), F32), ((32, 64), F32), ((), I32)), (ROWS, ROWS, None), ROWS),
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("name", sorted(ROUTERS))
def test_router_gather_is_found_through_control_flow_and_calls(name, partitioner):
    fn, args, ins, outs = ROUTERS[name]
    text = lower(fn, *args, ins=ins, outs=outs, partitioner=partitioner)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", 32 * 64)


def test_nested_jit_router_without_sharding_is_a_warning():
    fn, args, _, _ = ROUTERS["nested_jit"]
    text = lower(fn, *args)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "warning", 32 * 64)


def test_finding_names_the_python_line_that_built_the_gather():
    text = lower(gather_rows, ((32, 64), F32), ((32, 6), I32), ins=(ROWS, ROWS), outs=ROWS, debug_info=True)
    hf002 = [f for f in hlo_fix.lint_text(text) if f.code == "HF002"]
    assert len(hf002) == 1 and hf002[0].row == op_line(text, "stablehlo.gather")
    assert hf002[0].source is not None
    assert hf002[0].source.file.endswith("test_rules_unseen_exports.py")
    assert hf002[0].source.line == gather_rows.__code__.co_firstlineno + 1


# ----------------------------------------------------------------------------------------------------------------
# HF003 row-iota-scatter


SCATTERS = {
    # name: (function, args)
    "set_per_element": (scatter_set, (((32, 64), F32), ((32, 6), I32), ((32, 6), F32))),
    "set_constant": (scatter_set_one, (((32, 64), F32), ((32, 6), I32))),
    "add": (scatter_add, (((32, 64), F32), ((32, 6), I32), ((32, 6), F32))),
    "max": (scatter_max, (((32, 64), F32), ((32, 6), I32), ((32, 6), F32))),
    "min_bf16": (scatter_min, (((32, 64), BF16), ((32, 6), I32), ((32, 6), BF16))),
    "add_unique_sorted": (
        lambda x, i, v: x.at[rows(x.shape[0]), i].add(v, unique_indices=True, indices_are_sorted=True),
        (((32, 64), F32), ((32, 6), I32), ((32, 6), F32)),
    ),
    "set_drop_mode": (
        lambda x, i, v: x.at[rows(x.shape[0]), i].set(v, mode="drop"),
        (((32, 64), F32), ((32, 6), I32), ((32, 6), F32)),
    ),
    "set_ui32_index_int_table": (scatter_set_one, (((32, 64), I32), ((32, 6), U32))),
    "group_mask_small": (scatter_set_one, (((8, 16), F32), ((8, 2), I32))),
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("name", sorted(SCATTERS))
def test_row_iota_scatter_variants(name, partitioner):
    fn, args = SCATTERS[name]
    b, e = args[0][0]
    text = lower(fn, *args, ins=(ROWS,) * len(args), outs=ROWS, partitioner=partitioner)
    assert findings(text) == expect_access(text, "stablehlo.scatter", "HF003", "error", b * e)


def test_row_iota_scatter_add_i64_indices_bf16_two_axes():
    args = (((32, 64), BF16), ((32, 6), I64), ((32, 6), BF16))
    text = lower(scatter_add, *args, ins=(ROWS_2AXIS,) * 3, outs=ROWS_2AXIS, x64=True)
    assert findings(text) == expect_access(text, "stablehlo.scatter", "HF003", "error", 32 * 64)


def test_row_iota_scatter_without_sharding_is_a_warning():
    text = lower(scatter_add, ((32, 64), F32), ((32, 6), I32), ((32, 6), F32))
    assert findings(text) == expect_access(text, "stablehlo.scatter", "HF003", "warning", 32 * 64)


# ----------------------------------------------------------------------------------------------------------------
# HF004 flat-index-gather


FLAT_FORMS = {
    "row_times_e_plus_col": flat_gather,
    "col_plus_e_times_row": lambda x, idx: x.reshape(-1)[idx + x.shape[1] * rows(x.shape[0])],
    "scaled_arange_first": lambda x, idx: x.reshape(-1)[(jnp.arange(x.shape[0]) * x.shape[1])[:, None] + idx],
    "one_pick_per_row": lambda x, idx: x.reshape(-1)[jnp.arange(x.shape[0]) * x.shape[1] + idx[:, 0]],
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("form", sorted(FLAT_FORMS))
def test_flat_index_gather_forms(form, partitioner):
    text = lower(FLAT_FORMS[form], ((32, 64), F32), ((32, 6), I32), ins=(ROWS, ROWS), outs=ROWS,
                 partitioner=partitioner)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF004", "error", 32 * 64)


def test_flat_index_gather_small_table_has_no_hf005():
    text = lower(flat_gather, ((8, 16), F32), ((8, 2), I32), ins=(ROWS, ROWS), outs=ROWS)
    assert findings(text) == at(text, "stablehlo.gather", ("HF004", "error"))


def test_flat_index_gather_without_sharding_is_a_warning():
    text = lower(flat_gather, ((32, 64), BF16), ((32, 6), I32))
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF004", "warning", 32 * 64)


def test_flat_index_scatter():
    fn = lambda x, idx: x.reshape(-1).at[rows(32) * 64 + idx].set(1.0).reshape(32, 64)  # noqa: E731
    text = lower(fn, ((32, 64), F32), ((32, 6), I32), ins=(ROWS, ROWS), outs=ROWS)
    assert findings(text) == expect_access(text, "stablehlo.scatter", "HF004", "error", 32 * 64)


def test_flat_index_gather_through_jnp_take():
    fn = lambda x, idx: jnp.take(x.reshape(-1), (jnp.arange(32) * 64)[:, None] + idx)  # noqa: E731
    text = lower(fn, ((32, 64), F32), ((32, 6), I32), ins=(ROWS, ROWS), outs=ROWS)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF004", "error", 32 * 64)


@pytest.mark.parametrize("sharded", [True, False], ids=["sharded", "unsharded"])
def test_flat_index_gather_with_a_flattened_index(sharded):
    fn = lambda x, idx: x.reshape(-1)[(rows(32) * 64 + idx).reshape(-1)].reshape(32, 6)  # noqa: E731
    specs = dict(ins=(ROWS, ROWS), outs=ROWS) if sharded else {}
    text = lower(fn, ((32, 64), F32), ((32, 6), I32), **specs)
    severity = "error" if sharded else "warning"
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF004", severity, 32 * 64)


@pytest.mark.parametrize("op", ["gather", "scatter"])
def test_row_iota_flattened_to_one_index_per_pick(op):
    def access(x, idx):
        b, k = idx.shape
        batch_rows = jnp.repeat(jnp.arange(b), k)
        if op == "gather":
            return x[batch_rows, idx.reshape(-1)].reshape(b, k)
        return x.at[batch_rows, idx.reshape(-1)].set(1.0)

    text = lower(access, ((8, 16), F32), ((8, 2), I32))
    code = "HF002" if op == "gather" else "HF003"
    assert findings(text) == at(text, f"stablehlo.{op}", (code, "warning"))


def test_row_iota_gather_in_a_shape_polymorphic_export():
    batch = jax.export.symbolic_shape("b")[0]
    args = (jax.ShapeDtypeStruct((batch, 64), F32), jax.ShapeDtypeStruct((batch, 6), I32))
    text = jax.export.export(jax.jit(gather_rows))(*args).mlir_module()
    # The extent is unknown (b x 64), so HF005 cannot be decided: only HF002.
    assert findings(text) == at(text, "stablehlo.gather", ("HF002", "warning"))


@pytest.mark.xfail(
    strict=True,
    reason="indices split back out of a stacked (B, K, 2) array (`x[tuple(jnp.stack([rows, idx], -1)"
    ".transpose(2, 0, 1))]`) reach the gather through `slice` of a transposed concatenate, which the index tracer "
    "does not see through: HF002 is missed and HF001 reports the iota instead",
)
def test_row_iota_gather_from_stacked_coordinates():
    def gather_stacked(x, idx):
        coords = jnp.stack([jnp.broadcast_to(rows(x.shape[0]), idx.shape), idx], axis=-1)
        return x[tuple(coords.transpose(2, 0, 1))]

    text = lower(gather_stacked, ((32, 64), F32), ((32, 6), I32), ins=(ROWS, ROWS), outs=ROWS)
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", 32 * 64)


# ----------------------------------------------------------------------------------------------------------------
# HF001 sharded-iota


def add_positions(x):
    return x + jnp.arange(x.shape[1], dtype=x.dtype)[None, :, None]


def causal_scores(q, k):
    scores = jnp.einsum("bqd,bkd->bqk", q, k)
    s = q.shape[1]
    return jnp.where((jnp.arange(s)[:, None] >= jnp.arange(s)[None, :])[None], scores, -1e9)


def rotary(x):
    s, d = x.shape[1], x.shape[2]
    angles = jnp.arange(s, dtype=F32)[:, None] / (10000.0 ** (jnp.arange(0, d, 2) / d))[None, :]
    return x * jnp.concatenate([jnp.cos(angles), jnp.sin(angles)], axis=-1)[None]


def _constrained_causal(q, k):
    return causal_scores(jax.lax.with_sharding_constraint(q, SEQ), k)


SEQ_IOTAS = {
    # name: (function, args, in specs, out spec); the sharded iota is the first of the module.
    "positions": (add_positions, (((4, 64, 16), F32),), (SEQ,), SEQ),
    "causal_mask_query_iota": (causal_scores, (((4, 64, 16), F32),) * 2, (SEQ, None), SEQ),
    "causal_mask_constraint_only": (_constrained_causal, (((4, 64, 16), F32),) * 2, None, None),
    "rotary_angles": (rotary, (((4, 64, 16), F32),), (SEQ,), SEQ),
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("name", sorted(SEQ_IOTAS))
def test_sharded_iota_over_a_sharded_sequence_axis(name, partitioner):
    fn, args, ins, outs = SEQ_IOTAS[name]
    text = lower(fn, *args, ins=ins, outs=outs, partitioner=partitioner)
    assert findings(text) == at(text, "stablehlo.iota", ("HF001", "error"), nth=0)


def test_sharded_iota_two_axis_sequence_sharding():
    spec = P(None, ("batch", "model"))
    text = lower(add_positions, ((4, 64, 16), F32), ins=(spec,), outs=spec)
    assert findings(text) == at(text, "stablehlo.iota", ("HF001", "error"))


def test_sharded_iota_random_bits_counter_over_a_batch_sharded_output():
    """threefry counts with an iota over the output shape: a localizing backend repeats one shard's random
    numbers on every shard, so an iota over the batch-sharded output dim is a real HF001."""
    fn = lambda key: jax.random.uniform(key, (32, 64))  # noqa: E731
    text = lower(fn, ((2,), U32), ins=(None,), outs=ROWS)
    assert findings(text) == at(text, "stablehlo.iota", ("HF001", "error"))


def _cond_positions(x, p):
    s = x.shape[1]
    positions = jax.lax.cond(p > 0, lambda: jnp.arange(s, dtype=x.dtype), lambda: jnp.zeros((s,), x.dtype))
    return x + positions[None, :, None]


def _switch_positions(x, p):
    s = x.shape[1]
    branches = [lambda: jnp.zeros((s,), x.dtype), lambda: jnp.arange(s, dtype=x.dtype)]
    return x + jax.lax.switch(p, branches)[None, :, None]


def _fori_positions(x):
    s = x.shape[1]
    positions = jax.lax.fori_loop(0, 2, lambda i, c: jnp.arange(s, dtype=x.dtype) * 2, jnp.zeros((s,), x.dtype))
    return x + positions[None, :, None]


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("fn", [_cond_positions, _switch_positions, _fori_positions], ids=["cond", "switch", "fori"])
def test_sharded_iota_inside_control_flow_regions(fn, partitioner):
    args = (((4, 64, 16), F32), ((), I32)) if fn is not _fori_positions else (((4, 64, 16), F32),)
    ins = (SEQ, None) if len(args) == 2 else (SEQ,)
    text = lower(fn, *args, ins=ins, outs=SEQ, partitioner=partitioner)
    assert findings(text) == at(text, "stablehlo.iota", ("HF001", "error"))


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_sharded_iota_argmax_over_a_sharded_expert_axis(partitioner):
    """The argmax's iota payload is sharded with the expert axis: HF007 reports the argmax at its reduce (its fix
    replicates the whole reduced dim), and HF001 leaves that iota to it."""
    fn = lambda logits: jnp.argmax(logits, axis=-1)  # noqa: E731
    text = lower(fn, ((32, 64), F32), ins=(P("batch", "model"),), outs=ROWS, partitioner=partitioner)
    assert findings(text) == at(text, "stablehlo.reduce", ("HF007", "error"))


def test_all_iota_index_reports_the_sharded_row_iota():
    """`x[arange(B)[:, None], arange(K)[None, :]]` has no data component, so it is no HF002; the sharded row iota
    is still wrong on every shard but the first (HF001), and the 2-D index is flattened (HF005)."""
    fn = lambda x: x[rows(32), jnp.arange(6)[None, :]]  # noqa: E731
    text = lower(fn, ((32, 64), F32), ins=(ROWS,), outs=ROWS)
    iota = at(text, "stablehlo.iota", ("HF001", "error"), nth=0)
    assert findings(text) == iota | at(text, "stablehlo.gather", ("HF005", "warning"))


# ----------------------------------------------------------------------------------------------------------------
# HF005 inexact-flat-index and the index float


@pytest.mark.parametrize(
    "index_float,b,e,fires",
    [("f16", 32, 64, False), ("f16", 128, 256, True), ("tf32", 32, 64, False), ("f32", 128, 256, False),
     ("bf16", 16, 16, False), ("bf16", 16, 17, True)],
)
def test_hf005_follows_the_index_float(index_float, b, e, fires):
    text = lower(gather_rows, ((b, e), F32), ((b, 2), I32), ins=(ROWS, ROWS), outs=ROWS)
    expected = at(text, "stablehlo.gather", ("HF002", "error"), *([("HF005", "warning")] if fires else []))
    assert findings(text, index_float=index_float) == expected


def test_hf005_on_a_gather_with_two_data_index_components():
    """`t[i, j]` with both indices data is no row-iota hazard, but its 2-D index spans 4096 entries: HF005."""
    fn = lambda t, i, j: t[i, j]  # noqa: E731
    text = lower(fn, ((64, 64), F32), ((32, 6), I32), ((32, 6), I32), ins=(None, ROWS, ROWS), outs=ROWS)
    assert findings(text) == at(text, "stablehlo.gather", ("HF005", "warning"))


# ----------------------------------------------------------------------------------------------------------------
# Silent: the hazard-free forms


def _one_hot_pick(x, idx):
    return jnp.einsum("be,bke->bk", x, (idx[..., None] == jnp.arange(x.shape[1])).astype(x.dtype))


SILENT = {
    # name: (function, args, in specs, out spec)
    "argmax_expert_axis": (lambda l: jnp.argmax(l, -1), (((32, 64), F32),), (ROWS,), ROWS),
    "top_k_expert_axis": (lambda l: jax.lax.top_k(l, 4)[1], (((32, 64), F32),), (ROWS,), ROWS),
    "argsort_expert_axis": (lambda l: jnp.argsort(l, -1), (((32, 64), F32),), (ROWS,), ROWS),
    "take_along_axis": (lambda x, i: jnp.take_along_axis(x, i, 1), (((32, 64), F32), ((32, 6), I32)), (ROWS,) * 2,
                        ROWS),
    "take_along_axis_wide_3d": (lambda x, i: jnp.take_along_axis(x, i, 2), (((8, 16, 4096), F32), ((8, 16, 6), I32)),
                                (ROWS,) * 2, ROWS),
    "one_hot_any_mask": (lambda i: (i[..., None] == jnp.arange(64)).any(1), (((32, 6), I32),), (ROWS,), ROWS),
    "one_hot_einsum": (_one_hot_pick, (((32, 64), BF16), ((32, 6), I32)), (ROWS,) * 2, ROWS),
    "jax_nn_one_hot": (lambda x, i: jnp.einsum("be,bke->bk", x, jax.nn.one_hot(i, 64, dtype=x.dtype)),
                       (((32, 64), F32), ((32, 6), I32)), (ROWS,) * 2, ROWS),
    "vmap_per_row_gather": (jax.vmap(lambda x, i: x[i]), (((32, 64), F32), ((32, 6), I32)), (ROWS,) * 2, ROWS),
    "vmap_per_row_scatter": (jax.vmap(lambda x, i: x.at[i].set(1.0)), (((32, 64), F32), ((32, 6), I32)),
                             (ROWS,) * 2, ROWS),
    "embedding_lookup": (lambda t, ids: t[ids], (((50000, 16), F32), ((4, 64), I32)), (None, ROWS), ROWS),
    "embedding_vocab_sharded": (lambda t, ids: t[ids], (((1000, 16), F32), ((4, 64), I32)), (P("model"), ROWS), ROWS),
    "embedding_jnp_take": (lambda t, ids: jnp.take(t, ids, axis=0), (((1000, 16), F32), ((4, 64), I32)),
                           (None, ROWS), ROWS),
    "causal_mask_batch_sharded": (causal_scores, (((4, 64, 16), F32),) * 2, (ROWS, ROWS), ROWS),
    "positions_batch_sharded": (add_positions, (((4, 64, 16), F32),), (ROWS,), ROWS),
    "rotary_batch_sharded": (rotary, (((4, 64, 16), F32),), (ROWS,), ROWS),
    "iota_over_the_unsharded_dim": (lambda x: x + jax.lax.broadcasted_iota(F32, x.shape, 1), (((32, 64), F32),),
                                    (ROWS,), ROWS),
    "tril_batch_sharded": (jnp.tril, (((8, 32, 32), F32),), (ROWS,), ROWS),
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("name", sorted(SILENT))
def test_hazard_free_forms_are_silent(name, partitioner):
    fn, args, ins, outs = SILENT[name]
    assert findings(lower(fn, *args, ins=ins, outs=outs, partitioner=partitioner)) == set()


def _shard_map(body, specs, out_spec):
    return lambda *args: jax.shard_map(body, mesh=MESH, in_specs=specs, out_specs=out_spec)(*args)


_jitted_gather_rows = jax.jit(gather_rows)

SHARD_MAP_BODIES = {
    "gather": (_shard_map(gather_rows, (ROWS, ROWS), ROWS), (((32, 64), F32), ((32, 6), I32)), (ROWS,) * 2, ROWS),
    "scatter": (_shard_map(scatter_set_one, (ROWS, ROWS), ROWS), (((32, 64), F32), ((32, 6), I32)), (ROWS,) * 2,
                ROWS),
    "flat_gather": (_shard_map(flat_gather, (ROWS, ROWS), ROWS), (((32, 64), F32), ((32, 6), I32)), (ROWS,) * 2,
                    ROWS),
    "positions": (_shard_map(add_positions, (SEQ,), SEQ), (((4, 64, 16), F32),), (SEQ,), SEQ),
    "nested_jit_gather": (_shard_map(lambda x, i: _jitted_gather_rows(x, i) * 2, (ROWS, ROWS), ROWS),
                          (((32, 64), F32), ((32, 6), I32)), (ROWS,) * 2, ROWS),
    "no_jit_shardings": (_shard_map(gather_rows, (ROWS, ROWS), ROWS), (((32, 64), F32), ((32, 6), I32)), None, None),
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("name", sorted(SHARD_MAP_BODIES))
def test_shard_map_bodies_are_silent(name, partitioner):
    fn, args, ins, outs = SHARD_MAP_BODIES[name]
    assert findings(lower(fn, *args, ins=ins, outs=outs, partitioner=partitioner)) == set()


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_the_same_gather_outside_a_shard_map_is_still_reported(partitioner):
    inside = _shard_map(lambda x, i: gather_rows(x, i) * 2, (ROWS, ROWS), ROWS)
    fn = lambda x, i: inside(x, i) + gather_rows(x, i)  # noqa: E731
    text = lower(fn, ((32, 64), F32), ((32, 6), I32), ins=(ROWS, ROWS), outs=ROWS, partitioner=partitioner)
    # Shardy keeps the shard_map body inline (gather 0) and the outside gather comes after it (gather 1); GSPMD
    # moves the body into @shmap_body, printed after @main, so the outside gather is gather 0.
    outside = 1 if partitioner == "shardy" else 0
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", 32 * 64, nth=outside)


# ----------------------------------------------------------------------------------------------------------------
# PyTorch/XLA output (hand-written the way torch_xla prints it: ui32/i64 indices, explicit device lists)


def torchxla_module(args: list[str], result: str, body: list[str]) -> str:
    head = (
        "module @IrToHlo.7 attributes {mhlo.cross_program_prefetches = [], mhlo.input_output_alias = [], "
        "mhlo.is_dynamic = false, mhlo.use_auto_spmd_partitioning = false} {"
    )
    lines = [head, f"  func.func @main({', '.join(args)}) -> {result} {{"]
    lines += [f"    {line}" for line in body]
    return "\n".join(lines + ["  }", "}", ""])


def _arg(n: int, t: str, sharding: str | None) -> str:
    return f'%arg{n}: {t}' + (f' {{mhlo.sharding = "{sharding}"}}' if sharding else "")


TORCH_SHARDINGS = {
    "unsharded": None,
    "batch8_explicit": "{devices=[8,1]0,1,2,3,4,5,6,7}",
    "batch2x4_transposed": "{devices=[2,1,4]0,4,1,5,2,6,3,7 last_tile_dim_replicate}",
}


@pytest.mark.parametrize("sharding", sorted(TORCH_SHARDINGS))
def test_torchxla_gather_dim1_other_shape_bf16(sharding):
    """torch.gather(x, 1, idx) for B=16, E=24, K=3 with a bf16 table and i64 indices converted to ui32."""
    spec = TORCH_SHARDINGS[sharding]
    text = torchxla_module(
        [_arg(0, "tensor<16x3xi64>", spec), _arg(1, "tensor<16x24xbf16>", spec)],
        "tensor<16x3xbf16>",
        [
            "%0 = stablehlo.iota dim = 0 : tensor<16xui32>",
            "%1 = stablehlo.broadcast_in_dim %0, dims = [0] : (tensor<16xui32>) -> tensor<16x3x1xui32>",
            "%2 = stablehlo.convert %arg0 : (tensor<16x3xi64>) -> tensor<16x3xui32>",
            "%3 = stablehlo.reshape %2 : (tensor<16x3xui32>) -> tensor<16x3x1xui32>",
            "%4 = stablehlo.concatenate %1, %3, dim = 2 : (tensor<16x3x1xui32>, tensor<16x3x1xui32>) -> "
            "tensor<16x3x2xui32>",
            '%5 = "stablehlo.gather"(%arg1, %4) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = '
            "[0, 1], start_index_map = [0, 1], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = "
            "array<i64: 1, 1>}> : (tensor<16x24xbf16>, tensor<16x3x2xui32>) -> tensor<16x3xbf16>",
            "return %5 : tensor<16x3xbf16>",
        ],
    )
    severity = "warning" if spec is None else "error"
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", severity, 16 * 24)


def test_torchxla_gather_dim0_row_iota_is_the_second_component():
    """torch.gather(x, 0, idx) on an (E, B) table sharded on B: the iota runs over the index's dim 1."""
    spec = "{devices=[1,4,2]0,1,2,3,4,5,6,7 last_tile_dim_replicate}"
    text = torchxla_module(
        [_arg(0, "tensor<3x16xi64>", spec), _arg(1, "tensor<24x16xf32>", spec)],
        "tensor<3x16xf32>",
        [
            "%0 = stablehlo.convert %arg0 : (tensor<3x16xi64>) -> tensor<3x16xui32>",
            "%1 = stablehlo.reshape %0 : (tensor<3x16xui32>) -> tensor<3x16x1xui32>",
            "%2 = stablehlo.iota dim = 0 : tensor<16xui32>",
            "%3 = stablehlo.broadcast_in_dim %2, dims = [1] : (tensor<16xui32>) -> tensor<3x16x1xui32>",
            "%4 = stablehlo.concatenate %1, %3, dim = 2 : (tensor<3x16x1xui32>, tensor<3x16x1xui32>) -> "
            "tensor<3x16x2xui32>",
            '%5 = "stablehlo.gather"(%arg1, %4) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = '
            "[0, 1], start_index_map = [0, 1], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = "
            "array<i64: 1, 1>}> : (tensor<24x16xf32>, tensor<3x16x2xui32>) -> tensor<3x16xf32>",
            "return %5 : tensor<3x16xf32>",
        ],
    )
    assert findings(text) == expect_access(text, "stablehlo.gather", "HF002", "error", 24 * 16)


def test_torchxla_scatter_add_other_shape():
    """`out.scatter_add_(1, idx, src)` for B=16, G=20, K=2: scatter with an add reducer, i64 indices."""
    spec = "{devices=[4,1,2]0,1,2,3,4,5,6,7 last_tile_dim_replicate}"
    text = torchxla_module(
        [_arg(0, "tensor<16x2xi64>", spec), _arg(1, "tensor<16x2xf32>", spec)],
        "tensor<16x20xf32>",
        [
            "%cst = stablehlo.constant dense<0.000000e+00> : tensor<16x20xf32>",
            "%0 = stablehlo.iota dim = 0 : tensor<16xi64>",
            "%1 = stablehlo.broadcast_in_dim %0, dims = [0] : (tensor<16xi64>) -> tensor<16x2x1xi64>",
            "%2 = stablehlo.reshape %arg0 : (tensor<16x2xi64>) -> tensor<16x2x1xi64>",
            "%3 = stablehlo.concatenate %1, %2, dim = 2 : (tensor<16x2x1xi64>, tensor<16x2x1xi64>) -> "
            "tensor<16x2x2xi64>",
            '%4 = "stablehlo.scatter"(%cst, %3, %arg1) <{indices_are_sorted = false, scatter_dimension_numbers = '
            "#stablehlo.scatter<inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], "
            "index_vector_dim = 2>, unique_indices = false}> ({",
            "^bb0(%arg2: tensor<f32>, %arg3: tensor<f32>):",
            "  %5 = stablehlo.add %arg2, %arg3 : tensor<f32>",
            "  stablehlo.return %5 : tensor<f32>",
            "}) : (tensor<16x20xf32>, tensor<16x2x2xi64>, tensor<16x2xf32>) -> tensor<16x20xf32>",
            "return %4 : tensor<16x20xf32>",
        ],
    )
    assert findings(text) == expect_access(text, "stablehlo.scatter", "HF003", "error", 16 * 20)


def test_torchxla_topk_sort_iota_over_the_expert_axis_is_silent():
    """torch.topk lowers to a sort of (logits, iota over E): the iota runs over the unsharded expert axis."""
    spec = "{devices=[8,1]0,1,2,3,4,5,6,7}"
    text = torchxla_module(
        [_arg(0, "tensor<16x24xf32>", spec)],
        "tensor<16x3xi64>",
        [
            "%0 = stablehlo.iota dim = 0 : tensor<24xi32>",
            "%1 = stablehlo.broadcast_in_dim %0, dims = [1] : (tensor<24xi32>) -> tensor<16x24xi32>",
            '%2:2 = "stablehlo.sort"(%arg0, %1) <{dimension = 1 : i64, is_stable = false}> ({',
            "^bb0(%arg1: tensor<f32>, %arg2: tensor<f32>, %arg3: tensor<i32>, %arg4: tensor<i32>):",
            "  %5 = stablehlo.compare  GT, %arg1, %arg2,  TOTALORDER : (tensor<f32>, tensor<f32>) -> tensor<i1>",
            "  stablehlo.return %5 : tensor<i1>",
            "}) : (tensor<16x24xf32>, tensor<16x24xi32>) -> (tensor<16x24xf32>, tensor<16x24xi32>)",
            "%3 = stablehlo.slice %2#1 [0:16, 0:3] : (tensor<16x24xi32>) -> tensor<16x3xi32>",
            "%4 = stablehlo.convert %3 : (tensor<16x3xi32>) -> tensor<16x3xi64>",
            "return %4 : tensor<16x3xi64>",
        ],
    )
    assert findings(text) == set()
