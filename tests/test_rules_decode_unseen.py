"""HF007 and HF008 on JAX exports no fixture holds: lowered here, inside the test, then linted.

HF007 (an argmax/argmin, top_k or argsort over a sharded dim) must be an error at the op itself whatever the shapes,
mesh axis names, partitioner and the way the dim gets sharded (a column-parallel lm_head through dot_general's free
dim, `with_sharding_constraint`, explicit-axes meshes with `out_sharding=` / `reshard`), name the mesh axis and the
Python line, and stay silent on reductions over unsharded or replicated dims and inside shard_map. HF008 (integers
through a float) must flag integer table lookups whose values may exceed bf16's 256 and int -> float -> int indices
into more entries than the float holds exactly, and stay silent on float tables, 8-bit or small known tables, and
indices into small tables or that are no index at all.

The meshes are `AbstractMesh`es, so nothing needs 8 real devices.
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

AUTO = AbstractMesh((2, 4), ("data", "tensor"), axis_types=(AxisType.Auto, AxisType.Auto))
EXPLICIT = AbstractMesh((2, 4), ("dp", "tp"), axis_types=(AxisType.Explicit, AxisType.Explicit))
PARTITIONERS = ("shardy", "gspmd")
F32, BF16, I32, I64, U16, I8 = jnp.float32, jnp.bfloat16, jnp.int32, jnp.int64, jnp.uint16, jnp.int8


def lower(fn, *args, ins=None, outs=None, partitioner="shardy", mesh=AUTO, x64=False, debug_info=False) -> str:
    """`jax.jit(fn)` lowered for `args` ((shape, dtype) pairs), shardings given as PartitionSpecs over `mesh`."""
    kwargs = {}
    if ins is not None:
        kwargs["in_shardings"] = tuple(None if s is None else NamedSharding(mesh, s) for s in ins)
    if outs is not None:
        kwargs["out_shardings"] = NamedSharding(mesh, outs)
    with jax_flags(jax_use_shardy_partitioner=partitioner == "shardy", jax_enable_x64=x64):
        with jax.sharding.use_abstract_mesh(mesh):
            shapes = [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in args]
            lowered = jax.jit(fn, **kwargs).trace(*shapes).lower(lowering_platforms=("cpu",))
            return lowered.as_text(debug_info=debug_info)


def lower_explicit(fn, *args, partitioner="shardy") -> str:
    """Arguments that carry their shardings ((shape, dtype, spec) triples) over the explicit-axes mesh."""
    with jax_flags(jax_use_shardy_partitioner=partitioner == "shardy"), jax.sharding.use_abstract_mesh(EXPLICIT):
        shapes = [jax.ShapeDtypeStruct(s, d, sharding=NamedSharding(EXPLICIT, spec)) for s, d, spec in args]
        return jax.jit(fn).trace(*shapes).lower(lowering_platforms=("cpu",)).as_text()


def lint(text: str, code: str):
    return [f for f in hlo_fix.lint_text(text, "unseen.mlir") if f.code == code]


def found(text: str, code: str) -> set[tuple[int, str]]:
    return {(f.row, f.severity) for f in lint(text, code)}


def op_line(text: str, op: str, nth: int = 0) -> int:
    pattern = re.compile(rf'= "?{re.escape(op)}"?[ (]')
    lines = [i for i, line in enumerate(text.split("\n"), 1) if pattern.search(line)]
    assert len(lines) > nth, f"the module has {len(lines)} {op} ops"
    return lines[nth]


def error_at(text: str, op: str, nth: int = 0) -> set[tuple[int, str]]:
    return {(op_line(text, op, nth), "error")}


# ----------------------------------------------------------------------------------------------------------------
# HF007


def argmax_vocab(h, w):
    return jnp.argmax(h @ w, axis=-1)


def argmin_vocab(h, w):
    return jnp.argmin(h @ w, axis=-1)


def top_k_vocab(h, w):
    return jax.lax.top_k(h @ w, 5)[1]


def argsort_vocab(h, w):
    return jnp.argsort(h @ w, axis=-1)


REDUCTIONS = {
    "argmax": (argmax_vocab, "stablehlo.reduce"),
    "argmin": (argmin_vocab, "stablehlo.reduce"),
    "top_k": (top_k_vocab, "chlo.top_k"),
    "argsort": (argsort_vocab, "stablehlo.sort"),
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("kind", sorted(REDUCTIONS))
@pytest.mark.parametrize("shape", [(4, 32, 1000), (16, 128, 2048)], ids=["b4v1000", "b16v2048"])
def test_reduction_over_column_parallel_lm_head_is_an_error(kind, shape, partitioner):
    """`h @ W_vocab` with W_vocab's vocab dim sharded: the reduced dim is sharded through dot_general's free dim."""
    fn, op = REDUCTIONS[kind]
    batch, hidden, vocab = shape
    text = lower(fn, ((batch, hidden), F32), ((hidden, vocab), F32), ins=(P("data", None), P(None, "tensor")),
                 partitioner=partitioner)
    assert found(text, "HF007") == error_at(text, op)
    message = lint(text, "HF007")[0].message
    assert ('"tensor"' in message) if partitioner == "shardy" else ("split 4 ways" in message)


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_reduction_over_a_dim_sharded_by_a_constraint(partitioner):
    def fn(logits):
        return jax.lax.top_k(jax.lax.with_sharding_constraint(logits, P(None, "tensor")), 3)[1]

    text = lower(fn, ((8, 512), BF16), ins=(P(),), partitioner=partitioner)
    assert found(text, "HF007") == error_at(text, "chlo.top_k")


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_argmin_over_the_sharded_batch_dim(partitioner):
    """Reducing the batch dim itself (a sharded axis 0) is the same hazard."""
    text = lower(lambda x: jnp.argmin(x, axis=0), ((64, 16), F32), ins=(P("data", None),), partitioner=partitioner)
    assert found(text, "HF007") == error_at(text, "stablehlo.reduce")


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_explicit_axes_mesh_out_sharding_and_reshard(partitioner):
    """JAX's current idiom: the logits get the vocab sharding from `out_sharding=` and `reshard`; JAX wraps the
    argmax's iota in a constraint of its own. (Explicit axes reject `lax.top_k` over a sharded axis at trace time,
    "The input should be unsharded over the axis", but accept argmax.)"""

    def fn(h, w):
        logits = jnp.einsum("bd,dv->bv", h, w, out_sharding=P("dp", "tp"))
        return jnp.argmax(jax.sharding.reshard(logits, P(None, "tp")), axis=-1)

    text = lower_explicit(fn, ((8, 64), F32, P("dp", None)), ((64, 256), F32, P(None, "tp")), partitioner=partitioner)
    assert found(text, "HF007") == error_at(text, "stablehlo.reduce")
    assert not lint(text, "HF001")  # the argmax's iota is HF007's, not a separate finding


def test_finding_names_the_python_line_of_the_argmax():
    """jnp.argmax lowers into a private function whose ops carry no Python frame: the call's line is named."""
    text = lower(argmax_vocab, ((4, 32), F32), ((32, 1000), F32), ins=(P("data", None), P(None, "tensor")),
                 debug_info=True)
    (finding,) = lint(text, "HF007")
    assert finding.source is not None and finding.source.file.endswith("test_rules_decode_unseen.py")
    assert finding.source.line == argmax_vocab.__code__.co_firstlineno + 1


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("kind", sorted(REDUCTIONS))
def test_reduction_over_a_replicated_vocab_is_silent(kind, partitioner):
    """The fix written in the model: replicate the vocab dim (keep the batch's sharding) before the op."""
    fn, _ = REDUCTIONS[kind]

    def gathered(h, w):
        logits = jax.lax.with_sharding_constraint(h @ w, P("data", None))
        return fn(logits, jnp.eye(logits.shape[1], dtype=logits.dtype))

    text = lower(gathered, ((4, 32), F32), ((32, 128), F32), ins=(P("data", None), P(None, "tensor")),
                 partitioner=partitioner)
    assert not lint(text, "HF007")


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("kind", sorted(REDUCTIONS))
def test_reduction_over_an_unsharded_dim_is_silent(kind, partitioner):
    """Batch-sharded logits, replicated lm_head: the vocab dim is whole on every device."""
    fn, _ = REDUCTIONS[kind]
    text = lower(fn, ((8, 32), F32), ((32, 300), F32), ins=(P("data", None), P()), partitioner=partitioner)
    assert not lint(text, "HF007")


