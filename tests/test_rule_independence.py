"""A rule's findings do not depend on which other rules run.

Rules share one sharding analysis per module, and that analysis records the answers of earlier queries; the
order of those queries is whatever the enabled rules happen to ask. A CI job that runs `--select HF006` must see
exactly the HF006 findings a full run reports, on every fixture (JAX, PyTorch/XLA, torchax; Shardy and GSPMD)."""

from __future__ import annotations

from pathlib import Path

import pytest

import hlo_fix
from hlo_fix.rules.registry import all_rules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILES = sorted([*FIXTURES.glob("*.mlir"), *FIXTURES.glob("transformers/*.mlir")])


def described(findings) -> list[tuple]:
    return [(f.code, f.row, f.column, f.severity, f.message, f.fix) for f in findings]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_each_rule_alone_reports_what_the_full_run_reports(path):
    text = path.read_text(encoding="utf-8")
    full = described(hlo_fix.lint_text(text, str(path)))
    for rule in all_rules():
        alone = described(hlo_fix.lint_text(text, str(path), select=[rule.code]))
        assert alone == [f for f in full if f[0] == rule.code], rule.code


def test_fixtures_are_there():
    assert len(FILES) > 100
