"""Baselines: stored as per-file multisets of (code, fingerprint); only findings beyond them are reported."""

from __future__ import annotations

import json
import re
import sys
import types

import pytest
from click.testing import CliRunner

from hlo_fix.cli import cli
from hlo_fix.lint.baseline import Baseline, load_baseline, write_baseline
from hlo_fix.lint.config import ConfigFileError
from hlo_fix.rule_api.finding import Finding
from hlo_fix.rule_api.rule import Rule
from hlo_fix.rules import registry


def finding(code: str, fingerprint: str, filename: str = "m.mlir", row: int = 1) -> Finding:
    return Finding(code, "rule", "message", "error", filename, row, 1, row, 2, fingerprint=fingerprint)


# The file format and the multiset comparison


def test_write_then_load_round_trips(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    findings = [finding("HF002", "g"), finding("HF001", "i"), finding("HF002", "g"), finding("HF001", "i", "sub/n.mlir")]
    write_baseline("baseline.json", findings)
    assert json.loads((tmp_path / "baseline.json").read_text()) == {
        "hlo-fix-baseline": 1,
        "files": {
            "m.mlir": [
                {"code": "HF001", "fingerprint": "i"},
                {"code": "HF002", "fingerprint": "g"},
                {"code": "HF002", "fingerprint": "g"},
            ],
            "sub/n.mlir": [{"code": "HF001", "fingerprint": "i"}],
        },
    }
    assert load_baseline("baseline.json").new_findings(findings) == []


def test_multiset_reports_only_the_extra_copies():
    baseline = Baseline.from_findings([finding("HF002", "g"), finding("HF002", "g")], directory=".")
    now = [finding("HF002", "g", row=3), finding("HF002", "g", row=9), finding("HF002", "g", row=12)]
    assert baseline.new_findings(now) == [now[2]]
    assert baseline.new_findings(now[:1]) == []  # fixed findings are simply gone
    # and the baseline itself is not consumed
    assert baseline.new_findings(now) == [now[2]]


def test_matching_is_per_file_and_per_code():
    baseline = Baseline.from_findings([finding("HF002", "g", "a.mlir")], directory=".")
    other_file = finding("HF002", "g", "b.mlir")
    other_code = finding("HF001", "g", "a.mlir")
    assert baseline.new_findings([other_file, other_code]) == [other_file, other_code]


def test_paths_are_relative_to_the_baseline_file(tmp_path, monkeypatch):
    (tmp_path / "ci").mkdir()
    (tmp_path / "models").mkdir()
    monkeypatch.chdir(tmp_path)
    write_baseline("ci/baseline.json", [finding("HF001", "i", "models/m.mlir")])
    assert list(json.loads((tmp_path / "ci" / "baseline.json").read_text())["files"]) == ["../models/m.mlir"]
    # the same file, reached from another directory, still matches
    monkeypatch.chdir(tmp_path / "models")
    assert load_baseline("../ci/baseline.json").new_findings([finding("HF001", "i", "m.mlir")]) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "baseline is not valid JSON"),
        ("[]", "not an hlo-fix baseline"),
        ('{"hlo-fix-baseline": 1}', "baseline has no `files` object"),
        ('{"hlo-fix-baseline": 1, "files": {"m.mlir": [{"code": "HF001"}]}}', "must be a list of {code, fingerprint}"),
    ],
)
def test_malformed_baseline(tmp_path, content, message):
    path = tmp_path / "baseline.json"
    path.write_text(content)
    with pytest.raises(ConfigFileError, match=re.escape(message)):
        load_baseline(path)


def test_missing_baseline(tmp_path):
    with pytest.raises(ConfigFileError, match="baseline file not found"):
        load_baseline(tmp_path / "nope.json")


# Through the command line, with a stand-in checker


class ShardedIota(Rule):
    """## What it does
    Flags sharded iotas."""

    code = "HF001"
    name = "sharded-iota"
    severity = "error"
    summary = "Iota along a sharded dimension"


def fake_lint_text(text: str, filename: str, settings) -> list[Finding]:
    """One HF001 per iota, fingerprinted like the real checker: independent of SSA names and line numbers."""
    return [
        Finding("HF001", "sharded-iota", "iota along a sharded dimension", "error", filename, row, 10, row, 24,
                fingerprint="HF001:" + re.sub(r"%\w+", "%_", line.strip()))
        for row, line in enumerate(text.splitlines(), start=1)
        if "stablehlo.iota" in line
    ]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "all_rules", lambda: [ShardedIota])
    checker = types.ModuleType("hlo_fix.lint.checker")
    checker.lint_text = fake_lint_text
    monkeypatch.setitem(sys.modules, "hlo_fix.lint.checker", checker)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hlo-fix.toml").write_text("")
    return tmp_path


def module(*ops: str) -> str:
    body = "".join(f"    {op}\n" for op in ops)
    return f"module {{\n  func.func public @main() -> () {{\n{body}    return\n  }}\n}}\n"


IOTA_0 = "%0 = stablehlo.iota dim = 0 : tensor<8x1xi32>"
IOTA_1 = "%1 = stablehlo.iota dim = 1 : tensor<8x4xi32>"


def lint(*args: str):
    return CliRunner().invoke(cli, ["lint", "--output-format", "concise", *args])


def test_write_baseline_then_rerun_reports_nothing_new(workdir):
    (workdir / "m.mlir").write_text(module(IOTA_0, IOTA_1))
    written = lint("--write-baseline", "baseline.json", "m.mlir")
    assert written.exit_code == 0
    assert written.stdout == ""
    assert written.stderr == "Wrote 2 findings to the baseline baseline.json.\n"

    rerun = lint("--baseline", "baseline.json", "m.mlir")
    assert (rerun.exit_code, rerun.stdout) == (0, "All checks passed!\n")


def test_baseline_survives_shifted_lines_and_renumbered_values(workdir):
    (workdir / "m.mlir").write_text(module(IOTA_0))
    lint("--write-baseline", "baseline.json", "m.mlir")
    (workdir / "m.mlir").write_text(module("%a = stablehlo.constant dense<0> : tensor<i32>", IOTA_0.replace("%0", "%7")))
    assert lint("--baseline", "baseline.json", "m.mlir").exit_code == 0


def test_added_finding_is_reported(workdir):
    (workdir / "m.mlir").write_text(module(IOTA_0))
    lint("--write-baseline", "baseline.json", "m.mlir")
    (workdir / "m.mlir").write_text(module(IOTA_0, IOTA_1, IOTA_0.replace("%0", "%2")))
    result = lint("--baseline", "baseline.json", "m.mlir")
    assert result.exit_code == 1
    assert result.stdout == (
        "m.mlir:4:10: HF001 iota along a sharded dimension\n"
        "m.mlir:5:10: HF001 iota along a sharded dimension\n"
        "Found 2 errors.\n"
    )


def test_bad_baseline_is_one_error_line(workdir):
    (workdir / "m.mlir").write_text(module(IOTA_0))
    (workdir / "baseline.json").write_text("{\n  oops\n")
    result = lint("--baseline", "baseline.json", "m.mlir")
    assert result.exit_code == 2
    assert result.stderr == "baseline.json:2:3: error: baseline is not valid JSON: Expecting property name enclosed in double quotes\n"
    missing = lint("--baseline", "nope.json", "m.mlir")
    assert (missing.exit_code, missing.stderr) == (2, "nope.json:1:1: error: baseline file not found\n")
