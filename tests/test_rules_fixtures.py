"""Every hazard the fixture generator planted is flagged on its own line with the planned code and severity, and
the hazard-free fixtures lint clean (ground truth: fixtures/MANIFEST.json, written by tools/make_fixtures.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hlo_fix.ir.scanner import read_module
from hlo_fix.lint.checker import lint_module

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text())["fixtures"]


def expected_findings(name: str, module) -> set[tuple[int, str, str]]:
    found = set()
    for entry in MANIFEST[name]["expect"]:
        op = module.ops_named(entry["op"])[entry["occurrence"]]
        found.add((op.line, entry["code"], entry["severity"]))
    return found


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_fixture_findings_match_manifest(name):
    module = read_module((FIXTURES / name).read_text(), name)
    actual = {(f.row, f.code, f.severity) for f in lint_module(module)}
    assert actual == expected_findings(name, module)


def test_manifest_has_hazard_free_and_hazardous_fixtures():
    clean = [n for n, e in MANIFEST.items() if not e["expect"]]
    hazardous = [n for n, e in MANIFEST.items() if e["expect"]]
    assert len(clean) >= 10 and len(hazardous) >= 10
