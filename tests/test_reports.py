"""Report formats rendered from constructed findings on a small, real-looking exported module."""

from __future__ import annotations

import json

import pytest

from hlo_fix.ir.locations import SourceLocation
from hlo_fix.lint.report import FORMATS, ReportContext, render, render_statistics
from hlo_fix.lint.report.full import crop
from hlo_fix.lint.report.github import escape_property
from hlo_fix.rule_api.finding import Finding, Fix
from hlo_fix.rule_api.rule import Rule
from hlo_fix.rules import registry

MODULE = """\
module @jit_sparse_mlp attributes {mhlo.num_partitions = 8 : i32} {
  func.func public @main(%arg0: tensor<1024x512xf32>) -> tensor<1024x512xf32> {
    %0 = stablehlo.iota dim = 0 : tensor<1024x1xi32>
    %1 = "stablehlo.gather"(%arg0, %0) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 512>}> : (tensor<1024x512xf32>, tensor<1024x1xi32>) -> tensor<1024x512xf32>
    %2 = stablehlo.convert %0 : (tensor<1024x1xi32>) -> tensor<1024x1xbf16>
    return %1 : tensor<1024x512xf32>
  }
}
"""

IOTA = Finding(
    "HF001", "sharded-iota", "iota along the sharded batch dimension", "error", "models/mlp.mlir", 3, 10, 3, 24,
    fix=Fix("safe", "Replace the iota with a partition-aware index"), fingerprint="fp-iota",
)
GATHER = Finding(
    "HF002", "row-iota-gather", "gather indexes rows with an iota", "error", "models/mlp.mlir", 4, 10, 4, 28,
    fix=Fix("unsafe", "Rewrite the gather as a dynamic slice"), source=SourceLocation("sparse_mlp.py", 1001),
    fingerprint="fp-gather",
)
CONVERT = Finding(
    "HF003", "inexact-flat-index", "flat index 1023 is not exact in bf16", "warning", "models/mlp.mlir", 5, 10, 5, 27,
    fingerprint="fp-convert",
)
CONTEXT = ReportContext(sources={"models/mlp.mlir": MODULE})


class ShardedIota(Rule):
    """## What it does
    Flags iotas along a sharded dimension.

    ## Why is this bad?
    Each shard counts from zero.
    """

    code = "HF001"
    name = "sharded-iota"
    severity = "error"
    summary = "Iota along a sharded dimension"
    fix_applicability = "safe"


class RowIotaGather(Rule):
    """## What it does
    Flags gathers whose indices are a row iota."""

    code = "HF002"
    name = "row-iota-gather"
    severity = "error"
    summary = "Gather indexed by a row iota"
    fix_applicability = "unsafe"


@pytest.fixture(autouse=True)
def fake_rules(monkeypatch):
    monkeypatch.setattr(registry, "all_rules", lambda: [ShardedIota, RowIotaGather])


def test_full_format_snapshot():
    expected = """\
models/mlp.mlir:3:10: HF001 [*] iota along the sharded batch dimension
  |
3 |     %0 = stablehlo.iota dim = 0 : tensor<1024x1xi32>
  |          ^^^^^^^^^^^^^^
  |
  = help: Replace the iota with a partition-aware index

models/mlp.mlir:4:10: HF002 gather indexes rows with an iota
  |
4 |     %1 = "stablehlo.gather"(%arg0, %0) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims =...
  |          ^^^^^^^^^^^^^^^^^^
  |
  = source: sparse_mlp.py:1001
  = help: Rewrite the gather as a dynamic slice (unsafe fix, available with `hlo-fix fix --unsafe-fixes`)

models/mlp.mlir:5:10: HF003 flat index 1023 is not exact in bf16
  |
5 |     %2 = stablehlo.convert %0 : (tensor<1024x1xi32>) -> tensor<1024x1xbf16>
  |          ^^^^^^^^^^^^^^^^^
  |

Found 2 errors and 1 warning.
[*] 1 fixable with `hlo-fix fix` (1 hidden fix can be enabled with the `--unsafe-fixes` option).
"""
    assert render("full", [IOTA, GATHER, CONVERT], CONTEXT) == expected


