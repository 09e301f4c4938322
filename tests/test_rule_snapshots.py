"""Snapshots of what a user reads: the full report of each rule on a fixture where it fires (ruff's model).

A change in a message, a location or a snippet shows up here as a diff. To accept intended changes, run
`HLO_FIX_UPDATE_SNAPSHOTS=1 make test` and review `git diff tests/snapshots`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from hlo_fix.cli import cli

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"

# One fixture per rule where it fires, in the exporter dialects users meet most.
CASES = {
    "HF001": "fixtures/causal_mask_seq_sharded_shardy.mlir",
    "HF002": "fixtures/router_gather_scatter_shardy_f32_debug.mlir",
    "HF003": "fixtures/torchxla_scatter_set_b32e64k6_spmd.mlir",
    "HF004": "fixtures/flat_index_gather_shardy.mlir",
    "HF005": "fixtures/gather_row_iota_unsharded.mlir",
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_full_report_snapshot(code, monkeypatch):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["lint", "--isolated", "--select", code, CASES[code]])
    assert result.exit_code == 1, result.output
    snapshot = SNAPSHOTS / f"{code}.txt"
    if os.environ.get("HLO_FIX_UPDATE_SNAPSHOTS"):
        snapshot.write_text(result.stdout)
    assert result.stdout == snapshot.read_text()