def test_reduction_without_any_sharding_is_silent():
    text = lower(argmax_vocab, ((8, 32), F32), ((32, 300), F32))
    assert not lint(text, "HF007")


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_reduction_inside_shard_map_is_silent(partitioner):
    """Each shard's argmax over its own slice is what shard_map asks for (a hand-written distributed argmax)."""

    def fn(logits):
        local = jax.shard_map(lambda x: jnp.argmax(x, axis=-1)[:, None], mesh=AUTO, in_specs=P(None, "tensor"),
                              out_specs=P(None, "tensor"))
        return local(logits)

    text = lower(fn, ((8, 512), F32), ins=(P(None, "tensor"),), partitioner=partitioner)
    assert not lint(text, "HF007")


# ----------------------------------------------------------------------------------------------------------------
# HF008


def lookup(table, idx):
    return table[idx]


def take_rows(table, idx):
    return jnp.take(table, idx, axis=0)


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize(
    "table, fn, x64",
    [(((4096,), I32), lookup, False), (((2048, 4), I32), take_rows, False), (((512,), U16), lookup, False),
     (((1000,), I64), lookup, True)],
    ids=["i32-positions", "i32-rows", "u16", "i64"],
)
def test_integer_table_lookup_is_an_error(table, fn, x64, partitioner):
    text = lower(fn, table, ((32,), I32), ins=(P(), P("data")), partitioner=partitioner, x64=x64)
    assert found(text, "HF008") == error_at(text, "stablehlo.gather")