def test_full_format_with_unsafe_fixes_marks_them_applicable():
    context = ReportContext(sources=CONTEXT.sources, unsafe_fixes=True)
    text = render("full", [GATHER], context)
    assert text.splitlines()[0] == "models/mlp.mlir:4:10: HF002 [*] gather indexes rows with an iota"
    assert "  = help: Rewrite the gather as a dynamic slice\n" in text
    assert text.endswith("Found 1 error.\n[*] 1 fixable with `hlo-fix fix --unsafe-fixes`.\n")


def test_full_format_wide_gutter_and_span_far_right_is_cropped():
    line = "    %7 = stablehlo.add %5, %6 : tensor<8xf32> " + "x" * 150 + ' "stablehlo.scatter"(%a)'
    text = "\n" * 11 + line + "\n"
    column = line.index('"stablehlo.scatter"') + 1
    finding = Finding("HF004", "row-iota-scatter", "scatter", "error", "m.mlir", 12, column, 12, column + 19)
    block = render("full", [finding], ReportContext(sources={"m.mlir": text}, quiet=True))
    expected_code_line = "12 | ..." + line[-120:]
    assert block.splitlines()[2] == expected_code_line
    span_start = len(expected_code_line) - len('"stablehlo.scatter"(%a)')
    assert block.splitlines()[3] == "   | " + " " * (span_start - 5) + "^" * 19


def test_multi_line_span_is_underlined_to_end_of_first_line():
    finding = Finding("HF001", "sharded-iota", "m", "error", "models/mlp.mlir", 3, 10, 5, 3)
    lines = render("full", [finding], ReportContext(sources=CONTEXT.sources, quiet=True)).splitlines()
    assert lines[3] == "  |          " + "^" * len("stablehlo.iota dim = 0 : tensor<1024x1xi32>")


def test_full_format_without_source_text_prints_header_and_notes():
    assert render("full", [GATHER], ReportContext(quiet=True)) == (
        "models/mlp.mlir:4:10: HF002 gather indexes rows with an iota\n"
        "  = source: sparse_mlp.py:1001\n"
        "  = help: Rewrite the gather as a dynamic slice (unsafe fix, available with `hlo-fix fix --unsafe-fixes`)\n\n"
    )


def test_crop_keeps_short_lines():
    assert crop("abc", 1, 2) == ("abc", 1, 2)


@pytest.mark.parametrize("output_format", ["full", "concise"])
def test_clean_run_says_all_checks_passed(output_format):
    assert render(output_format, [], ReportContext()) == "All checks passed!\n"
    assert render(output_format, [], ReportContext(had_errors=True)) == ""
    assert render(output_format, [], ReportContext(quiet=True)) == ""


