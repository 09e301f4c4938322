"""The Python API on real JAX lowerings: a project's own test can keep hazards out of its exported models."""

from __future__ import annotations

import subprocess
import sys

import pytest

import hlo_fix

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")


def gather_rows(x, idx):
    return x[jnp.arange(x.shape[0])[:, None], idx]


def gather_onehot(x, idx):
    one_hot = (idx[..., None] == jnp.arange(x.shape[1])).astype(x.dtype)
    return jnp.einsum("be,bke->bk", x, one_hot)


ARGS = (jnp.zeros((64, 160), jnp.float32), jnp.zeros((64, 8), jnp.int32))


def test_check_raises_with_the_cli_report_and_the_python_line():
    with pytest.raises(hlo_fix.HazardsFound) as caught:
        hlo_fix.check(jax.jit(gather_rows).lower(*ARGS), name="router.mlir")
    report = str(caught.value)
    assert "HF002" in report and "router.mlir:" in report
    # The finding names the Python line that built the gather (debug locations are requested).
    assert f"test_api.py:{gather_rows.__code__.co_firstlineno + 1}" in report
    assert {f.code for f in caught.value.findings} == {"HF002", "HF005"}
    assert all(f.severity == "warning" for f in caught.value.findings)  # nothing is sharded here


def test_check_passes_the_one_hot_form_and_returns_no_findings():
    assert hlo_fix.check(jax.jit(gather_onehot).lower(*ARGS)) == []


def test_check_can_let_warnings_pass_and_select_rules():
    lowered = jax.jit(gather_rows).lower(*ARGS)
    assert [f.code for f in hlo_fix.check(lowered, errors_only=True)] == ["HF002", "HF005"]
    assert hlo_fix.check(lowered, ignore=["HF002", "HF005"]) == []


def test_lint_text_selects_and_reports_positions():
    text = jax.jit(gather_rows).lower(*ARGS).as_text()
    findings = hlo_fix.lint_text(text, "m.mlir", select="HF002")
    assert [f.code for f in findings] == ["HF002"]
    gather_line = next(i for i, line in enumerate(text.split("\n"), 1) if '"stablehlo.gather"' in line)
    assert findings[0].row == gather_line and findings[0].filename == "m.mlir"


def test_importing_hlo_fix_does_not_import_jax():
    code = "import hlo_fix, sys; hlo_fix.lint_text; import hlo_fix.cli; print('jax' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_linting_a_real_export_imports_neither_jax_nor_numpy():
    code = (
        "import sys; from click.testing import CliRunner; from hlo_fix.cli import cli; "
        "r = CliRunner().invoke(cli, ['lint', 'fixtures/router_gather_scatter_gspmd_f32_debug.mlir']); "
        "print(r.exit_code, sorted(m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib', 'numpy')))"
    )
    repo = __import__("pathlib").Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo)
    assert result.stdout.strip() == "1 []"