def test_integer_table_lookup_without_sharding_is_an_error_too():
    """Rounding the table to bf16 does not depend on sharding."""
    text = lower(lookup, ((4096,), I32), ((32,), I32))
    assert found(text, "HF008") == error_at(text, "stablehlo.gather")


@pytest.mark.parametrize(
    "table, fn",
    [
        (((4096, 64), F32), lookup),  # a float embedding
        (((4096, 64), BF16), take_rows),
        (((4096,), I8), lookup),  # every int8 is exact in bf16
        (((4096,), jnp.bool_), lookup),
    ],
    ids=["f32-embedding", "bf16-embedding", "int8", "bool"],
)
def test_lookups_whose_values_fit_bf16_are_silent(table, fn):
    text = lower(fn, table, ((32,), I32), ins=(P(), P("data")))
    assert not lint(text, "HF008")


def test_known_small_integer_table_is_silent():
    """A table of known values within +-256 (a constant, an iota) loses nothing in bf16; one of 1000 does."""
    small = lower(lambda i: (jnp.arange(200, dtype=I32) - 100)[i], ((16,), I32))
    large = lower(lambda i: (jnp.arange(1000, dtype=I32) * 3)[i], ((16,), I32))
    assert not lint(small, "HF008")
    assert found(large, "HF008") == error_at(large, "stablehlo.gather")


def flat_index_f32(rows, cols, buffer):
    return buffer[(rows.astype(F32) * 4096 + cols.astype(F32)).astype(I32)]


def flat_index_bf16(rows, cols, buffer):
    return buffer[(rows.astype(BF16) * 16 + cols.astype(BF16)).astype(I32)]


