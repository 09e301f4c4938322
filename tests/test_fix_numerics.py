"""Fixed modules compute the same bits as the originals on XLA CPU, also partitioned over 8 devices.

For every hazardous fixture (fixtures/MANIFEST.json), the PyTorch/XLA examples, and a few fresh JAX lowerings the
fixtures do not have: fix (unsafe fixes included), then `verify_texts` with random inputs and edge indices. A fixed
module must also lint without errors or fixable findings, and a second fix must change nothing.

HF004's rewrite is unsafe by design: a flat index reaches the neighbouring row for a column outside [0, E), which
a per-row one-hot cannot; it is checked with columns in [0, E) (and shown to differ outside).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

jax = pytest.importorskip("jax")
np = pytest.importorskip("numpy")

import jax.numpy as jnp  # noqa: E402
from jax.sharding import AbstractMesh, AxisType, NamedSharding, PartitionSpec as P  # noqa: E402

from hlo_fix.fix.driver import fix_text  # noqa: E402
from hlo_fix.lint.checker import lint_text  # noqa: E402
from hlo_fix.verify import verify_texts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text())["fixtures"]
HAZARDOUS = sorted(name for name, entry in MANIFEST.items() if entry["expect"])
EXAMPLES = ROOT.parent / "shared" / "examples" / "torchxla"
SPOT_CHECKED_WITH_SELECT = [
    "router_gather_scatter_gspmd_bf16.mlir",
    "export_router_gather_scatter_shardy.mlir",
    "gather_3d_row_iota_shardy.mlir",
    "scatter_set_row_iota_shardy.mlir",
    "torchxla_gather_b32e64k6_spmd.mlir",
]


def partitions(text: str) -> int | None:
    found = re.search(r"mhlo\.num_partitions = (\d+)", text)
    return int(found.group(1)) if found and int(found.group(1)) > 1 else None


def flat_columns(text: str) -> dict:
    """Verification options for a flat-index module: columns in [0, E) (E from the reshaped table)."""
    table = re.search(r"stablehlo\.reshape %\w+ : \(tensor<(\d+)x(\d+)x", text)
    return {"index_range": (0, int(table.group(2))), "edges": False}


def check_fixed(name: str, text: str, strategy: str = "dot") -> None:
    result = fix_text(text, name, unsafe=True, strategy=strategy)
    assert result.applied, "nothing was fixed"
    options = flat_columns(text) if any(f.code == "HF004" for f in result.applied) else {}
    report = verify_texts(text, result.new_text, seeds=2, spmd=partitions(text), **options)
    assert report.ok, report.format()
    again = fix_text(result.new_text, name, unsafe=True, strategy=strategy)
    assert again.new_text == result.new_text, "a second fix changed the module"
    left = lint_text(result.new_text, name)
    assert [f for f in left if f.fix is not None] == []
    assert [f.code for f in left if f.severity == "error"] == []


@pytest.mark.parametrize("name", HAZARDOUS)
def test_fixture_fix_verifies(name):
    text = (FIXTURES / name).read_text()
    if not any(f.fix is not None for f in lint_text(text, name)):
        # Hazards with no automatic fix (HF008's int -> float -> int index chains): fix leaves the module alone.
        assert fix_text(text, name, unsafe=True).new_text == text
        return
    check_fixed(name, text)


@pytest.mark.parametrize("name", SPOT_CHECKED_WITH_SELECT)
def test_fixture_fix_verifies_with_select_strategy(name):
    check_fixed(name, (FIXTURES / name).read_text(), strategy="select")


@pytest.mark.parametrize("name", ["gather.mlir", "scatter_set.mlir", "onehot_any.mlir", "onehot_einsum.mlir", "topk.mlir"])
def test_torchxla_example(name):
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    text = path.read_text()
    if not lint_text(text, name):
        assert fix_text(text, name, unsafe=True).new_text == text
        return
    check_fixed(name, text)


def test_flat_fix_is_unsafe_for_columns_outside_the_row():
    text = (FIXTURES / "flat_index_gather_shardy.mlir").read_text()
    result = fix_text(text, "flat.mlir", unsafe=True)
    assert not verify_texts(text, result.new_text, seeds=2).ok


# Fresh lowerings: shapes, element types, index types and shardings the fixtures do not have.


def _rows(x):
    return jnp.arange(x.shape[0])[:, None]


ROWS, ROWS_2AXIS, EXPERTS = P("batch"), P(("batch", "model")), P(None, "model")
I32, U32, I16 = jnp.int32, jnp.uint32, jnp.int16


def _gather(x, i):
    return x[_rows(x), i]


def _flat(x, i):
    return x.reshape(-1)[_rows(x) * x.shape[1] + i]


# name: (function, [(shape, dtype) per argument], argument specs, result spec, partitioner, strategy)
VARIANTS = {
    "gather-f16-two-axis": (_gather, [((16, 40), jnp.float16), ((16, 5), I32)], [ROWS_2AXIS] * 2, ROWS_2AXIS,
                            "shardy", "dot"),
    "gather-bf16-i16-gspmd": (_gather, [((8, 300), jnp.bfloat16), ((8, 3), I16)], [ROWS] * 2, ROWS, "gspmd", "dot"),
    "gather-int32-table": (_gather, [((8, 24), I32), ((8, 2), U32)], [ROWS] * 2, ROWS, "shardy", "dot"),
    "gather-expert-axis-sharded-select": (_gather, [((8, 16), jnp.float32), ((8, 3), I32)], [EXPERTS, None], None,
                                          "shardy", "select"),
    "embedding-rows-select": (_gather, [((8, 12, 3), jnp.float32), ((8, 4), I32)], [ROWS] * 2, ROWS, "gspmd",
                              "select"),
    "scatter-set-updates-f16": (lambda x, i, u: x.at[_rows(x), i].set(u),
                                [((8, 6), jnp.float16), ((8, 4), I32), ((8, 4), jnp.float16)], [ROWS] * 3, ROWS,
                                "shardy", "select"),
    "scatter-add-updates-bf16": (lambda x, i, u: x.at[_rows(x), i].add(u),
                                 [((16, 5), jnp.bfloat16), ((16, 3), I32), ((16, 3), jnp.bfloat16)], [ROWS] * 3, ROWS,
                                 "gspmd", "dot"),
    "scatter-add-int": (lambda x, i, u: x.at[_rows(x), i].add(u), [((8, 7), I32), ((8, 3), I32), ((8, 3), I32)],
                        [ROWS] * 3, ROWS, "shardy", "dot"),
    "scatter-max-f32": (lambda x, i, u: x.at[_rows(x), i].max(u),
                        [((8, 7), jnp.float32), ((8, 3), I32), ((8, 3), jnp.float32)], [ROWS] * 3, ROWS, "shardy",
                        "dot"),
    "flat-uint32": (_flat, [((8, 20), jnp.float32), ((8, 3), U32)], [ROWS] * 2, ROWS, "shardy", "dot"),
}


def _lower(fn, args, in_specs, out_spec, partitioner):
    shapes = [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in args]
    mesh = AbstractMesh((4, 2), ("batch", "model"), axis_types=(AxisType.Auto, AxisType.Auto))
    named = lambda spec: None if spec is None else NamedSharding(mesh, spec)  # noqa: E731
    previous = jax.config.jax_use_shardy_partitioner
    jax.config.update("jax_use_shardy_partitioner", partitioner == "shardy")
    try:
        jitted = jax.jit(fn, in_shardings=tuple(named(s) for s in in_specs), out_shardings=named(out_spec))
        return jitted.trace(*shapes).lower(lowering_platforms=("cpu",)).as_text()
    finally:
        jax.config.update("jax_use_shardy_partitioner", previous)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_fresh_lowering_fix_verifies(name):
    fn, args, in_specs, out_spec, partitioner, strategy = VARIANTS[name]
    check_fixed(name, _lower(fn, args, in_specs, out_spec, partitioner), strategy=strategy)


# Non-finite values: what the strategies promise (verify_texts draws finite values only).


def _run(text: str, inputs) -> list:
    from hlo_fix.verify.module import ParsedModule
    from hlo_fix.verify.xla_cpu import compile_module, run_module

    parsed = ParsedModule(text, label="module")
    compiled = compile_module(parsed.text_for_xla, partitions=1, shardy=True, label="module")
    return run_module(compiled, inputs, parsed.signature.results)


def test_select_strategy_is_exact_for_nan_inf_and_negative_zero():
    text = (FIXTURES / "gather_row_iota_unsharded.mlir").read_text()
    table = np.random.default_rng(0).standard_normal((64, 160)).astype(np.float32)
    table[:, 0], table[:, 1], table[:, 2], table[:, 3] = np.nan, np.inf, -np.inf, -0.0
    index = np.tile(np.array([0, 1, 2, 3, 4, 159, -1, 200], dtype=np.int32), (64, 1))
    want = _run(text, [table, index])[0]
    select = _run(fix_text(text, "g.mlir", strategy="select").new_text, [table, index])[0]
    assert select.tobytes() == want.tobytes()
    dot = _run(fix_text(text, "g.mlir", unsafe=True).new_text, [table, index])[0]
    assert np.isnan(dot[:, 4]).all() and not np.isnan(want[:, 4]).any()  # 0 * inf elsewhere in the row


@pytest.mark.parametrize("name", ["scatter_set_row_iota_shardy.mlir", "scatter_add_row_iota_shardy.mlir"])
def test_scatter_select_strategy_is_exact_for_special_values_and_duplicates(name):
    text = (FIXTURES / name).read_text()
    rng = np.random.default_rng(1)
    base = rng.standard_normal((64, 160)).astype(np.float32)
    base[:, :4] = -0.0
    index = rng.integers(0, 6, size=(64, 8)).astype(np.int32)  # many repeats within a row
    index[:, -1] = 160  # out of range: skipped
    updates = rng.standard_normal((64, 8)).astype(np.float32)
    updates[:, 0], updates[:, 1], updates[:, 2] = -0.0, np.inf, np.nan
    want = _run(text, [base, index, updates])[0]
    got = _run(fix_text(text, name, strategy="select").new_text, [base, index, updates])[0]
    assert got.tobytes() == want.tobytes()