def test_concise_format():
    assert render("concise", [IOTA, GATHER], CONTEXT) == (
        "models/mlp.mlir:3:10: HF001 [*] iota along the sharded batch dimension\n"
        "models/mlp.mlir:4:10: HF002 gather indexes rows with an iota\n"
        "Found 2 errors.\n"
        "[*] 1 fixable with `hlo-fix fix` (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    )


def test_summary_with_only_hidden_fixes():
    text = render("concise", [GATHER, GATHER], ReportContext())
    assert text.endswith("Found 2 errors.\nNo fixes available (2 hidden fixes can be enabled with the `--unsafe-fixes` option).\n")


def test_json_format_is_list_of_finding_json():
    document = json.loads(render("json", [IOTA, GATHER], CONTEXT))
    assert document == [IOTA.to_json(), GATHER.to_json()]
    assert document[1]["source"] == {"file": "sparse_mlp.py", "line": 1001, "column": None}
    assert json.loads(render("json", [], CONTEXT)) == []


def test_github_annotations():
    assert render("github", [IOTA, CONVERT], CONTEXT).splitlines() == [
        "::error file=models/mlp.mlir,line=3,col=10,endLine=3,endColumn=24,title=HF001 (sharded-iota)"
        "::iota along the sharded batch dimension%0Ahelp: Replace the iota with a partition-aware index",
        "::warning file=models/mlp.mlir,line=5,col=10,endLine=5,endColumn=27,title=HF003 (inexact-flat-index)"
        "::flat index 1023 is not exact in bf16",
    ]
    assert render("github", [], CONTEXT) == ""


def test_github_annotation_escapes_delimiters():
    assert escape_property("a,b:c%d") == "a%2Cb%3Ac%25d"
    odd = Finding("HF001", "sharded-iota", "50% of rows\nare wrong", "error", "dir,x/m:1.mlir", 1, 1, 1, 2)
    assert render("github", [odd], ReportContext()) == (
        "::error file=dir%2Cx/m%3A1.mlir,line=1,col=1,endLine=1,endColumn=2,title=HF001 (sharded-iota)"
        "::50%25 of rows%0Aare wrong\n"
    )


def test_github_help_line_names_hidden_unsafe_fixes():
    assert render("github", [GATHER], ReportContext()).endswith(
        "::gather indexes rows with an iota%0Ahelp: Rewrite the gather as a dynamic slice"
        " (unsafe fix, available with `hlo-fix fix --unsafe-fixes`)\n"
    )
    assert render("github", [GATHER], ReportContext(unsafe_fixes=True)).endswith(
        "%0Ahelp: Rewrite the gather as a dynamic slice\n"
    )


def test_github_paths_are_relative_to_cwd(tmp_path):
    finding = Finding("HF001", "sharded-iota", "m", "error", str(tmp_path / "sub" / "m.mlir"), 1, 1, 1, 2)
    assert "file=sub/m.mlir," in render("github", [finding], ReportContext(cwd=tmp_path))


def test_sarif_structure(tmp_path):
    absolute = Finding("HF001", "sharded-iota", "m", "error", str(tmp_path / "a b" / "m.mlir"), 1, 1, 1, 2)
    unknown_code = Finding("HF009", "made-up", "m", "warning", "m.mlir", 2, 3, 2, 4, fingerprint="x")
    log = json.loads(render("sarif", [IOTA, GATHER, CONVERT, absolute, unknown_code], ReportContext(cwd=tmp_path)))

    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "hlo-fix"
    assert driver["informationUri"].startswith("https://")
    assert isinstance(driver["version"], str)
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["HF001", "HF002", "HF003", "HF009"]
    first = rules[0]
    assert first["name"] == "sharded-iota"
    assert first["shortDescription"]["text"] == "Iota along a sharded dimension"
    assert first["fullDescription"]["text"] == ShardedIota.explanation()
    assert first["help"]["markdown"] == ShardedIota.explanation()
    assert first["defaultConfiguration"]["level"] == "error"
    for rule in rules:
        assert isinstance(rule["id"], str) and isinstance(rule["shortDescription"]["text"], str)
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note", "none")

    results = run["results"]
    assert len(results) == 5
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning")
        assert isinstance(result["message"]["text"], str)
        region = result["locations"][0]["physicalLocation"]["region"]
        assert all(isinstance(region[k], int) and region[k] >= 1 for k in ("startLine", "startColumn", "endLine", "endColumn"))
        assert set(result["partialFingerprints"]) == {"hloFix/v1"}
    gather = results[1]
    assert gather["ruleId"] == "HF002" and gather["level"] == "error"
    assert gather["message"]["text"] == "gather indexes rows with an iota"
    assert gather["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "models/mlp.mlir", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 10, "endLine": 4, "endColumn": 28},
    }
    assert gather["partialFingerprints"] == {"hloFix/v1": "fp-gather"}
    assert results[2]["level"] == "warning"
    assert results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%20b/m.mlir"


def test_sarif_validates_against_schema_when_available():
    jsonschema = pytest.importorskip("jsonschema")
    schema = {  # the parts of SARIF 2.1.0 GitHub code scanning requires
        "type": "object",
        "required": ["version", "runs"],
        "properties": {
            "version": {"const": "2.1.0"},
            "runs": {"type": "array", "items": {"type": "object", "required": ["tool", "results"]}},
        },
    }
    jsonschema.validate(json.loads(render("sarif", [IOTA], CONTEXT)), schema)


def test_every_format_renders_empty_and_nonempty():
    for output_format in FORMATS:
        assert isinstance(render(output_format, [IOTA], CONTEXT), str)
        assert isinstance(render(output_format, [], CONTEXT), str)


def test_statistics_text_and_json():
    findings = [GATHER, IOTA, GATHER, CONVERT, GATHER]
    assert render_statistics(findings, ReportContext()) == (
        "3\tHF002\t[ ] row-iota-gather\n"
        "1\tHF001\t[*] sharded-iota\n"
        "1\tHF003\t[ ] inexact-flat-index\n"
    )
    assert render_statistics([CONVERT], ReportContext()) == "1\tHF003\tinexact-flat-index\n"
    assert json.loads(render_statistics(findings, ReportContext(unsafe_fixes=True), as_json=True))[0] == {
        "code": "HF002", "name": "row-iota-gather", "count": 3, "fixable": True,
    }