@pytest.mark.parametrize(
    "fn, entries, flagged",
    [(flat_index_f32, 2**25, True), (flat_index_f32, 10240, False), (flat_index_bf16, 1024, True),
     (flat_index_bf16, 200, False)],
    ids=["f32-2^25", "f32-10240", "bf16-1024", "bf16-200"],
)
def test_index_through_float_into_a_large_table(fn, entries, flagged):
    """Flagged at the convert back to integer when the index addresses more entries than the float holds exactly
    (f32 2^24, bf16 256); an index into fewer is clamped into the exact range by the gather."""
    text = lower(fn, ((8, 4), I32), ((8, 4), I32), ((entries,), F32), ins=(P("data", None), P("data", None), P()))
    expected = {(op_line(text, "stablehlo.convert", 2), "error")} if flagged else set()
    assert found(text, "HF008") == expected


def test_convert_chain_that_is_no_index_is_silent():
    """Counts converted to f32 and back, returned as data: not an index, so nothing reads a neighbour."""
    text = lower(lambda n: (n.astype(F32) * 2).astype(I32), ((64,), I32))
    assert not lint(text, "HF008")


def test_dynamic_slice_start_through_float():
    """A dynamic_slice start computed in bf16 over a buffer of 4096 positions."""

    def fn(buffer, step):
        start = (step.astype(BF16) * 64).astype(I32)
        return jax.lax.dynamic_slice_in_dim(buffer, start, 64)

    text = lower(fn, ((4096, 8), F32), ((), I32))
    assert found(text, "HF008") == {(op_line(text, "stablehlo.convert", 1), "error")}


def test_serialized_top_k_composite_is_flagged_once():
    """`jax.export` prints top_k as `stablehlo.composite "chlo.top_k"` calling an iota + sort decomposition: the
    composite is the op the user wrote, so HF007 reports it, and neither the decomposition's sort (HF007), its
    iota (HF001) nor its slices of the sorted vocab dim (HF006) again."""
    specs = (NamedSharding(AUTO, P("data", None)), NamedSharding(AUTO, P(None, "tensor")))
    with jax.sharding.use_abstract_mesh(AUTO):
        exported = jax.export.export(jax.jit(top_k_vocab, in_shardings=specs), platforms=("cpu",))(
            jax.ShapeDtypeStruct((8, 32), F32), jax.ShapeDtypeStruct((32, 256), F32)
        )
    text = exported.mlir_module()
    assert found(text, "HF007") == error_at(text, "stablehlo.composite")
    assert not lint(text, "HF001")
    assert "stablehlo.slice" in text and not lint(text, "HF006")


# XLA's TopK custom call (what `lax.top_k` becomes after XLA's own lowering), written by hand.
CUSTOM_CALL_TOP_K = """module @jit_f attributes {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} {
  sdy.mesh @mesh = <["data"=2, "tensor"=4]>
  func.func public @main(%arg0: tensor<8x512xf32> {sdy.sharding = #sdy.sharding<@mesh, [{}, {"tensor"}]>}) -> tensor<8x4xi32> {
    %0:2 = stablehlo.custom_call @TopK(%arg0) {mhlo.attributes = {k = 4 : i64, largest = true}} : (tensor<8x512xf32>) -> (tensor<8x4xf32>, tensor<8x4xi32>)
    return %0#1 : tensor<8x4xi32>
  }
}
"""


def test_top_k_custom_call_over_a_sharded_dim():
    from jax._src.interpreters import mlir
    from jax._src.lib.mlir import ir

    ir.Module.parse(CUSTOM_CALL_TOP_K, context=mlir.make_ir_context())  # valid StableHLO for jaxlib's parser
    assert found(CUSTOM_CALL_TOP_K, "HF007") == error_at(CUSTOM_CALL_TOP_K, "stablehlo.custom_call")
    replicated = CUSTOM_CALL_TOP_K.replace('[{}, {"tensor"}]', "[{}, {}]")
    assert not lint(replicated, "HF007")


