"""`hlo_fix.check` as a project's CI gate: it reads `[tool.hlo-fix]` the way `hlo-fix lint` does, and its report
speaks to the Python caller. Real exported fixtures, passed as text (no jax needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import hlo_fix
from hlo_fix.cli import cli
from hlo_fix.errors import ConfigError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROUTER = FIXTURES / "router_explicit_gather_scatter_shardy_f32_debug.mlir"  # HF002/HF003 errors, HF005 warnings


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project directory holding a copy of the module, which the CLI lints with the project's settings."""
    (tmp_path / "router.mlir").write_text(ROUTER.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def codes(findings) -> list[str]:
    return sorted({f.code for f in findings})


def caught(**options) -> hlo_fix.HazardsFound:
    with pytest.raises(hlo_fix.HazardsFound) as info:
        hlo_fix.check(ROUTER.read_text(), name="router.mlir", **options)
    return info.value


def cli_codes(*args: str) -> list[str]:
    import json

    result = CliRunner().invoke(cli, ["lint", "--output-format", "json", *args, "router.mlir"])
    return sorted({f["code"] for f in json.loads(result.stdout)})


def test_check_reads_pyproject_like_the_cli(project):
    assert codes(caught().findings) == cli_codes() == ["HF002", "HF003", "HF005"]
    (project / "pyproject.toml").write_text('[project]\nname = "m"\n\n[tool.hlo-fix]\nignore = ["HF002", "HF003"]\n')
    assert codes(hlo_fix.check(ROUTER.read_text(), errors_only=True)) == cli_codes() == ["HF005"]  # warnings pass
    (project / "pyproject.toml").write_text('[tool.hlo-fix]\nindex-float = "f32"\n')
    assert codes(caught().findings) == cli_codes() == ["HF002", "HF003"]  # 10239 is exact in f32


def test_keyword_arguments_layer_over_the_configuration_as_options_do(project):
    (project / "hlo-fix.toml").write_text('ignore = ["HF005"]\n')
    assert codes(caught(ignore="HF003").findings) == cli_codes("--ignore", "HF003") == ["HF002"]
    assert codes(caught(select=["HF005"]).findings) == cli_codes("--select", "HF005") == ["HF005"]
    assert codes(caught(isolated=True).findings) == cli_codes("--isolated") == ["HF002", "HF003", "HF005"]
    other = project / "other.toml"
    other.write_text('select = ["HF003"]\n')
    assert codes(caught(config=other).findings) == cli_codes("--config", str(other)) == ["HF003"]


def test_a_bad_configuration_is_a_located_config_error(project):
    (project / "hlo-fix.toml").write_text('select = ["HF0X"]\n')
    with pytest.raises(ConfigError) as info:
        hlo_fix.check(ROUTER.read_text())
    assert info.value.format() == f"{project / 'hlo-fix.toml'}:1:1: error: unknown rule code or prefix `HF0X` in `select`"


def test_the_report_speaks_to_a_python_caller(project):
    report = str(caught(isolated=True))
    lines = report.splitlines()
    assert "fixable with `hlo-fix fix`" not in report
    assert lines[-2] == "Found 2 errors and 2 warnings."
    assert lines[-1].startswith("Change the Python lines named by `source:`, following each `help:`")
    assert "write the module to a file (`lowered.as_text()`) and let `hlo-fix fix` rewrite it" in lines[-1]
    assert "= source: hlo_fix_fixtures/router_explicit.py:" in report


def test_without_debug_locations_the_advice_names_the_code_not_source_lines(project):
    text = (FIXTURES / "router_explicit_gather_scatter_shardy_f32.mlir").read_text()
    with pytest.raises(hlo_fix.HazardsFound) as info:
        hlo_fix.check(text, isolated=True)
    assert str(info.value).splitlines()[-1].startswith("Change the Python code that built this module")
