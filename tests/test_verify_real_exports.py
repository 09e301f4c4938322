"""`hlo-fix fix --unsafe-fixes` + `verify --spmd 8` on real model code (fixtures/transformers/, transformers' MoE
blocks through torchax and PyTorch/XLA): every fixed export computes the original's bits, on one device and
partitioned over the 4x2 mesh it was exported for, and a deliberately broken rewrite is still caught partitioned."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("jax")

from hlo_fix import lint_text  # noqa: E402
from hlo_fix.fix.driver import fix_text  # noqa: E402
from hlo_fix.verify import verify_texts  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "transformers"
FILES = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
# One export per model, both partitioners, both dtypes, with and without locations (the others differ only in
# those; `make test` stays quick). Every hazardous export was measured the same way; see the report of the change.
SAMPLE = (
    "deepseek_v3_torchax_shardy.mlir",
    "deepseek_v3_torchax_gspmd_bf16.mlir",
    "glm4_moe_torchax_gspmd_debug.mlir",
    "llama4_torchax_shardy_bf16_debug.mlir",
    "llama4_torchxla_gspmd.mlir",  # PyTorch/XLA's GSPMD shardings, f64 and i64 scalar arguments
)
DEVICES = 8  # the 4x2 ("batch", "model") mesh of every export


def _fixed(name: str) -> str:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    result = fix_text(text, name, unsafe=True)
    assert result.applied, "nothing was fixed"
    return result.new_text


@pytest.mark.parametrize("name", SAMPLE)
def test_fixed_export_is_bit_identical_on_one_device_and_partitioned(name):
    assert FILES[name]["hazards"]
    original = (FIXTURES / name).read_text(encoding="utf-8")
    fixed = _fixed(name)
    assert [f.code for f in lint_text(fixed, name) if f.code in ("HF002", "HF003")] == []
    report = verify_texts(original, fixed, seeds=2, spmd=DEVICES)
    assert report.ok, report.format()
    assert sorted({run.partitions for run in report.runs}) == [1, DEVICES]


def _broken(original: str, fixed: str) -> str:
    """The fix with its first new one-hot compare inverted (EQ -> NE): wrong wherever an index hits."""
    old_lines = set(original.splitlines())
    lines = fixed.splitlines()
    for number, line in enumerate(lines):
        if line not in old_lines and "stablehlo.compare EQ" in line:
            lines[number] = line.replace("compare EQ", "compare NE", 1)
            return "\n".join(lines) + "\n"
    raise AssertionError("the fix emitted no one-hot compare")


def test_broken_rewrite_of_a_real_export_is_caught_partitioned(tmp_path):
    name = "llama4_torchax_shardy.mlir"
    original = (FIXTURES / name).read_text(encoding="utf-8")
    broken = _broken(original, _fixed(name))
    report = verify_texts(original, broken, seeds=1, spmd=DEVICES)
    assert [(run.partitions, run.ok) for run in report.runs] == [(1, False), (DEVICES, False)]
    run, output = report.first_mismatch
    assert output.differing > 0 and output.first_index is not None and report.max_abs_diff > 0

    (tmp_path / "broken.mlir").write_text(broken)
    cli = subprocess.run(
        [sys.executable, "-m", "hlo_fix", "verify", str(FIXTURES / name), str(tmp_path / "broken.mlir"),
         "--spmd", str(DEVICES), "--seeds", "1"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert cli.returncode == 1, cli.stderr
    spmd_lines = [line for line in cli.stdout.splitlines() if f"SPMD over {DEVICES} devices" in line]
    assert spmd_lines and "elements differ, max |diff|" in spmd_lines[0] and "first at [" in spmd_lines[0]
