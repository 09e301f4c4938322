"""HF006 sharded-slice and HF009 sharded-constant on JAX exports that no fixture holds: lowered here, then linted,
fixed and verified on XLA CPU (one device and partitioned over 8).

Protects what issue 11 promises: a slice, chunk or dynamic_slice that narrows a sharded dim (most often the output
features of a column-parallel `x @ W`) and a non-periodic constant along a sharded dim are errors at their own op,
naming the mesh axis and the Python line, whatever the shapes, axis names, partitioner and where the sharding comes
from (arguments, with_sharding_constraint, explicit-axes `out_sharding=`); the hazard-free forms (slices of
unsharded dims, separate projections, shard-local interleaves, shard_map bodies, periodic constants, modules without
sharding, the user's own replicate constraint) stay silent; and the fix computes the original's bits.

The mesh is an `AbstractMesh`, so nothing needs 8 real devices to lower; `verify` brings its own.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

import hlo_fix

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
np = pytest.importorskip("numpy")

from jax.sharding import AbstractMesh, AxisType, NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

from hlo_fix.fix.driver import fix_text  # noqa: E402
from hlo_fix.verify import verify_texts  # noqa: E402

MESH = AbstractMesh((4, 2), ("batch", "model"), axis_types=(AxisType.Auto,) * 2)
OTHER_MESH = AbstractMesh((2, 4), ("data", "tp"), axis_types=(AxisType.Auto,) * 2)
EXPLICIT_MESH = AbstractMesh((2, 4), ("data", "tp"), axis_types=(AxisType.Explicit,) * 2)
F32 = jnp.float32
PARTITIONERS = ("shardy", "gspmd")
CODES = ("HF006", "HF009")


@contextlib.contextmanager
def _partitioner(name: str, x64: bool = False):
    previous = jax.config.jax_use_shardy_partitioner, jax.config.jax_enable_x64
    jax.config.update("jax_use_shardy_partitioner", name == "shardy")
    jax.config.update("jax_enable_x64", x64)
    try:
        yield
    finally:
        jax.config.update("jax_use_shardy_partitioner", previous[0])
        jax.config.update("jax_enable_x64", previous[1])


def lower(fn, *args, ins=None, outs=None, mesh=MESH, partitioner="shardy", debug_info=False, x64=False) -> str:
    """StableHLO text of `jax.jit(fn)` for `args` ((shape, dtype) pairs), `ins`/`outs` PartitionSpecs over `mesh`."""
    kwargs = {}
    if ins is not None:
        kwargs["in_shardings"] = tuple(NamedSharding(mesh, spec) for spec in ins)
    if outs is not None:
        kwargs["out_shardings"] = NamedSharding(mesh, outs)
    with _partitioner(partitioner, x64), jax.sharding.use_abstract_mesh(mesh):
        shapes = [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in args]
        lowered = jax.jit(fn, **kwargs).trace(*shapes).lower(lowering_platforms=("cpu",))
        return lowered.as_text(debug_info=debug_info)


def lower_explicit(fn, *args, partitioner="shardy") -> str:
    """JAX's current way: arguments carrying their shardings over an explicit-axes mesh ((shape, dtype, spec))."""
    with _partitioner(partitioner), jax.sharding.use_abstract_mesh(EXPLICIT_MESH):
        shapes = [
            jax.ShapeDtypeStruct(shape, dtype, sharding=NamedSharding(EXPLICIT_MESH, spec))
            for shape, dtype, spec in args
        ]
        return jax.jit(fn).trace(*shapes).lower(lowering_platforms=("cpu",)).as_text()


def findings(text: str):
    return [f for f in hlo_fix.lint_text(text, "unseen.mlir") if f.code in CODES]


def lines_of(text: str, op: str) -> list[int]:
    """1-based lines of the operations named `op` (`%3 = stablehlo.slice`, `%7 = "stablehlo.slice"(`)."""
    pattern = re.compile(rf'= "?{re.escape(op)}"?[ (]')
    return [i for i, line in enumerate(text.split("\n"), 1) if pattern.search(line)]


def errors_at(text: str, op: str, code: str) -> set[tuple[int, str, str]]:
    return {(line, code, "error") for line in lines_of(text, op)}


def found(text: str) -> set[tuple[int, str, str]]:
    return {(f.row, f.code, f.severity) for f in findings(text)}


