"""Snapshots of what a user reads: the full report of each rule on a fixture where it fires (ruff's model).

A change in a message, a location or a snippet shows up here as a diff. To accept intended changes, run
`HLO_FIX_UPDATE_SNAPSHOTS=1 make test` and review `git diff tests/snapshots`.

Every registered rule has one snapshot, `tests/snapshots/<CODE>.txt`, and the snapshot names its fixture: the
report's first line starts with the fixture's path. A new rule's snapshot starts as that one path:

    echo fixtures/<fixture>.mlir > tests/snapshots/HF010.txt
    HLO_FIX_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_rule_snapshots.py -k HF010
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from hlo_fix.cli import cli
from hlo_fix.rules.registry import all_rules

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"

CODES = sorted(rule.code for rule in all_rules())


def fixture_of(snapshot: Path) -> str:
    """The fixture a snapshot was taken on: the path its report's first line starts with."""
    return snapshot.read_text().split(":", 1)[0].strip()


def test_every_rule_has_a_snapshot():
    assert sorted(p.stem for p in SNAPSHOTS.glob("HF*.txt")) == CODES


@pytest.mark.parametrize("code", CODES)
def test_full_report_snapshot(code, monkeypatch):
    monkeypatch.chdir(REPO)
    snapshot = SNAPSHOTS / f"{code}.txt"
    if not snapshot.exists():
        pytest.fail(f"no snapshot for {code}: `echo fixtures/<fixture>.mlir > {snapshot.relative_to(REPO)}`, then "
                    f"run with HLO_FIX_UPDATE_SNAPSHOTS=1")
    result = CliRunner().invoke(cli, ["lint", "--isolated", "--select", code, fixture_of(snapshot)])
    assert result.exit_code == 1, result.output
    if os.environ.get("HLO_FIX_UPDATE_SNAPSHOTS"):
        snapshot.write_text(result.stdout)
    assert result.stdout == snapshot.read_text()