# torch.argmax(logits, -1) as PyTorch/XLA prints it: a generic-form reduce of the logits and an i64 iota, the
# logits' vocab dim split 2 ways by a GSPMD device list (a column-parallel lm_head's output), written by hand.
TORCH_XLA_ARGMAX = """module @IrToHlo.12 attributes {mhlo.cross_program_prefetches = [], mhlo.is_dynamic = false, mhlo.use_auto_spmd_partitioning = false} {
  func.func @main(%arg0: tensor<8x512xf32> {mhlo.sharding = "{devices=[1,2,4]0,1,2,3,4,5,6,7 last_tile_dim_replicate}"}) -> tensor<8xi64> {
    %0 = stablehlo.constant dense<0xFF800000> : tensor<f32>
    %1 = stablehlo.constant dense<0> : tensor<i64>
    %2 = stablehlo.iota dim = 1 : tensor<8x512xi64>
    %3:2 = "stablehlo.reduce"(%arg0, %2, %0, %1) ({
    ^bb0(%arg1: tensor<f32>, %arg2: tensor<i64>, %arg3: tensor<f32>, %arg4: tensor<i64>):
      %4 = stablehlo.compare  GT, %arg1, %arg3,  FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %5 = stablehlo.select %4, %arg1, %arg3 : tensor<i1>, tensor<f32>
      %6 = stablehlo.select %4, %arg2, %arg4 : tensor<i1>, tensor<i64>
      stablehlo.return %5, %6 : tensor<f32>, tensor<i64>
    }) {dimensions = array<i64: 1>} : (tensor<8x512xf32>, tensor<8x512xi64>, tensor<f32>, tensor<i64>) -> (tensor<8xf32>, tensor<8xi64>)
    return %3#1 : tensor<8xi64>
  }
}
"""


def test_torch_xla_argmax_over_a_split_vocab():
    from jax._src.interpreters import mlir
    from jax._src.lib.mlir import ir

    ir.Module.parse(TORCH_XLA_ARGMAX, context=mlir.make_ir_context())
    assert found(TORCH_XLA_ARGMAX, "HF007") == error_at(TORCH_XLA_ARGMAX, "stablehlo.reduce")
    assert "split 2 ways" in lint(TORCH_XLA_ARGMAX, "HF007")[0].message
    batch_only = TORCH_XLA_ARGMAX.replace("{devices=[1,2,4]", "{devices=[2,1,4]")
    assert not lint(batch_only, "HF007")


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_greedy_loop_inside_fori_loop(partitioner):
    """A generate loop: each step embeds the last token, projects with the column-parallel lm_head and takes the
    argmax, all inside `lax.fori_loop` (a `stablehlo.while` body)."""

    def generate(embeddings, w, first):
        def step(_, token):
            return jnp.argmax(embeddings[token] @ w, axis=-1)

        return jax.lax.fori_loop(0, 4, step, first)

    args = (((1000, 32), F32), ((32, 1000), F32), ((8,), I32))
    text = lower(generate, *args, ins=(P(), P(None, "tensor"), P("data")), partitioner=partitioner)
    assert found(text, "HF007") == error_at(text, "stablehlo.reduce")


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_approx_max_k_over_the_sharded_vocab(partitioner):
    """`lax.approx_max_k` lowers to `custom_call @ApproxTopK` (values, an iota payload, inits; `reduction_dim`)."""
    fn = lambda h, w: jax.lax.approx_max_k(h @ w, 8)[1]  # noqa: E731
    sharded = lower(fn, ((4, 32), F32), ((32, 1000), F32), ins=(P("data", None), P(None, "tensor")),
                    partitioner=partitioner)
    replicated = lower(fn, ((4, 32), F32), ((32, 1000), F32), ins=(P("data", None), P()), partitioner=partitioner)
    assert found(sharded, "HF007") == error_at(sharded, "stablehlo.custom_call")
    assert not lint(sharded, "HF001") and not lint(replicated, "HF007")


def test_offsets_summed_in_float_then_used_as_indices():
    """`cu_seqlens`-style offsets: lengths converted to f32, cumsum'd (a reduce_window in a private function),
    converted back and used to read a buffer of 2^25 positions."""

    def fn(lengths, buffer):
        offsets = jnp.cumsum(lengths.astype(F32)).astype(I32)
        return buffer[offsets]

    text = lower(fn, ((64,), I32), ((2**25,), F32))
    (finding,) = lint(text, "HF008")
    assert finding.severity == "error" and "f32 and back" in finding.message
