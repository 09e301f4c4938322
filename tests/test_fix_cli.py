"""`hlo-fix fix`: in place, -o, --diff, --show-fixes, --verify, atomic writes, untouched bad files, exit codes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hlo_fix.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GATHER = "gather_row_iota_unsharded.mlir"  # HF002 only: its dot fix is unsafe, its select fix (plain fix's) safe
SCATTER = "scatter_set_row_iota_shardy.mlir"  # HF003 (+HF005) with per-element updates
SPLAT = "torchxla_scatter_set_b32e64k6_nospmd.mlir"  # HF003 with a splat update: a safe fix


def run(*args, input=None):
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def copy(tmp_path):
    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(FIXTURES / name, target)
        return target

    return make


def test_fixes_in_place_and_exits_clean(copy):
    path = copy(SPLAT)
    before = path.read_text()
    code, out, _ = run("fix", str(path))
    assert code == 0
    after = path.read_text()
    assert after != before and "stablehlo.scatter" not in after
    assert "(1 fixed, 0 remaining)" in out
    assert run("fix", str(path))[0] == 0 and path.read_text() == after  # nothing left to do


def test_unsafe_fix_waits_for_the_flag_and_exit_code_says_findings_remain(copy):
    path = copy(GATHER)
    before = path.read_text()
    code, out, _ = run("fix", "--gather-strategy", "dot", str(path))
    assert code == 1 and path.read_text() == before
    assert "HF002" in out and "hidden fix" in out
    code, out, _ = run("fix", "--unsafe-fixes", str(path))
    assert code == 0 and "stablehlo.dot_general" in path.read_text()


def test_plain_fix_applies_the_exact_form(copy):
    path = copy(GATHER)
    code, _, _ = run("fix", str(path))
    text = path.read_text()
    assert code == 0 and "stablehlo.gather" not in text
    assert "stablehlo.bitcast_convert" in text and "stablehlo.dot_general" not in text


def test_select_strategy_is_safe(copy):
    path = copy(GATHER)
    code, _, _ = run("fix", "--gather-strategy", "select", str(path))
    assert code == 0
    text = path.read_text()
    assert "stablehlo.gather" not in text and "stablehlo.bitcast_convert" in text


def test_output_file_leaves_the_input_alone(copy, tmp_path):
    path = copy(SPLAT)
    before = path.read_text()
    out_path = tmp_path / "fixed.mlir"
    code, _, _ = run("fix", str(path), "-o", str(out_path))
    assert code == 0 and path.read_text() == before
    assert "stablehlo.scatter" not in out_path.read_text()


def test_output_needs_exactly_one_input(copy, tmp_path):
    code, _, err = run("fix", str(copy(SPLAT)), str(copy(GATHER)), "-o", str(tmp_path / "x.mlir"))
    assert code == 2 and "error: --output needs exactly one input" in err
    assert not (tmp_path / "x.mlir").exists()


def test_diff_prints_the_change_and_writes_nothing(copy):
    path = copy(SPLAT)
    before = path.read_text()
    code, out, err = run("fix", "--diff", str(path))
    assert code == 1 and path.read_text() == before
    assert out.startswith(f"--- {path}\n+++ {path}\n@@ ")
    removed = [line for line in out.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line for line in out.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert any("stablehlo.scatter" in line for line in removed)
    assert all("%hf" in line or line.lstrip("+ ").startswith("%4 = ") for line in added)
    assert "Would fix 1 finding." in err


def test_show_fixes_lists_what_was_fixed(copy):
    path = copy(SCATTER)
    code, out, _ = run("fix", "--show-fixes", "--gather-strategy", "select", str(path))
    assert code == 0
    assert "Fixed 1 finding:" in out and "1 × HF003 (row-iota-scatter)" in out


def test_stdin_writes_the_fixed_module_to_stdout():
    text = (FIXTURES / SPLAT).read_text()
    code, out, err = run("fix", "-", input=text)
    assert code == 0 and out.startswith("module @IrToHlo") and "stablehlo.scatter" not in out
    assert "1 fixed" in err


def test_unparseable_file_is_never_touched(tmp_path):
    path = tmp_path / "broken.mlir"
    path.write_text("module {\n  func.func @main() {\n")
    code, out, err = run("fix", "--unsafe-fixes", str(path))
    assert code == 2 and path.read_text() == "module {\n  func.func @main() {\n"
    line = err.strip().splitlines()[0]
    assert line.startswith(f"{path}:") and ": error: " in line


def test_missing_file_is_an_error():
    code, _, err = run("fix", "no/such/file.mlir")
    assert code == 2 and "no/such/file.mlir:1:1: error: no such file or directory" in err


def test_interrupted_write_leaves_the_original(copy, monkeypatch):
    path = copy(SPLAT)
    before = path.read_text()

    def failing_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    code, _, err = run("fix", str(path))
    assert code == 2 and "No space left on device" in err
    assert path.read_text() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file left behind


def test_write_keeps_permissions(copy):
    path = copy(SPLAT)
    path.chmod(0o640)
    assert run("fix", str(path))[0] == 0
    assert path.stat().st_mode & 0o777 == 0o640


def test_verify_refuses_a_wrong_rewrite(copy, monkeypatch):
    pytest.importorskip("jax")
    from hlo_fix.rewrite.emit import Emitter

    original_constant = Emitter.constant

    def off_by_one(self, literal, element_type):
        # The gather's clamp bound E-1 = 159 becomes 158: the last column reads its neighbour.
        return original_constant(self, "158" if literal == "159" else literal, element_type)

    monkeypatch.setattr(Emitter, "constant", off_by_one)
    path = copy(GATHER)
    before = path.read_text()
    code, _, err = run("fix", "--unsafe-fixes", "--verify", str(path))
    assert code == 2 and path.read_text() == before
    assert "error: not written: the rewrite computes different values" in err
    assert run("fix", "--unsafe-fixes", str(path))[0] == 0 and path.read_text() != before  # unverified, it is written


def test_verify_accepts_a_correct_rewrite_of_a_sharded_module(copy):
    pytest.importorskip("jax")
    path = copy("router_gather_scatter_shardy_f32.mlir")
    code, out, err = run("fix", "--unsafe-fixes", "--verify", str(path))
    assert code == 0, err
    assert "stablehlo.gather" not in path.read_text()


def test_bad_option_values_are_errors(copy):
    code, _, err = run("fix", "--gather-strategy", "einsum", str(copy(GATHER)))
    assert code == 2 and "einsum" in err
    code, _, err = run("fix", "--diff", "-o", "x.mlir", str(copy(GATHER)))
    assert code == 2 and "cannot be combined" in err


def test_exit_non_zero_on_fix_says_that_something_was_fixed(copy):
    path = copy(SPLAT)
    assert run("fix", "--exit-non-zero-on-fix", str(path))[0] == 1
    assert run("fix", "--exit-non-zero-on-fix", str(path))[0] == 0  # nothing left to fix


def test_fix_of_a_directory_skips_what_the_configuration_excludes(tmp_path):
    kept, skipped = tmp_path / "kept.mlir", tmp_path / "out" / "generated.mlir"
    skipped.parent.mkdir()
    for target in (kept, skipped):
        shutil.copyfile(FIXTURES / SPLAT, target)
    (tmp_path / "hlo-fix.toml").write_text('extend-exclude = ["out"]\n', encoding="utf-8")
    before = skipped.read_text()
    code, out, _ = run("fix", str(tmp_path))
    assert code == 0 and "stablehlo.scatter" not in kept.read_text()
    assert skipped.read_text() == before  # excluded, as lint would have skipped it
