"""hlo-fix on real model code: transformers' MoE blocks exported through torchax and PyTorch/XLA
(fixtures/transformers/).

The fixtures and their manifest come from tools/export_transformers.py, whose hazards are read off the model
source (`.gather(1, ...)` / `.scatter_(1, ...)` on a [tokens, experts] tensor) and located in each module by
jaxlib's parser, not by hlo-fix. Pure hlo-fix here: no torch, no jax.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import hlo_fix

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transformers"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
FILES = MANIFEST["files"]
HAZARDOUS = sorted(name for name, entry in FILES.items() if entry["hazards"])
HAZARD_FREE = sorted(name for name, entry in FILES.items() if not entry["hazards"])

# Cases the current rules miss although the manifest says the hazard is there: name -> reason (xfail).
KNOWN_MISSES: dict[str, str] = {}
# Hazard-free exports the current rules still report: name -> reason (xfail).
KNOWN_FALSE_ALARMS: dict[str, str] = {}


def _lint(name: str):
    return hlo_fix.lint_text((FIXTURES / name).read_text(encoding="utf-8"), name)


def _marked(names, known):
    return [pytest.param(n, marks=pytest.mark.xfail(reason=known[n], strict=True)) if n in known else n for n in names]


def test_manifest_covers_every_fixture_and_several_models():
    assert sorted(FILES) == sorted(p.name for p in FIXTURES.glob("*.mlir"))
    models = {entry["model"] for entry in FILES.values()}
    assert {"deepseek_v3", "glm4_moe", "llama4", "mixtral"} <= models
    assert {entry["partitioner"] for entry in FILES.values()} == {"shardy", "gspmd"}
    assert {entry["exporter"] for entry in FILES.values()} == {"torchax", "torch_xla"}
    # Both kinds exist, or the two tests below prove nothing.
    assert HAZARDOUS and HAZARD_FREE


@pytest.mark.parametrize("name", _marked(HAZARDOUS, KNOWN_MISSES))
def test_hazardous_export_is_flagged_at_each_hazard_and_nowhere_else(name):
    expected = {(h["rule"], h["line"]) for h in FILES[name]["hazards"]}
    findings = _lint(name)
    # Tokens are sharded over "batch": each row-iota access is an error, not a not-yet-sharded warning.
    assert {(f.code, f.row) for f in findings if f.severity == "error"} == expected
    assert {(f.code, f.row) for f in findings} == expected


@pytest.mark.parametrize("name", _marked(HAZARD_FREE, KNOWN_FALSE_ALARMS))
def test_hazard_free_export_stays_silent(name):
    assert [f"{f.code}:{f.row}" for f in _lint(name)] == []


@pytest.mark.parametrize("name", [n for n in HAZARDOUS if FILES[n]["debug"]])
def test_source_names_the_model_line_not_the_framework(name):
    by_position = {(f.code, f.row): f for f in _lint(name)}
    for hazard in FILES[name]["hazards"]:
        finding = by_position.get((hazard["rule"], hazard["line"]))
        if finding is None:
            pytest.skip(f"{hazard['rule']} at line {hazard['line']} is not found (covered above)")
        assert finding.source is not None
        assert f"{Path(finding.source.file).name}:{finding.source.line}" == hazard["source"]


UNPARSEABLE = sorted(MANIFEST.get("unparseable", {}))


@pytest.mark.parametrize("name", UNPARSEABLE)
def test_torch_xla_pretty_debug_text_is_one_located_error(name):
    """torch_xla's `XLA_HLO_DEBUG=1` text is MLIR's pretty debug form (`#loc1 = /path.py:3:0`, call sites over two
    lines): bad input, so one `path:line:col: error:` line and exit 2."""
    path = (FIXTURES / name).relative_to(FIXTURES.parents[1])
    run = subprocess.run(
        [sys.executable, "-m", "hlo_fix", "lint", str(path)], capture_output=True, text=True, cwd=FIXTURES.parents[1]
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    lines = (run.stdout + run.stderr).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:") and ": error: " in lines[0]


@pytest.mark.parametrize("name", UNPARSEABLE)
def test_jaxlib_rejects_the_pretty_debug_text_too(name):
    pytest.importorskip("jax")
    from jax._src.interpreters import mlir
    from jax._src.lib.mlir import ir

    with pytest.raises(ir.MLIRError):
        ir.Module.parse((FIXTURES / name).read_text(encoding="utf-8"), context=mlir.make_ir_context())
