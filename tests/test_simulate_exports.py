"""`hlo-fix simulate` on exports it was not built on: the seed's router as DeepSeek-V3 and GLM-4.x MoE code from
transformers, exported by PyTorch/XLA (GSPMD) and torchax (Shardy), and a hazard-free MoE (fixtures/transformers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("jax")
pytest.importorskip("numpy")

from click.testing import CliRunner  # noqa: E402

from hlo_fix.cli import cli  # noqa: E402

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "transformers"
FILES = json.loads((EXPORTS / "MANIFEST.json").read_text())["files"]


def simulate(*args) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["simulate", "--seeds", "1", "--output-format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("name", ["deepseek_v3_torchxla_gspmd.mlir", "glm4_moe_torchax_shardy.mlir"])
def test_router_exports_shard_zero_exact_others_off_and_the_fix_exact(name, tmp_path):
    code, report = simulate("--index-float", "f32", str(EXPORTS / name))
    assert code == 1
    weights = report["outputs"][0]["shards"]
    assert len(weights) == 4 and weights[0]["pcc"] >= 0.999
    assert min(s["pcc"] for s in weights[1:]) < 0.99
    scatter = next(h for h in FILES[name]["hazards"] if h["op"] == "stablehlo.scatter")
    assert report["first_divergence"]["line"] == scatter["line"]
    fixed = tmp_path / "fixed.mlir"
    assert CliRunner().invoke(cli, ["fix", "-o", str(fixed), str(EXPORTS / name)]).exit_code == 0
    code, report = simulate("--index-float", "f32", str(fixed))
    assert code == 0 and report["first_divergence"] is None


def test_hazard_free_export_is_exact():
    name = "mixtral_torchxla_gspmd.mlir"
    assert FILES[name]["hazards"] == []
    code, report = simulate(str(EXPORTS / name))
    assert code == 0 and report["mesh"] and report["modelled"] == []
