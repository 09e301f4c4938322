"""The HF007 and HF008 rewrites, checked by XLA on CPU: each fixed module computes the original's bits, on one device
and partitioned over 8 against the partitioned original, and lints clean of the rule it fixed.

HF007 (replicate the reduced dim before an argmax/top_k/argsort) is a sharding annotation, so the partitioned runs
are what matter: the partitioner now gathers the dim before reducing. HF008 (an integer one-hot select instead of
a gather from a small integer table) changes the computation, and the index arguments get edge values (past either
end of the table) mixed in, as gather clamps them.
"""

from __future__ import annotations

import contextlib

import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("numpy")

import jax.numpy as jnp  # noqa: E402
from jax.sharding import AbstractMesh, AxisType, NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

from hlo_fix.fix.driver import fix_text  # noqa: E402
from hlo_fix.lint.settings import Settings  # noqa: E402
from hlo_fix.verify import verify_texts  # noqa: E402

MESH = AbstractMesh((4, 2), ("batch", "model"), axis_types=(AxisType.Auto, AxisType.Auto))
PARTITIONERS = ("shardy", "gspmd")


@contextlib.contextmanager
def _partitioner(name: str):
    previous = jax.config.jax_use_shardy_partitioner
    jax.config.update("jax_use_shardy_partitioner", name == "shardy")
    try:
        yield
    finally:
        jax.config.update("jax_use_shardy_partitioner", previous)


def lower(fn, args, specs, partitioner: str) -> str:
    with _partitioner(partitioner), jax.sharding.use_abstract_mesh(MESH):
        shapes = [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in args]
        shardings = tuple(NamedSharding(MESH, spec) for spec in specs)
        return jax.jit(fn, in_shardings=shardings).trace(*shapes).lower(lowering_platforms=("cpu",)).as_text()


def fixed(text: str, code: str) -> str:
    """The module with `code`'s fixes applied (only that rule selected: others may report the same op's plumbing)."""
    result = fix_text(text, "model.mlir", settings=Settings(select=(code,)))
    assert [f.code for f in result.applied] == [code]
    assert not [f for f in result.remaining if f.code == code]
    return result.new_text


LOGITS = (((8, 32), jnp.float32), ((32, 256), jnp.float32))
VOCAB_SHARDED = (P("batch", None), P(None, "model"))
DECODERS = {
    "argmax": (lambda h, w: jnp.argmax(h @ w, axis=-1), "sdy.sharding_constraint", "{replicated}"),
    "top_k": (lambda h, w: jax.lax.top_k(h @ w, 4)[1], "sdy.sharding_constraint", "{replicated}"),
    "argsort": (lambda h, w: jnp.argsort(h @ w, axis=-1), "sdy.sharding_constraint", "{replicated}"),
}


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("kind", sorted(DECODERS))
def test_replicating_the_reduced_dim_keeps_every_bit(kind, partitioner):
    fn, shardy_form, gspmd_form = DECODERS[kind]
    original = lower(fn, LOGITS, VOCAB_SHARDED, partitioner)
    rewritten = fixed(original, "HF007")
    assert (shardy_form if partitioner == "shardy" else gspmd_form) in rewritten
    report = verify_texts(original, rewritten, seeds=2, spmd=8)
    assert report.ok, report.first_mismatch
    assert report.spmd == 8 and len(report.runs) == 4


def test_shardy_constraint_replicates_only_the_reduced_dim():
    """The batch keeps its sharding ({?} lets the partitioner keep it); only the vocab dim is closed and empty."""
    rewritten = fixed(lower(DECODERS["argmax"][0], LOGITS, VOCAB_SHARDED, "shardy"), "HF007")
    assert "<@mesh, [{?}, {}]> : tensor<8x256xf32>" in rewritten


@pytest.mark.parametrize("partitioner", PARTITIONERS)
@pytest.mark.parametrize("shape, dtype", [((4096,), jnp.int32), ((300, 3), jnp.int32), ((1000,), jnp.uint16)],
                         ids=["positions-4096", "rows-300x3", "u16-1000"])
def test_integer_one_hot_select_keeps_every_bit(shape, dtype, partitioner):
    """`table[idx]` over batch-sharded indices; seed 1 mixes in indices past both ends of the table."""
    original = lower(lambda table, idx: table[idx], ((shape, dtype), ((64,), jnp.int32)), (P(), P("batch")),
                     partitioner)
    rewritten = fixed(original, "HF008")
    assert "stablehlo.gather" not in rewritten
    for spmd in (None, 8):
        report = verify_texts(original, rewritten, seeds=3, spmd=spmd)
        assert report.ok, report.first_mismatch


def test_large_integer_tables_have_no_automatic_fix():
    """Past 4096 entries the one-hot would multiply the work too much: the finding stays, without `[*]`."""
    text = lower(lambda table, idx: table[idx], (((8192,), jnp.int32), ((64,), jnp.int32)), (P(), P("batch")),
                 "shardy")
    result = fix_text(text, "model.mlir")
    assert not result.applied
    assert [(f.code, f.fix) for f in result.remaining] == [("HF008", None)]


EXPLICIT = AbstractMesh((4, 2), ("batch", "model"), axis_types=(AxisType.Explicit, AxisType.Explicit))


@pytest.mark.parametrize("partitioner", PARTITIONERS)
def test_explicit_axes_argmax_constrains_the_iota_too(partitioner):
    """Explicit-axes JAX wraps the argmax's iota in a sharding constraint of its own (vocab-sharded): the fix
    replicates the reduced dim of both reduce inputs, and the result keeps every bit."""

    def fn(h, w):
        logits = jnp.einsum("bd,dv->bv", h, w, out_sharding=P("batch", "model"))
        return jnp.argmax(jax.sharding.reshard(logits, P(None, "model")), axis=-1)

    with _partitioner(partitioner), jax.sharding.use_abstract_mesh(EXPLICIT):
        shapes = [jax.ShapeDtypeStruct(s, jnp.float32, sharding=NamedSharding(EXPLICIT, spec))
                  for s, spec in (((8, 32), P("batch", None)), ((32, 256), P(None, "model")))]
        original = jax.jit(fn).trace(*shapes).lower(lowering_platforms=("cpu",)).as_text()
    rewritten = fixed(original, "HF007")
    marker = "sdy.sharding_constraint %" if partitioner == "shardy" else "@Sharding(%"
    assert rewritten.count(marker) == original.count(marker) + 2
    report = verify_texts(original, rewritten, seeds=2, spmd=8)
    assert report.ok, report.first_mismatch


def test_serialized_top_k_composite_fix_keeps_every_bit():
    """jax.export's `stablehlo.composite "chlo.top_k"`: the constraint goes on the composite's operand."""
    fn = DECODERS["top_k"][0]
    specs = tuple(NamedSharding(MESH, spec) for spec in VOCAB_SHARDED)
    with jax.sharding.use_abstract_mesh(MESH):
        original = jax.export.export(jax.jit(fn, in_shardings=specs), platforms=("cpu",))(
            *(jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in LOGITS)
        ).mlir_module()
    rewritten = fixed(original, "HF007")
    assert 'stablehlo.composite "chlo.top_k" %hf' in rewritten
    report = verify_texts(original, rewritten, seeds=2, spmd=8)
    assert report.ok, report.first_mismatch
