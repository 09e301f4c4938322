"""HF007 on real model code: one greedy-decode step of transformers' gpt-oss and Llama4 (text) causal LMs, exported
through torchax with the lm_head column-parallel and replicated (fixtures/transformers/decode/).

The fixtures and their manifest come from tools/export_decode.py, whose hazards are read off the source (the
greedy step's `torch.argmax` line) and located in each module by jaxlib's parser, not by hlo-fix. The other rules'
findings on these modules (the mask code's row iotas, Llama4's router scatter) are not this manifest's business:
fixtures/transformers/MANIFEST.json covers those classes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hlo_fix

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transformers" / "decode"
FILES = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))["files"]


def _lint(name: str):
    return hlo_fix.lint_text((FIXTURES / name).read_text(encoding="utf-8"), name)


def test_manifest_covers_every_fixture_both_models_and_both_forms():
    assert sorted(FILES) == sorted(p.name for p in FIXTURES.glob("*.mlir"))
    assert {e["model"] for e in FILES.values()} == {"gpt_oss", "llama4"}
    assert {e["partitioner"] for e in FILES.values() if e["hazards"]} == {"shardy", "gspmd"}
    assert all(bool(e["hazards"]) == (e["lm_head"] == "column_parallel") for e in FILES.values())


@pytest.mark.parametrize("name", sorted(FILES))
def test_greedy_argmax_is_flagged_exactly_where_the_lm_head_shards_the_vocab(name):
    expected = {("HF007", h["line"], "error") for h in FILES[name]["hazards"]}
    assert {(f.code, f.row, f.severity) for f in _lint(name) if f.code == "HF007"} == expected


@pytest.mark.parametrize("name", sorted(n for n, e in FILES.items() if e["hazards"]))
def test_finding_names_the_greedy_steps_argmax_line(name):
    (finding,) = [f for f in _lint(name) if f.code == "HF007"]
    (hazard,) = FILES[name]["hazards"]
    assert finding.source is not None
    assert f"{Path(finding.source.file).name}:{finding.source.line}" == hazard["source"]
    assert finding.fix is not None and finding.fix.applicability == "safe"


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_models_integer_lookups_are_not_flagged(name):
    """The mask code gathers from a cumsum of booleans (values 0..4): within bf16's exact integers."""
    assert [f.row for f in _lint(name) if f.code == "HF008"] == []


def test_fix_is_exact_on_the_real_model_partitioned():
    """The replicate constraint on gpt-oss's logits: bit for bit on XLA CPU, partitioned over 8 as well."""
    pytest.importorskip("jax")
    from hlo_fix.fix.driver import fix_text
    from hlo_fix.lint.settings import Settings
    from hlo_fix.verify import verify_texts

    name = "gpt_oss_greedy_column_parallel_shardy_debug.mlir"
    original = (FIXTURES / name).read_text(encoding="utf-8")
    result = fix_text(original, name, settings=Settings(select=("HF007",)))
    assert [f.code for f in result.applied] == ["HF007"] and not result.remaining
    report = verify_texts(original, result.new_text, seeds=2, spmd=8)
    assert report.ok, report.first_mismatch
