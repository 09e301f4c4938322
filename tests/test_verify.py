"""hlo_fix.verify: true rewrites verify, subtly wrong ones are caught, also SPMD over 8 CPU devices."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

jax = pytest.importorskip("jax")
np = pytest.importorskip("numpy")

import jax.numpy as jnp  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from jax.sharding import AbstractMesh, AxisType, NamedSharding, PartitionSpec  # noqa: E402

from hlo_fix.errors import HloFixError  # noqa: E402
from hlo_fix.verify import (  # noqa: E402
    ModuleParseError,
    PartitionCountError,
    SignatureMismatchError,
    verify_texts,
)
from hlo_fix.cli.verify import verify_command  # noqa: E402
from hlo_fix.verify.index_bounds import infer_index_bounds  # noqa: E402
from hlo_fix.verify.inputs import make_inputs  # noqa: E402
from hlo_fix.verify.module import ParsedModule, Signature, TensorSpec  # noqa: E402

EXAMPLES = Path(__file__).parents[1] / ".." / "shared" / "examples" / "torchxla"
BATCH, PICKS, VOCAB = 16, 4, 24


def _example(name: str) -> str:
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path.read_text()


# Each function returns (x * 2, picked) so that a broken rewrite shows up in output 1 only.
def _gather(x, idx):
    return x * 2, x[jnp.arange(BATCH)[:, None], idx]


def _one_hot_pick(x, idx, iota_offset=0):
    # jnp indexing wraps negative indices, then XLA's gather clamps: keep both to stay exact at the edges.
    idx = jnp.clip(jnp.where(idx < 0, idx + VOCAB, idx), 0, VOCAB - 1)
    hot = idx[:, :, None] == (jnp.arange(VOCAB) + iota_offset)[None, None, :]
    return x * 2, jnp.einsum("bv,bkv->bk", x, hot.astype(x.dtype))


def _one_hot_against_iota_plus_one(x, idx):
    return _one_hot_pick(x, idx, iota_offset=1)


def _gather_through_bf16(x, idx):
    doubled, picked = _gather(x, idx)
    return doubled, picked.astype(jnp.bfloat16).astype(jnp.float32)


def _lower(fn, *, partitioner: str | None = None, index_dtype=jnp.int32) -> str:
    """StableHLO text of fn; with a partitioner, batch-sharded over an abstract 8-device mesh."""
    args = (jax.ShapeDtypeStruct((BATCH, VOCAB), jnp.float32), jax.ShapeDtypeStruct((BATCH, PICKS), index_dtype))
    if partitioner is None:
        return jax.jit(fn).lower(*args).as_text()
    mesh = AbstractMesh((8,), ("batch",), axis_types=(AxisType.Auto,))
    batch = NamedSharding(mesh, PartitionSpec("batch"))
    previous = jax.config.jax_use_shardy_partitioner
    jax.config.update("jax_use_shardy_partitioner", partitioner == "shardy")
    try:
        jitted = jax.jit(fn, in_shardings=(batch, batch), out_shardings=(batch, batch))
        return jitted.trace(*args).lower(lowering_platforms=("cpu",)).as_text()
    finally:
        jax.config.update("jax_use_shardy_partitioner", previous)


@pytest.fixture(scope="module")
def gather_text():
    return _lower(_gather)


def test_importing_hlo_fix_does_not_import_jax():
    code = "import sys, hlo_fix, hlo_fix.verify, hlo_fix.cli.verify; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_torchxla_gather_and_one_hot_einsum_agree_in_range_but_not_out_of_bounds():
    original, rewritten = _example("gather.mlir"), _example("onehot_einsum.mlir")
    assert verify_texts(original, rewritten, seeds=2, edges=False).ok
    report = verify_texts(original, rewritten, seeds=2)
    # The einsum gives 0 where gather clamps an out-of-bounds index: only the edge seed (1) differs.
    assert not report.ok
    assert [run.ok for run in report.runs] == [True, False]
    assert report.runs[1].edges and report.mismatched_outputs == (0,)


def test_torchxla_scatter_and_one_hot_any_agree_with_edge_indices():
    report = verify_texts(_example("scatter_set.mlir"), _example("onehot_any.mlir"), seeds=2)
    assert report.ok, report.format()
    assert "[0, 8)" in report.arguments[0].drawn_as


def test_true_rewrite_verifies_with_edges(gather_text):
    report = verify_texts(gather_text, _lower(_one_hot_pick), seeds=2)
    assert report.ok, report.format()
    assert report.differing == 0 and report.max_abs_diff == 0.0 and report.first_differing_index is None


def test_one_hot_against_iota_plus_one_is_a_mismatch_in_output_1(gather_text):
    report = verify_texts(gather_text, _lower(_one_hot_against_iota_plus_one), seeds=1)
    assert not report.ok
    assert report.mismatched_outputs == (1,)
    run, output = report.first_mismatch
    assert run.outputs[0].ok and output.output == 1
    assert len(report.first_differing_index) == 2 and report.differing > 0
    assert "output 1 tensor<16x4xf32>" in report.format()


def test_bf16_rounded_gather_is_a_small_mismatch(gather_text):
    report = verify_texts(gather_text, _lower(_gather_through_bf16), seeds=1)
    assert report.mismatched_outputs == (1,)
    assert 0 < report.max_abs_diff < 0.05


@pytest.mark.parametrize("partitioner", ["shardy", "gspmd"])
def test_sharded_rewrite_verifies_over_8_devices(partitioner):
    original = _lower(_gather, partitioner=partitioner)
    rewritten = _lower(_one_hot_pick, partitioner=partitioner)
    assert ("sdy.mesh" in rewritten) == (partitioner == "shardy")
    report = verify_texts(original, rewritten, seeds=2, spmd=8)
    assert report.ok, report.format()
    assert {run.partitions for run in report.runs} == {1, 8}
    assert all(run.partitioner == partitioner for run in report.runs)


def test_sharded_wrong_rewrite_fails_over_8_devices():
    original = _lower(_gather, partitioner="shardy")
    report = verify_texts(original, _lower(_one_hot_against_iota_plus_one, partitioner="shardy"), seeds=1, spmd=8)
    assert [(run.partitions, run.ok) for run in report.runs] == [(1, False), (8, False)]


def _shard_mapped(local_fn) -> str:
    """A Shardy module whose body is a manual (shard_map) region running local_fn on 2-row shards."""
    mesh = AbstractMesh((8,), ("batch",), axis_types=(AxisType.Auto,))
    batch = PartitionSpec("batch")
    mapped = jax.shard_map(local_fn, mesh=mesh, in_specs=(batch, batch), out_specs=(batch, batch))
    sharding = NamedSharding(mesh, batch)
    args = (jax.ShapeDtypeStruct((BATCH, VOCAB), jnp.float32), jax.ShapeDtypeStruct((BATCH, PICKS), jnp.int32))
    jitted = jax.jit(mapped, in_shardings=(sharding, sharding), out_shardings=(sharding, sharding))
    return jitted.trace(*args).lower(lowering_platforms=("cpu",)).as_text()


def test_shard_map_rewrite_is_checked_only_partitioned():
    original = _lower(_gather, partitioner="shardy")
    report = verify_texts(original, _shard_mapped(_one_hot_pick), seeds=2, spmd=8)
    assert report.ok, report.format()
    assert {run.partitions for run in report.runs} == {8}
    assert any("only the SPMD run" in note for note in report.notes)

    def offset_by_shard(x, idx):  # right on shard 0 only: the bug a 1-device run cannot see
        return _one_hot_pick(x, idx, iota_offset=jax.lax.axis_index("batch"))

    report = verify_texts(original, _shard_mapped(offset_by_shard), seeds=1, spmd=8)
    assert report.mismatched_outputs == (1,)
    assert report.first_differing_index[0] >= BATCH // 8


def test_spmd_count_that_disagrees_with_num_partitions_is_an_error():
    sharded = _lower(_one_hot_pick, partitioner="shardy")
    with pytest.raises(PartitionCountError, match="num_partitions = 8") as error:
        verify_texts(sharded, sharded, seeds=1, spmd=4)
    assert "\n" not in str(error.value)


def test_module_that_does_not_parse_is_a_one_line_error(gather_text):
    broken = gather_text.replace("stablehlo.gather", "stablehlo.gathr", 1)
    with pytest.raises(ModuleParseError) as error:
        verify_texts(gather_text, broken)
    assert isinstance(error.value, HloFixError)
    assert "\n" not in str(error.value) and error.value.line > 1
    assert str(error.value).startswith("rewritten:")


def test_different_signatures_are_an_error(gather_text):
    with pytest.raises(SignatureMismatchError, match="argument 1 is tensor<16x4xi16>"):
        verify_texts(gather_text, _lower(_one_hot_pick, index_dtype=jnp.int16))


def test_index_bound_is_inferred_through_the_row_iota_concatenate(gather_text):
    bounds = infer_index_bounds(ParsedModule(gather_text, label="original"))
    assert {arg: bound.bound for arg, bound in bounds.items()} == {1: VOCAB}
    one_hot = infer_index_bounds(ParsedModule(_lower(_one_hot_pick), label="rewritten"))
    assert one_hot[1].bound == VOCAB


def test_inputs_are_reproducible_typed_and_carry_edges():
    types = ["f32", "bf16", "f16", "f64", "i1", "i8", "i64", "ui8", "ui32"]
    signature = Signature(tuple(TensorSpec((8, 8), t) for t in types), ())
    first = make_inputs(signature, 1, index_bounds={}, index_range=(0, 10), edges=True)
    again = make_inputs(signature, 1, index_bounds={}, index_range=(0, 10), edges=True)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(first, again))
    assert [str(a.dtype) for a in first] == [
        "float32", "bfloat16", "float16", "float64", "bool", "int8", "int64", "uint8", "uint32"
    ]
    assert {0, 9, 10, -1} <= set(first[6].reshape(-1).tolist())
    assert {0, 9, 10, 255} <= set(first[7].reshape(-1).tolist())
    plain = make_inputs(signature, 0, index_bounds={}, index_range=(0, 10))
    assert plain[6].min() >= 0 and plain[6].max() < 10


def test_command_exit_codes(tmp_path, gather_text):
    paths = {}
    for name, text in [
        ("original", gather_text),
        ("good", _lower(_one_hot_pick)),
        ("bad", _lower(_gather_through_bf16)),
        ("broken", "module {"),
    ]:
        paths[name] = tmp_path / f"{name}.mlir"
        paths[name].write_text(text)
    runner = CliRunner()
    ok = runner.invoke(verify_command, [str(paths["original"]), str(paths["good"]), "--seeds", "1"])
    assert ok.exit_code == 0 and "OK" in ok.output
    bad = runner.invoke(verify_command, [str(paths["original"]), str(paths["bad"]), "--seeds", "1"])
    assert bad.exit_code == 1 and "MISMATCH" in bad.output
    broken = runner.invoke(verify_command, [str(paths["original"]), str(paths["broken"])])
    assert broken.exit_code == 2 and f"{paths['broken']}:1:" in broken.output
