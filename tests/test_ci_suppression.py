"""Suppression comments on real exports: `# hlo-fix: ignore[...]` on the Python line a finding's debug location
names (the fixture's own source, copied where the location points), and `// hlo-fix: ignore[...]` on an op's
line in MLIR; unused ones are warned about."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import hlo_fix
from hlo_fix.cli import cli

REPO = Path(__file__).resolve().parent.parent
ROUTER = REPO / "fixtures" / "router_explicit_gather_scatter_shardy_f32_debug.mlir"
ROUTER_SOURCE = REPO / "tools" / "fixture_models" / "router_explicit.py"  # what its locations name
SCATTER_LINE, GATHER_LINE = 48, 50  # HF003 + HF005 come from line 48, HF002 + HF005 from line 50
IOTA = REPO / "fixtures" / "causal_mask_seq_sharded_shardy.mlir"  # HF001 on line 5


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "hlo-fix.toml").write_text("")
    shutil.copy(ROUTER, tmp_path / "router.mlir")
    (tmp_path / "hlo_fix_fixtures").mkdir()
    shutil.copy(ROUTER_SOURCE, tmp_path / "hlo_fix_fixtures" / "router_explicit.py")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def comment_python(project: Path, line: int, comment: str) -> Path:
    path = project / "hlo_fix_fixtures" / "router_explicit.py"
    lines = path.read_text().splitlines()
    lines[line - 1] += f"  {comment}"
    path.write_text("\n".join(lines) + "\n")
    return path


def lint(*paths: str):
    result = CliRunner().invoke(cli, ["lint", "--output-format", "json", *paths])
    assert result.exit_code in (0, 1), result.output
    found = [(f["code"], f["source"]["line"] if f["source"] else None) for f in json.loads(result.stdout)]
    return found, result.stderr.splitlines()


def test_without_comments_every_finding_is_reported(project):
    assert lint("router.mlir") == ([("HF003", 48), ("HF005", 48), ("HF002", 50), ("HF005", 50)], [])


def test_a_python_comment_silences_the_codes_it_lists(project):
    comment_python(project, GATHER_LINE, "# hlo-fix: ignore[HF002]")
    assert lint("router.mlir") == ([("HF003", 48), ("HF005", 48), ("HF005", 50)], [])


def test_a_bare_python_comment_silences_everything_from_its_line(project):
    comment_python(project, SCATTER_LINE, "# hlo-fix: ignore")
    assert lint("router.mlir")[0] == [("HF002", 50), ("HF005", 50)]


def test_prefixes_work_as_selectors(project):
    comment_python(project, GATHER_LINE, "#hlo-fix: ignore[hf00]")
    assert lint("router.mlir")[0] == [("HF003", 48), ("HF005", 48)]


def test_an_unused_code_on_a_python_line_with_findings_is_warned_about(project):
    path = comment_python(project, GATHER_LINE, "# hlo-fix: ignore[HF002, HF004]")
    found, warnings = lint("router.mlir")
    assert found == [("HF003", 48), ("HF005", 48), ("HF005", 50)]
    column = path.read_text().splitlines()[GATHER_LINE - 1].index("#") + 1
    assert warnings == [f"{path}:{GATHER_LINE}:{column}: warning: unused suppression `hlo-fix: ignore[HF004]`"]


def test_the_directive_inside_a_string_is_not_a_comment(project):
    comment_python(project, GATHER_LINE, "; _ = '# hlo-fix: ignore[HF002]'")
    assert ("HF002", 50) in lint("router.mlir")[0]


def test_a_module_linted_from_elsewhere_finds_the_source_next_to_it(project, monkeypatch):
    comment_python(project, GATHER_LINE, "# hlo-fix: ignore[HF002]")
    (project / "elsewhere").mkdir()
    monkeypatch.chdir(project / "elsewhere")
    assert ("HF002", 50) not in lint(str(project / "router.mlir"))[0]


def test_check_honours_python_comments(project):
    comment_python(project, GATHER_LINE, "# hlo-fix: ignore[HF002, HF005]")
    comment_python(project, SCATTER_LINE, "# hlo-fix: ignore[HF003, HF005]")
    assert hlo_fix.check(ROUTER.read_text()) == []


def mlir_with_comment(project: Path, comment: str) -> Path:
    lines = IOTA.read_text().splitlines()
    lines[4] += f" {comment}"
    path = project / "mask.mlir"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_mlir_comment_on_the_ops_line(project):
    assert lint(str(mlir_with_comment(project, "")))[0] == [("HF001", None)]
    assert lint(str(mlir_with_comment(project, "// hlo-fix: ignore[HF001]"))) == ([], [])
    assert lint(str(mlir_with_comment(project, "// hlo-fix: ignore"))) == ([], [])


def test_an_unused_mlir_comment_is_warned_about(project):
    path = mlir_with_comment(project, "// hlo-fix: ignore[HF002]")
    column = path.read_text().splitlines()[4].index("//") + 1
    found, warnings = lint("mask.mlir")
    assert found == [("HF001", None)]
    assert warnings == [f"mask.mlir:5:{column}: warning: unused suppression `hlo-fix: ignore[HF002]`"]
    text = path.read_text().replace("    %3 = stablehlo.iota", "    %3 = stablehlo.iota // hlo-fix: ignore", 1)
    path.write_text(text)  # an iota that is not sharded: nothing to silence on its line
    column = text.splitlines()[6].index("//") + 1
    assert lint("mask.mlir")[1][-1] == f"mask.mlir:7:{column}: warning: unused suppression `hlo-fix: ignore`"
