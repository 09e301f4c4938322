"""`hlo-fix simulate` on the committed fixtures, through the command line: the seed's router shows shard 0 exact and
the others off, its one-hot forms and hlo-fix's own rewrite are exact on every shard, hazard-free sharded fixtures
raise no alarm, and every fixture with an error finding diverges first at an op `hlo-fix lint` flags.

Each fixture is simulated once per test session (one seed, to keep `make test` quick on two cores)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

pytest.importorskip("jax")
pytest.importorskip("numpy")

from click.testing import CliRunner  # noqa: E402

from hlo_fix.cli import cli  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text())["fixtures"]
# HF008's hazard (an index carried through f32 by the module's own converts) is in the module as written, so the
# reference computes it too: no divergence from the reference can show it.
IN_THE_REFERENCE = {"flat_index_through_float_shardy.mlir"}

ROUTERS = ["router_gather_scatter_shardy_f32.mlir", "router_gather_scatter_gspmd_f32_debug.mlir"]
def _variant_of_another(name: str) -> bool:
    """bf16, debug and larger variants share their ops with a fixture already in the list."""
    return "_bf16" in name or name.endswith("_debug.mlir") or "b128e256k8" in name


def _sharded(name: str) -> bool:
    text = (FIXTURES / name).read_text()
    return "sdy.sharding" in text or "mhlo.sharding" in text


# Every hazard-free fixture with shardings (shard_map ones included: their iotas are shard-local by design, and the
# body runs per device in both evaluations).
HAZARD_FREE_SHARDED = [
    name
    for name, entry in sorted(MANIFEST.items())
    if not entry["expect"] and not _variant_of_another(name) and _sharded(name)
]
# Every fixture with an error finding, one variant per family (f32 and bf16, debug or not, share their ops).
WITH_ERRORS = [
    name
    for name, entry in sorted(MANIFEST.items())
    if any(e["severity"] == "error" for e in entry["expect"])
    and name not in IN_THE_REFERENCE
    and not _variant_of_another(name)
]


@functools.cache
def simulate(path: str, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["simulate", "--seeds", "1", "--output-format", "json", *extra, path])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


@functools.cache
def flagged_lines(path: str) -> set[int]:
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--output-format", "json", path])
    return {f["location"]["row"] for f in json.loads(result.stdout) if f["severity"] == "error"}


def _pccs(report: dict) -> list[list[float]]:
    return [[shard["pcc"] for shard in output["shards"]] for output in report["outputs"]]


@pytest.mark.parametrize("name", ROUTERS)
def test_router_shard_zero_exact_and_others_off(name):
    code, report = simulate(str(FIXTURES / name), "--index-float", "f32")
    assert code == 1
    assert list(report["mesh"].values()) == [4]
    for output in report["outputs"]:
        shards = output["shards"]
        assert len(shards) == 4
        assert shards[0]["pcc"] >= 0.999 and shards[0]["mismatches"] == 0
        assert min(s["pcc"] for s in shards[1:]) < 0.99
    divergence = report["first_divergence"]
    assert divergence["op"] == "stablehlo.scatter"
    assert divergence["line"] in flagged_lines(str(FIXTURES / name))
    assert set(report["modelled"]) == {"local-iota", "scatter-own-copy"}


def test_router_source_line_is_the_scatter_in_the_model():
    _, report = simulate(str(FIXTURES / ROUTERS[1]), "--index-float", "f32")
    assert report["first_divergence"]["source"] == {"file": "hlo_fix_fixtures/router.py", "line": 51}
    model = (Path(__file__).resolve().parents[1] / "tools/fixture_models/router.py").read_text().splitlines()
    assert ".at[rows, group_idx].set(1.0)" in model[50]


@pytest.mark.parametrize("name", HAZARD_FREE_SHARDED)
def test_hazard_free_fixtures_are_exact_on_every_shard(name):
    code, report = simulate(str(FIXTURES / name))
    assert code == 0, report
    assert report["first_divergence"] is None and report["modelled"] == []
    assert report["mesh"], "these fixtures are sharded: the simulation must split something"
    assert all(p == 1.0 for row in _pccs(report) for p in row)


def test_hlo_fix_rewrite_of_the_router_is_exact(tmp_path):
    fixed = tmp_path / "fixed.mlir"
    result = CliRunner().invoke(cli, ["fix", "-o", str(fixed), str(FIXTURES / ROUTERS[0])])
    assert result.exit_code == 0, result.output
    code, report = simulate(str(fixed))
    assert code == 0 and report["first_divergence"] is None
    assert all(p == 1.0 for row in _pccs(report) for p in row)


@pytest.mark.parametrize("name", WITH_ERRORS)
def test_fixtures_with_errors_diverge_at_a_flagged_op(name):
    path = str(FIXTURES / name)
    code, report = simulate(path)
    assert code == 1
    assert report["first_divergence"] is not None
    assert report["first_divergence"]["line"] in flagged_lines(path)
