"""HF007 and HF008 report nothing on the StableHLO project's test data (../shared/corpus/stablehlo-testdata, 1,397
modules exported from JAX without sharding) nor on the PyTorch/XLA examples: no sharded dim there for HF007, and
HF008's integer gathers there are shape computations of shape-polymorphic exports (dynamic `?` dims), which fold
to constants before a backend sees them. Skipped when the shared folder is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

import hlo_fix
from hlo_fix.errors import HloFixError

SHARED = Path(__file__).resolve().parents[2] / "shared"
SOURCES = {"corpus": SHARED / "corpus" / "stablehlo-testdata", "torchxla": SHARED / "examples" / "torchxla"}
CODES = ["HF007", "HF008"]


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_no_finding_on_shared_modules(source):
    files = sorted(SOURCES[source].glob("*.mlir"))
    if not files:
        pytest.skip(f"no modules under {SOURCES[source]}")
    found, read = [], 0
    for path in files:
        try:
            findings = hlo_fix.lint_text(path.read_text(encoding="utf-8"), path.name, select=CODES)
        except HloFixError:
            continue  # a module the reader rejects (test_reader_corpus covers those)
        read += 1
        found += [f"{path.name}:{f.row}: {f.code}" for f in findings]
    assert read > (1000 if source == "corpus" else 0)
    assert found == []