def fixed_and_verified(text: str, **options) -> str:
    """Fix, then require the original's bits on one device and over 8, no finding of ours left, a stable fix."""
    result = fix_text(text, "unseen.mlir")
    assert {f.code for f in result.applied} & set(CODES)
    assert [f for f in result.remaining if f.code in CODES] == []
    assert fix_text(result.new_text, "unseen.mlir").new_text == result.new_text
    report = verify_texts(text, result.new_text, seeds=2, spmd=8, **options)
    assert report.ok, report.format()
    assert sorted({run.partitions for run in report.runs}) == [1, 8]
    return result.new_text


# ----------------------------------------------------------------------------------------------------------------
# HF006: slices of a column-parallel projection


def split_projection(parts):
    def fn(x, w):
        pieces = jnp.split(x @ w, parts, axis=-1)
        out = pieces[0]
        for piece in pieces[1:]:
            out = out * piece
        return out

    return fn


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("parts,d,f", [(2, 32, 64), (3, 16, 96), (4, 64, 256), (12, 8, 96)])
def test_every_chunk_of_a_column_parallel_projection_is_an_error(parts, d, f, partitioner):
    text = lower(split_projection(parts), ((8, d), F32), ((d, f), F32), ins=(P("batch", None), P(None, "model")),
                 partitioner=partitioner)
    assert len(lines_of(text, "stablehlo.slice")) == parts
    assert found(text) == errors_at(text, "stablehlo.slice", "HF006")


@pytest.mark.parametrize("mesh,axis,ways", [(MESH, "model", 2), (OTHER_MESH, "tp", 4)])
def test_message_names_the_axis_the_dim_and_the_shard_width(mesh, axis, ways):
    text = lower(split_projection(2), ((8, 16), F32), ((16, 64), F32), ins=(P(), P(None, axis)), mesh=mesh)
    messages = sorted(f.message for f in findings(text))
    assert len(messages) == 2
    assert messages[0].startswith("slice keeps [0:32] of dim 1 (size 64), which is sharded over ")
    assert f'"{axis}" ({ways} ways, {64 // ways} per shard)' in messages[0]
    assert all(f.fix is not None and f.fix.applicability == "safe" for f in findings(text))


def test_finding_names_the_python_line_of_the_split():
    text = lower(split_projection(3), ((8, 16), F32), ((16, 48), F32), ins=(P(), P(None, "model")), debug_info=True)
    sources = {(Path(f.source.file).name, f.source.line) for f in findings(text)}
    assert len(sources) == 1
    name, line = sources.pop()
    assert name == Path(__file__).name
    assert "jnp.split(x @ w, parts, axis=-1)" in Path(__file__).read_text().splitlines()[line - 1]


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_sharding_reaches_the_slice_through_batch_dims_reshapes_and_a_constraint(partitioner):
    """A [B, S, 3*H*D] fused QKV from a 3-D einsum, reshaped to [B, S, 3, H, D] and indexed by q/k/v; the weight is
    replicated and the sharding comes from a with_sharding_constraint on the projection's output."""

    def qkv(x, w):
        y = jax.lax.with_sharding_constraint(jnp.einsum("bsd,df->bsf", x, w), P("batch", None, "model"))
        y = y.reshape(x.shape[0], x.shape[1], 3, 4, 8)
        return y[:, :, 0] * y[:, :, 1] + y[:, :, 2]

    text = lower(qkv, ((4, 16, 32), F32), ((32, 96), F32), partitioner=partitioner)
    slices = lines_of(text, "stablehlo.slice")
    assert len(slices) == 3
    assert found(text) == errors_at(text, "stablehlo.slice", "HF006")


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_explicit_axes_out_sharding_split_is_an_error_and_reshard_first_is_silent(partitioner):
    def split_after_einsum(x, w):
        a, b = jnp.split(jnp.einsum("bd,df->bf", x, w, out_sharding=P("data", "tp")), 2, axis=-1)
        return a * b

    def reshard_then_split(x, w):
        y = jax.sharding.reshard(jnp.einsum("bd,df->bf", x, w, out_sharding=P("data", "tp")), P("data", None))
        a, b = jnp.split(y, 2, axis=-1)
        return a * b

    args = ((8, 16), F32, P("data", None)), ((16, 64), F32, P(None, "tp"))
    text = lower_explicit(split_after_einsum, *args, partitioner=partitioner)
    assert found(text) == errors_at(text, "stablehlo.slice", "HF006")
    assert '"tp"' in findings(text)[0].message or partitioner == "gspmd"
    assert found(lower_explicit(reshard_then_split, *args, partitioner=partitioner)) == set()


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_users_replicate_constraint_before_the_split_is_silent(partitioner):
    def constrained(x, w):
        y = jax.lax.with_sharding_constraint(x @ w, P("batch", None))
        a, b = jnp.split(y, 2, axis=-1)
        return a * b

    text = lower(constrained, ((8, 16), F32), ((16, 64), F32), ins=(P("batch", None), P(None, "model")),
                 partitioner=partitioner)
    assert found(text) == set()


