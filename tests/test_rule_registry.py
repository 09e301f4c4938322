"""One registry, generated from the rule modules: every `hlo_fix/rules/hfNNN_<name>.py` defines one registered
rule, every rewrite pattern belongs to exactly one rule (the rule declares it as `fix`), and the fix loop reuses
its lint run's analysis: one ShardingAnalysis per round.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from hlo_fix.fix.driver import fix_text
from hlo_fix.lint.checker import lint_text
from hlo_fix.rule_api import RewritePattern, Rule
from hlo_fix.rules import registry
from hlo_fix.sharding import analysis as sharding_analysis

RULES_DIR = Path(__file__).resolve().parents[1] / "hlo_fix" / "rules"
RULE_FILE = re.compile(r"(hf(\d{3})_[a-z0-9_]+)\.py")


def rule_files() -> dict[str, str]:
    """module stem -> the code its name says (`hf002_row_iota_gather` -> `HF002`), fix modules excluded."""
    found = {}
    for path in sorted(RULES_DIR.glob("hf*.py")):
        matched = RULE_FILE.fullmatch(path.name)
        assert matched, f"{path.name}: rule modules are named hfNNN_<snake_case_name>.py"
        if not matched.group(1).endswith("_fix"):
            found[matched.group(1)] = f"HF{matched.group(2)}"
    return found


def test_every_rule_module_is_registered_once_under_its_code():
    rules = registry.all_rules()
    by_module = {rule.__module__.rsplit(".", 1)[-1]: rule.code for rule in rules}
    assert by_module == rule_files()
    codes = [rule.code for rule in rules]
    assert codes == sorted(set(codes))
    assert {"HF001", "HF002", "HF003", "HF004", "HF005"} <= set(codes)
    for rule in rules:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name
        assert rule.severity in ("error", "warning")
        assert rule.summary and "## What it does" in rule.explanation()


def test_every_pattern_belongs_to_exactly_one_rule():
    declared = {}
    for rule in registry.all_rules():
        if rule.fix is not None:
            assert isinstance(rule.fix, RewritePattern), rule.code
            declared.setdefault(type(rule.fix), []).append(rule.code)
        # `hlo-fix rule` states a fix's safety exactly when the rule has one.
        assert (rule.fix is None) == (rule.fix_applicability is None), rule.code
    defined = set()
    for path in sorted(RULES_DIR.rglob("*.py")):
        name = ".".join(path.relative_to(RULES_DIR.parents[1]).with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, RewritePattern) and value is not RewritePattern and value.__module__ == name:
                defined.add(value)
                # A fix module sits next to its rule: hfNNN_<name>_fix.py holds the pattern of hfNNN_<name>.py.
                if path.stem.endswith("_fix"):
                    rule = registry.rule_for(f"HF{path.stem[2:5]}")
                    assert rule is not None and isinstance(rule.fix, value), (path.name, value)
    assert {pattern: len(codes) for pattern, codes in declared.items()} == {pattern: 1 for pattern in defined}


def test_a_rule_module_with_two_rules_is_refused(monkeypatch):
    module = type(importlib)("hlo_fix.rules.hf999_twice")

    class One(Rule):
        code = "HF998"

    class Two(Rule):
        code = "HF999"

    for rule in (One, Two):
        rule.__module__ = module.__name__
        setattr(module, rule.__name__, rule)
    with pytest.raises(TypeError, match="exactly one Rule"):
        registry.rule_of(module)


# A sharded row-iota gather: one HF002 finding, whose fix rewrites it; the second round finds nothing to fix.
GATHER = """\
module @jit_gather attributes {mhlo.num_partitions = 2 : i32} {
  sdy.mesh @mesh = <["batch"=2]>
  func.func public @main(%arg0: tensor<4x6xf32> {sdy.sharding = #sdy.sharding<@mesh, [{"batch"}, {}]>}, %arg1: tensor<4x3xi32> {sdy.sharding = #sdy.sharding<@mesh, [{"batch"}, {}]>}) -> tensor<4x3xf32> {
    %0 = stablehlo.iota dim = 0 : tensor<4xi32>
    %1 = stablehlo.broadcast_in_dim %0, dims = [0] : (tensor<4xi32>) -> tensor<4x3x1xi32>
    %2 = stablehlo.reshape %arg1 : (tensor<4x3xi32>) -> tensor<4x3x1xi32>
    %3 = stablehlo.concatenate %1, %2, dim = 2 : (tensor<4x3x1xi32>, tensor<4x3x1xi32>) -> tensor<4x3x2xi32>
    %4 = "stablehlo.gather"(%arg0, %3) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}> : (tensor<4x6xf32>, tensor<4x3x2xi32>) -> tensor<4x3xf32>
    return %4 : tensor<4x3xf32>
  }
}
"""


def test_fix_builds_one_sharding_analysis_per_round(monkeypatch):
    built, matched = [], []
    original = sharding_analysis.ShardingAnalysis.__init__

    def counting(self, module):
        built.append(module)
        original(self, module)

    monkeypatch.setattr(sharding_analysis.ShardingAnalysis, "__init__", counting)
    gather_rule = registry.rule_for("HF002")
    pattern_match = type(gather_rule.fix).match
    monkeypatch.setattr(type(gather_rule.fix), "match", lambda self, ctx, op: matched.append(op) or
                        pattern_match(self, ctx, op))
    findings = lint_text(GATHER, "gather.mlir")
    assert [(f.code, f.fix is not None) for f in findings] == [("HF002", True)]
    assert len(built) == 1 and len(matched) == 1
    built.clear()
    matched.clear()

    result = fix_text(GATHER, "gather.mlir")
    assert [f.code for f in result.applied] == ["HF002"] and result.remaining == []
    # Round one lints, matches and rewrites with one analysis; round two reads the fixed text and finds nothing.
    assert len(built) == 2 and built[0] is not built[1]
    assert len(matched) == 1
