"""fixtures/ and fixtures/MANIFEST.json agree with each other, and tools/make_fixtures.py reproduces both byte for byte.

These tests check the generator and the manifest only; whether hlo-fix lint finds what the manifest expects is tested
with the linter.
"""

import importlib.metadata
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hlo_fix.rules.registry import all_rules

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
ENTRIES = MANIFEST["fixtures"]

# The codes a manifest entry may expect are the registered rules' (a new rule module adds its code); an entry's
# op is any dialect op the fixture holds (its occurrence is checked against the text below).
CODES = {rule.code for rule in all_rules()}
OP_NAME = re.compile(r"[a-z_]+\.[a-z_]+")


def op_count(text: str, op: str) -> int:
    """Operations named `op` as the manifest's conventions count them (not #stablehlo.gather<...> attributes)."""
    return len(re.findall(rf'= "?{re.escape(op)}"?[ (]', text))


def test_manifest_has_conventions_and_fixtures():
    assert set(MANIFEST) == {"conventions", "generated_with", "fixtures"}
    assert "occurrence" in MANIFEST["conventions"] and "HF005" in MANIFEST["conventions"]


def test_every_fixture_file_has_an_entry_and_every_entry_a_file():
    on_disk = {p.name for p in FIXTURES.glob("*.mlir")}
    assert on_disk == set(ENTRIES)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_entry_is_well_formed(name):
    entry = ENTRIES[name]
    assert set(entry) == {"description", "source", "expect"}
    assert entry["description"]
    assert entry["source"] in {"jax", "torchxla-style"}
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for expect in entry["expect"]:
        assert set(expect) == {"code", "severity", "op", "occurrence"}
        assert expect["code"] in CODES
        assert expect["severity"] in {"error", "warning"}
        assert OP_NAME.fullmatch(expect["op"]), expect
        assert 0 <= expect["occurrence"] < op_count(text, expect["op"]), expect


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_inexact_index_entries_accompany_an_index_hazard(name):
    """Per the conventions, HF005 is a warning on an op that HF002, HF003 or HF004 also flags."""
    expect = ENTRIES[name]["expect"]
    flagged = {(e["op"], e["occurrence"]) for e in expect if e["code"] in {"HF002", "HF003", "HF004"}}
    for e in expect:
        if e["code"] == "HF005":
            assert e["severity"] == "warning"
            assert (e["op"], e["occurrence"]) in flagged


def test_no_checkout_path_in_debug_locations():
    for path in FIXTURES.glob("*.mlir"):
        text = path.read_text(encoding="utf-8")
        assert str(REPO) not in text, path.name
        for file_name in re.findall(r'loc\("([^"]+\.py)":', text):
            assert file_name.startswith("hlo_fix_fixtures/"), (path.name, file_name)


def test_debug_fixtures_have_locations():
    debug = [name for name in ENTRIES if name.endswith("_debug.mlir")]
    assert debug
    models = {path.stem for path in (REPO / "tools" / "fixture_models").glob("*.py")} - {"lower"}
    for name in debug:
        if name.startswith("router_"):
            models_here = {"router_explicit" if name.startswith("router_explicit_") else "router"}
        else:
            models_here = models  # a case fixture: its model file is the one its function lives in
        text = (FIXTURES / name).read_text(encoding="utf-8")
        assert any(f'loc("hlo_fix_fixtures/{model}.py"' in text for model in models_here), name


def test_regenerating_gives_identical_bytes(tmp_path):
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed")
    generated_with = MANIFEST["generated_with"]["jax"]
    if importlib.metadata.version("jax") != generated_with:
        pytest.skip(f"fixtures were generated with jax {generated_with}; output differs between versions")
    subprocess.run(
        [sys.executable, str(REPO / "tools" / "make_fixtures.py"), "--out", str(tmp_path)],
        check=True, capture_output=True, timeout=120,
    )
    generated = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in FIXTURES.iterdir() if p.suffix == ".mlir" or p.name == "MANIFEST.json"}
    assert sorted(generated) == sorted(committed)
    assert [name for name in generated if generated[name] != committed[name]] == []
