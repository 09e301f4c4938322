"""The `hlo-fix simulate` command: JSON shape and exit codes as issue 12 gives them, the side-by-side table,
--shards, --plot, and one-line errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("jax")
pytest.importorskip("numpy")

from click.testing import CliRunner  # noqa: E402

from hlo_fix.cli import cli  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SMALL_HAZARD = str(FIXTURES / "gather_row_iota_u32_shardy.mlir")
SMALL_CLEAN = str(FIXTURES / "take_along_axis_shardy.mlir")


def invoke(*args):
    return CliRunner().invoke(cli, ["simulate", "--seeds", "1", *args])


def test_json_has_exactly_the_issue_shape():
    result = invoke("--output-format", "json", "--index-float", "f32", SMALL_HAZARD)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"module", "mesh", "outputs", "first_divergence", "modelled"}
    assert report["module"] == SMALL_HAZARD and report["mesh"] == {"batch": 4}
    for output in report["outputs"]:
        assert set(output) == {"index", "shards"}
        assert [s["shard"] for s in output["shards"]] == [{"batch": b} for b in range(4)]
        for shard in output["shards"]:
            assert set(shard) == {"shard", "pcc", "max_abs_err", "mismatches"}
            assert isinstance(shard["mismatches"], int) and isinstance(shard["pcc"], float)
    assert set(report["first_divergence"]) == {"line", "column", "op", "source"}
    assert report["modelled"] == ["local-iota"]


def test_exact_module_exits_zero_with_text_report():
    result = invoke(SMALL_CLEAN)
    assert result.exit_code == 0, result.output
    assert "first divergence: none" in result.output
    assert "every shard of every output is exact" in result.output


def test_shards_option_resizes_the_axis():
    result = invoke("--output-format", "json", "--index-float", "f32", "--shards", "batch=2", SMALL_HAZARD)
    report = json.loads(result.stdout)
    assert report["mesh"] == {"batch": 2}
    shards = report["outputs"][0]["shards"]
    assert len(shards) == 2 and shards[0]["mismatches"] == 0 and shards[1]["mismatches"] > 0


@pytest.mark.parametrize("bad", ["batch", "nosuchaxis=2", "batch=1024"])
def test_bad_shards_is_one_line_exit_two(bad):
    result = invoke("--shards", bad, SMALL_HAZARD)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "error" in result.output


def test_unparsable_module_is_a_located_error(tmp_path):
    broken = tmp_path / "broken.mlir"
    broken.write_text("module {\n  func.func @main() {\n    %0 = stablehlo.add\n")
    result = invoke(str(broken))
    assert result.exit_code == 2
    assert result.output.startswith(f"{broken}:") and result.output.count("\n") == 1


def test_two_modules_side_by_side_exit_code_is_the_fixed_ones(tmp_path):
    fixed = tmp_path / "fixed.mlir"
    assert CliRunner().invoke(cli, ["fix", "-o", str(fixed), SMALL_HAZARD]).exit_code == 0
    result = invoke("--index-float", "f32", SMALL_HAZARD, str(fixed))
    assert result.exit_code == 0, result.output
    assert "original PCC" in result.output and "fixed PCC" in result.output
    rows = [line.split() for line in result.output.splitlines() if line.startswith("0 ")]
    assert len(rows) == 4 and all(row[4] == "1.000000" and row[5] == "0" for row in rows)
    assert rows[0][3] == "0" and all(int(row[3]) > 0 for row in rows[1:])


def test_plot_html_is_a_self_contained_svg_bar_chart(tmp_path):
    page = tmp_path / "pcc.html"
    result = invoke("--plot", str(page), SMALL_HAZARD)
    assert result.exit_code == 1
    html = page.read_text()
    assert "<svg" in html and html.count("<rect") >= 4 and "<script" not in html
    assert "http://www.w3.org/2000/svg" in html
    assert "batch=1" in html


def test_plot_png_needs_matplotlib(tmp_path):
    target = tmp_path / "pcc.png"
    result = invoke("--plot", str(target), SMALL_HAZARD)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert result.exit_code == 2 and "matplotlib" in result.output and result.output.count("\n") == 1
    else:
        assert result.exit_code == 1 and target.read_bytes().startswith(b"\x89PNG")


def test_help_documents_every_modelled_failure():
    from hlo_fix.simulate.failures import NAMES

    result = CliRunner().invoke(cli, ["simulate", "--help"])
    assert result.exit_code == 0
    for name in NAMES:
        assert name in result.output