HAZARD_FREE_SLICES = {
    "separate_projections": (
        lambda x, wa, wb: (x @ wa) * (x @ wb), (((8, 16), F32), ((16, 32), F32), ((16, 32), F32)),
        (P("batch", None), P(None, "model"), P(None, "model")),
    ),
    "slice_of_the_unsharded_dim": (
        lambda x: x[:, :8] * x[:, 8:], (((16, 16), F32),), (P("batch", None),),
    ),
    "interleave_whole_strides_per_shard": (
        lambda x: x[:, ::2] * x[:, 1::2], (((8, 32), F32),), (P(None, "model"),),
    ),
    "whole_dim_slice_of_a_sharded_dim": (
        lambda x: jax.lax.slice(x, (0, 1), (16, 4)) * 2, (((16, 4), F32),), (P("batch", None),),
    ),
    "no_sharding_anywhere": (lambda x, w: jnp.split(x @ w, 2, axis=-1)[1], (((8, 16), F32), ((16, 32), F32)), None),
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("case", sorted(HAZARD_FREE_SLICES))
def test_hazard_free_slices_are_silent(case, partitioner):
    fn, args, ins = HAZARD_FREE_SLICES[case]
    assert found(lower(fn, *args, ins=ins, partitioner=partitioner)) == set()


def test_interleave_that_splits_a_stride_across_shards_is_an_error():
    """[8, 12] sharded 4 ways on dim 1: 3 columns a shard, so `x[:, ::2]` does not start each shard at a stride."""
    text = lower(lambda x: x[:, ::2], ((8, 12), F32), ins=(P(None, "batch"),))
    assert found(text) == errors_at(text, "stablehlo.slice", "HF006")
    assert "keeps [0:12:2] of dim 1" in findings(text)[0].message


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_split_inside_shard_map_is_silent(partitioner):
    def local_split(x):
        def body(y):
            a, b = jnp.split(y, 2, axis=-1)
            return a * b

        return jax.shard_map(body, in_specs=P(None, "model"), out_specs=P(None, "model"))(x)

    text = lower(local_split, ((8, 64), F32), ins=(P(None, "model"),), partitioner=partitioner)
    assert lines_of(text, "stablehlo.slice")
    assert found(text) == set()


# ----------------------------------------------------------------------------------------------------------------
# HF006: dynamic_slice windows


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("rows,window,spec", [(64, 16, P("batch", None)), (32, 4, P(("batch", "model"), None))])
def test_batch_window_with_a_runtime_start_is_an_error(rows, window, spec, partitioner):
    fn = lambda x, s: jax.lax.dynamic_slice_in_dim(x, s, window, axis=0)  # noqa: E731
    text = lower(fn, ((rows, 8), F32), ((), jnp.int32), ins=(spec, P()), partitioner=partitioner)
    assert found(text) == errors_at(text, "stablehlo.dynamic_slice", "HF006")
    assert f"keeps {window} of the {rows} elements of dim 0" in findings(text)[0].message


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_window_along_the_unsharded_time_axis_is_silent(partitioner):
    fn = lambda x, s: jax.lax.dynamic_slice_in_dim(x, s, 4, axis=1)  # noqa: E731
    text = lower(fn, ((8, 32, 4), F32), ((), jnp.int32), ins=(P("batch", None, None), P()), partitioner=partitioner)
    assert lines_of(text, "stablehlo.dynamic_slice")
    assert found(text) == set()


def test_micro_batch_windows_in_a_fori_loop_are_an_error_in_the_loop_body():
    def micro_batches(x):
        def body(i, total):
            return total + jax.lax.dynamic_slice_in_dim(x, i * 8, 8, axis=0).sum(0)

        return jax.lax.fori_loop(0, 4, body, jnp.zeros(x.shape[1:], x.dtype))

    text = lower(micro_batches, ((32, 16), F32), ins=(P("batch", None),))
    assert found(text) == errors_at(text, "stablehlo.dynamic_slice", "HF006")
    fixed_and_verified(text)  # the constraint and the clamp go into the loop body, before the window


# ----------------------------------------------------------------------------------------------------------------
# HF009: constants along a sharded dim


def add_positions(table):
    def fn(h):
        h = jax.lax.with_sharding_constraint(h, P(None, "batch", None))
        return h + jnp.asarray(table)[None, :, None].astype(h.dtype)

    return fn


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize(
    "table",
    [
        np.arange(64, dtype=np.int32), np.arange(256, dtype=np.int32)[::-1].copy(),
        np.linspace(0, 1, 64, dtype=np.float32), np.arange(32, dtype=np.int32) % 5,
    ],
    ids=["arange", "reversed-hex", "float", "mod5"],
)
def test_non_periodic_position_table_along_the_sharded_sequence_is_an_error(table, partitioner):
    text = lower(add_positions(table), ((2, len(table), 4), F32), ins=(P(),), partitioner=partitioner)
    hit = findings(text)
    assert len(hit) == 1 and hit[0].fix is not None
    assert found(text) <= errors_at(text, "stablehlo.constant", "HF009")  # at the table, not at a splat
    assert "dim 0" in hit[0].message and ("split 4 ways" in hit[0].message or '"batch"' in hit[0].message)


def test_constant_finding_names_the_python_line_that_uses_it():
    """JAX gives a hoisted constant the jit call's location; the finding names the line that adds it."""
    text = lower(add_positions(np.arange(64, dtype=np.int32)), ((2, 64, 4), F32), ins=(P(),), debug_info=True)
    (hit,) = findings(text)
    assert Path(hit.source.file).name == Path(__file__).name
    assert "jnp.asarray(table)[None, :, None]" in Path(__file__).read_text().splitlines()[hit.source.line - 1]


def test_rope_table_with_i64_positions_and_a_mask_table_are_errors():
    def rope_and_mask(h):
        h = jax.lax.with_sharding_constraint(h, P(None, "model", None))
        s, d = h.shape[1], h.shape[2]
        angles = np.arange(s, dtype=np.int64)[:, None] * (1.0 / 10000 ** (np.arange(d) / d))[None, :]
        mask = np.tril(np.ones((s, s), dtype=bool))[:, :d]
        return jnp.where(jnp.asarray(mask)[None], h * jnp.asarray(np.cos(angles), h.dtype)[None], 0.0)

    text = lower(rope_and_mask, ((2, 16, 8), F32), ins=(P(),), x64=True)
    assert len(lines_of(text, "stablehlo.constant")) >= 2
    rows = {f.row for f in findings(text) if f.code == "HF009"}
    assert len(rows) == 2
    types = {m for f in findings(text) for m in re.findall(r"tensor<\w+>", f.message)}
    assert {"tensor<16x8xf32>", "tensor<16x8xi1>"} <= types


HAZARD_FREE_CONSTANTS = {
    "periodic_over_the_shards": np.tile(np.arange(16, dtype=np.int32), 4),
    "splat": np.full(64, 3, dtype=np.int32),
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("case", sorted(HAZARD_FREE_CONSTANTS))
def test_constants_every_shard_agrees_on_are_silent(case, partitioner):
    text = lower(add_positions(HAZARD_FREE_CONSTANTS[case]), ((2, 64, 4), F32), ins=(P(),), partitioner=partitioner)
    assert found(text) == set()


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_table_along_the_unsharded_dim_and_jnp_arange_get_no_hf009(partitioner):
    def tables(h):
        h = jax.lax.with_sharding_constraint(h, P(None, "batch", None))
        features = jnp.asarray(np.linspace(1, 2, h.shape[2], dtype=np.float32))
        return h * features + jnp.arange(h.shape[1])[None, :, None].astype(h.dtype)

    text = lower(tables, ((2, 64, 8), F32), ins=(P(),), partitioner=partitioner)
    assert {f.code for f in hlo_fix.lint_text(text, "unseen.mlir")} == {"HF001"}  # the iota is HF001's


# ----------------------------------------------------------------------------------------------------------------
# Fixes, verified on XLA CPU


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_chunk_fix_replicates_the_dim_and_verifies(partitioner):
    text = lower(split_projection(3), ((8, 16), F32), ((16, 96), F32), ins=(P("batch", None), P(None, "model")),
                 outs=P("batch", None), partitioner=partitioner)
    new = fixed_and_verified(text)
    if partitioner == "shardy":
        assert new.count("sdy.sharding_constraint") == 3 and "[{?}, {}]>" in new
    else:
        assert new.count('backend_config = "unspecified_dims=[0]", mhlo.sharding = "{replicated}"') == 3


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_dynamic_slice_fix_is_right_where_xla_partitions_the_original_wrongly(partitioner):
    """openxla/xla#49122: starts past the end (here 49..63 for a 16-row window of 64 rows) come out clamped per
    shard when the window stays batch-sharded. The fixed module's partitioned bits equal the original's on one
    device, which the partitioned original's do not (the report then compares with the 1-device run)."""
    fn = lambda x, s: jax.lax.dynamic_slice_in_dim(x, s, 16, axis=0)  # noqa: E731
    text = lower(fn, ((64, 32), F32), ((), jnp.int32), ins=(P("batch", None), P()), outs=P("batch", None),
                 partitioner=partitioner)
    new = fixed_and_verified(text)
    assert "stablehlo.clamp" in new
    report = verify_texts(text, new, seeds=2, spmd=8, index_range=(49, 64), edges=False)
    assert report.ok, report.format()
    assert {run.reference_partitions for run in report.runs if run.partitions == 8} == {1}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_constant_fix_marks_it_replicated_and_verifies(partitioner):
    text = lower(add_positions(np.arange(64, dtype=np.int32)), ((2, 64, 4), F32), ins=(P(),),
                 outs=P(None, "batch", None), partitioner=partitioner)
    new = fixed_and_verified(text)
    assert ("stablehlo.constant {sdy.sharding" in new) == (partitioner == "shardy")


def test_generic_form_slice_is_flagged_and_fixed_into_a_module_jaxlib_parses():
    from jax._src.interpreters import mlir as jax_mlir
    from jax._src.lib.mlir import ir

    text = (
        'module @m attributes {mhlo.num_partitions = 2 : i32} {\n'
        '  sdy.mesh @mesh = <["tp"=2]>\n'
        '  func.func public @main(%arg0: tensor<8x16xf32> {sdy.sharding = #sdy.sharding<@mesh, [{}, {"tp"}]>}) '
        '-> tensor<8x4xf32> {\n'
        '    %0 = "stablehlo.slice"(%arg0) <{limit_indices = array<i64: 8, 10>, start_indices = array<i64: 0, 6>, '
        'strides = array<i64: 1, 1>}> : (tensor<8x16xf32>) -> tensor<8x4xf32>\n'
        '    return %0 : tensor<8x4xf32>\n'
        '  }\n'
        '}\n'
    )
    assert found(text) == errors_at(text, "stablehlo.slice", "HF006") != set()
    assert "keeps [6:10] of dim 1 (size 16)" in findings(text)[0].message
    new = fix_text(text, "generic.mlir").new_text
    ir.Module.parse(new, context=jax_mlir.make_ir_context())
    assert '"stablehlo.slice"(%hf0)' in new
    report = verify_texts(text, new, seeds=1, spmd=2)
    assert report.ok, report.format()


def test_gspmd_unconstrained_dims_of_a_sharding_custom_call_stay_open():
    """`with_sharding_constraint(x, P(P.UNCONSTRAINED, None))` prints `{replicated}` with `unspecified_dims=[0]`:
    dim 0 keeps the batch sharding the argument gives it, dim 1 is replicated (HF006's GSPMD fix relies on it)."""
    from hlo_fix.ir.scanner import read_module
    from hlo_fix.sharding.analysis import ShardingAnalysis
    from hlo_fix.sharding.annotations import custom_call_target

    fn = lambda x: jax.lax.with_sharding_constraint(x, P(P.UNCONSTRAINED, None)) * 2  # noqa: E731
    text = lower(fn, ((16, 8), F32), ins=(P("batch", "model"),), partitioner="gspmd")
    assert 'backend_config = "unspecified_dims=[0]", mhlo.sharding = "{replicated}"' in text
    module = read_module(text, "unconstrained.mlir")
    constraint = next(op for op in module.ops_named("stablehlo.custom_call") if custom_call_target(op) == "Sharding")
    sharding = ShardingAnalysis(module)
    assert sharding.dim(constraint.results[0], 0).ways == 4
    assert not sharding.dim(constraint.results[0], 1).sharded


def test_llama4_fused_gate_up_chunk_made_column_parallel_is_flagged_and_fixed():
    """Real model code: transformers' Llama4 text MoE through torchax (fixtures/transformers) computes
    `gate_up = bmm(x, gate_up_proj)` and `gate, up = gate_up.chunk(2, dim=-1)`. The export replicates the experts'
    weights; sharding `gate_up_proj` [E, H, 2I] column-parallel on its output dim, as a tensor-parallel plan
    would, puts both chunks across the 2 shards of "model"."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "transformers" / "llama4_torchax_shardy.mlir"
    original = path.read_text(encoding="utf-8")
    replicated = '%arg1: tensor<8x32x32xf32> {sdy.sharding = #sdy.sharding<@mesh, [{}, {}, {}]>}'
    assert original.count(replicated) == 1 and found(original) == set()
    text = original.replace(replicated, replicated.replace('[{}, {}, {}]', '[{}, {}, {"model"}]'))
    slices = errors_at(text, "stablehlo.slice", "HF006")
    assert len(slices) == 2 and found(text) == slices
    assert all('dim 2 (size 32), which is sharded over "model"' in f.message for f in findings(text))
    fixed_and_verified(text)


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_two_dim_table_is_judged_along_its_sharded_dim_only(partitioner):
    """A [16, 64] table added to a [2, 16, 64] activation whose feature dim is sharded over "model": rows that differ
    from each other but repeat across the 2 feature shards are periodic; a table counting 0..1023 is not."""

    def add_table(table):
        def fn(h):
            h = jax.lax.with_sharding_constraint(h, P(None, None, "model"))
            return h + jnp.asarray(table)[None].astype(h.dtype)

        return fn

    rows_repeat = np.tile(np.arange(32, dtype=np.int32), (16, 2)) + np.arange(16, dtype=np.int32)[:, None]
    counting = np.arange(16 * 64, dtype=np.int32).reshape(16, 64)
    assert found(lower(add_table(rows_repeat), ((2, 16, 64), F32), ins=(P(),), partitioner=partitioner)) == set()
    text = lower(add_table(counting), ((2, 16, 64), F32), ins=(P(),), partitioner=partitioner)
    (hit,) = findings(text)
    assert "tensor<16x64xi32> differs between the shards of dim 1," in hit.message
    assert "(it counts" not in hit.message  # not an iota along dim 1: it counts along both


def test_generic_form_dynamic_slice_gets_the_constraint_and_the_clamp():
    """PyTorch/XLA prints ops in the generic form: the rewrite renames the operand and the start by position."""
    from jax._src.interpreters import mlir as jax_mlir
    from jax._src.lib.mlir import ir

    text = (
        'module @m attributes {mhlo.num_partitions = 4 : i32} {\n'
        '  func.func public @main(%arg0: tensor<16x8xf32> {mhlo.sharding = "{devices=[4,1]<=[4]}"}, '
        '%arg1: tensor<i64>) -> tensor<4x8xf32> {\n'
        '    %c = stablehlo.constant dense<0> : tensor<i64>\n'
        '    %0 = "stablehlo.dynamic_slice"(%arg0, %arg1, %c) <{slice_sizes = array<i64: 4, 8>}> : '
        '(tensor<16x8xf32>, tensor<i64>, tensor<i64>) -> tensor<4x8xf32>\n'
        '    return %0 : tensor<4x8xf32>\n'
        '  }\n'
        '}\n'
    )
    assert found(text) == errors_at(text, "stablehlo.dynamic_slice", "HF006") != set()
    assert "split 4 ways (4 per shard)" in findings(text)[0].message
    new = fix_text(text, "generic.mlir").new_text
    ir.Module.parse(new, context=jax_mlir.make_ir_context())
    assert re.search(r'"stablehlo.dynamic_slice"\(%hf0, %hf3, %c\)', new), new
    assert "stablehlo.clamp %hf1, %arg1, %hf2" in new and "dense<12> : tensor<i64>" in new
    report = verify_texts(text, new, seeds=2, spmd=4, index_range=(-3, 20))
    assert report.ok, report.format()


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_sharding_reaches_a_split_through_an_embedding_lookup(partitioner):
    """`table[tokens]` takes whole rows: the features of a hidden-sharded table are the lookup's features."""

    def lookup_and_split(table, tokens):
        a, b = jnp.split(table[tokens], 2, axis=-1)
        return a * b

    text = lower(lookup_and_split, ((128, 64), F32), ((4, 16), jnp.int32), ins=(P(None, "model"), P()),
                 partitioner=partitioner)
    assert lines_of(text, "stablehlo.gather")
    assert found(text) == errors_at(text, "stablehlo.slice", "HF006") != set()


def test_gpt_oss_interleaved_gate_up_made_column_parallel_stays_silent():
    """Real model code: transformers' gpt-oss MoE through torchax takes `gate_up[..., ::2]` and `[..., 1::2]` of an
    expert's gathered `gate_up_proj` [E, H, 2I] (plus its gathered bias [E, 2I]). Column-parallel on 2I, weight and
    bias, the interleave is shard-local (16 columns a shard, 8 whole strides), so HF006 stays silent although the
    sliced dim is sharded."""
    from hlo_fix.ir.scanner import read_module
    from hlo_fix.sharding.analysis import ShardingAnalysis

    path = Path(__file__).resolve().parents[1] / "fixtures" / "transformers" / "gpt_oss_torchax_shardy.mlir"
    text = path.read_text(encoding="utf-8")
    for replicated, column in (
        ('%arg2: tensor<8x32x32xf32> {sdy.sharding = #sdy.sharding<@mesh, [{}, {}, {}]>}', '[{}, {}, {"model"}]'),
        ('%arg3: tensor<8x32xf32> {sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>}', '[{}, {"model"}]'),
    ):
        assert text.count(replicated) == 1
        text = text.replace(replicated, replicated[: replicated.rindex("[")] + column + ">}")
    module = read_module(text, "gpt_oss.mlir")
    interleaves = [op for op in module.ops_named("stablehlo.slice") if ":2]" in op.text]
    assert len(interleaves) == 2
    sharding = ShardingAnalysis(module)
    assert all(sharding.dim(op.operands[0], 1).axes == ("model",) for op in interleaves)
    assert found(text) == set()


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_kv_cache_write_into_a_sequence_sharded_cache_is_an_error_and_its_fix_verifies(partitioner):
    """`lax.dynamic_update_slice` of 4 new positions into a [2, 64, 8] cache whose sequence is sharded (context
    parallel): the runtime start is a global position (openxla/xla#49118 is XLA's own per-shard clamp of it)."""
    fn = lambda cache, new, pos: jax.lax.dynamic_update_slice_in_dim(cache, new, pos, axis=1)  # noqa: E731
    args = ((2, 64, 8), F32), ((2, 4, 8), F32), ((), jnp.int32)
    text = lower(fn, *args, ins=(P(None, "batch", None), P(), P()), outs=P(None, "batch", None),
                 partitioner=partitioner)
    assert found(text) == errors_at(text, "stablehlo.dynamic_update_slice", "HF006") != set()
    assert "dynamic_update_slice writes 4 of the 64 elements of dim 1" in findings(text)[0].message
    new = fixed_and_verified(text)
    assert "stablehlo.clamp" in new
    report = verify_texts(text, new, seeds=2, spmd=8, index_range=(58, 80), edges=False)
    assert report.ok, report.format()


def test_cache_write_along_an_unsharded_dim_is_silent():
    fn = lambda cache, new, pos: jax.lax.dynamic_update_slice_in_dim(cache, new, pos, axis=1)  # noqa: E731
    args = ((8, 64, 4), F32), ((8, 1, 4), F32), ((), jnp.int32)
    assert found(lower(fn, *args, ins=(P("batch", None, None), P("batch", None, None), P()))) == set()
