"""What an API process keeps after linting many distinct modules: the text-keyed tables stay within their budget
(`hlo_fix.ir.memo`), nothing else piles up per module, and a table forgetting entries never changes a finding.

The full target (5,000 distinct modules, under 5 MB of traced growth after the first 500) is measured by
`make bench` (bench/memory.py); this test runs a shorter sequence with tight budgets, so a leak outside the tables
shows up in a few hundred modules."""

from __future__ import annotations

import gc
import re
import tracemalloc
from pathlib import Path

import pytest

import hlo_fix
from hlo_fix.ir import memo
from hlo_fix.ir.memo import TextTable

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "gather_row_iota_two_axis_shardy.mlir"


def distinct_module(i: int) -> str:
    """The two-axis row-iota gather fixture with its batch and expert sizes changed: every op text is new."""
    text = re.sub(r"(?<![i\d])64(?!\d)", str(2000 + i % 1000), FIXTURE.read_text())
    return re.sub(r"(?<!\d)160(?!\d)", str(170 + i // 1000), text)


def summary(findings) -> list[tuple]:
    return [(f.code, f.severity, f.row, f.column, f.message, f.fingerprint, f.fix) for f in findings]


@pytest.fixture
def tight_tables(monkeypatch):
    hlo_fix.lint_text(FIXTURE.read_text())  # imports every module that keeps a table
    for table in memo.tables():
        monkeypatch.setattr(table, "max_entries", 16)
        table.clear()
    yield memo.tables()
    for table in memo.tables():
        table.clear()


def test_table_keeps_newest_half_when_full():
    table = TextTable(max_entries=4, max_chars=100)
    for i in range(5):
        table.put(f"op {i}", i)
    assert len(table) == 3  # the two oldest went when the fifth arrived
    assert [table.get(f"op {i}") for i in range(5)] == [None, None, 2, 3, 4]


def test_table_never_keeps_a_key_longer_than_its_budget_and_counts_characters():
    table = TextTable(max_entries=100, max_chars=10)
    assert table.put("x" * 11, "decoded") == "decoded"
    assert "x" * 11 not in table
    for key in ("aaaa", "bbbb", "cccc"):  # 12 characters: over budget at the third
        table.put(key, key)
    assert "cccc" in table and "aaaa" not in table
    table.put(("HF001", "main", "dddd"), 1)  # a tuple key counts its strings: 13 characters
    assert ("HF001", "main", "dddd") not in table


def test_lint_of_many_distinct_modules_stays_bounded(tight_tables):
    for i in range(150):
        assert hlo_fix.lint_text(distinct_module(i), f"m{i}.mlir")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(150, 600):
            hlo_fix.lint_text(distinct_module(i), f"m{i}.mlir")
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert all(len(table) <= 16 for table in tight_tables)
    assert grown < 1_000_000, f"{grown} bytes kept after 450 modules"


def test_forgetting_entries_changes_no_finding(tight_tables):
    modules = [distinct_module(i) for i in range(0, 3000, 250)] + [FIXTURE.read_text()] * 2
    thrashed = [summary(hlo_fix.lint_text(text, "m.mlir")) for text in modules]
    for table in tight_tables:
        table.max_entries = 1 << 14
        table.clear()
    assert thrashed == [summary(hlo_fix.lint_text(text, "m.mlir")) for text in modules]
    assert all(thrashed)
