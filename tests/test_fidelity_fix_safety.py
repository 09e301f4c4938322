"""Plain `hlo-fix fix` fixes the seed router in every exporter's form, exactly; `hlo-fix rule`, lint's `[*]` and
what `fix` applies agree for every rule; ruff's `extend-safe-fixes` / `extend-unsafe-fixes` / `unfixable` work from
the command line and from `[tool.hlo-fix]`.

Exactness is decided by XLA on CPU (`hlo_fix.verify`: random inputs and edge indices, partitioned over the
module's devices when it has several), not by the rewriter's own reasoning."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from hlo_fix.cli import cli
from hlo_fix.errors import ConfigError
from hlo_fix.fix.driver import fix_text
from hlo_fix.lint.checker import lint_text
from hlo_fix.lint.config import ConfigFileError, load_settings
from hlo_fix.lint.report.fixes import fix_is_applicable
from hlo_fix.lint.settings import Settings
from hlo_fix.rules.registry import all_rules

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
EXAMPLES = ROOT.parent / "shared" / "examples" / "torchxla"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text())["fixtures"]

SEED_FORMS = sorted(
    n for n in MANIFEST
    if re.match(r"(router(_explicit)?_gather_scatter_|export_router_|torchxla_(gather|scatter_set|gather_arange|"
                r"scatter_arange)_)", n)
)
EXAMPLE_SEEDS = ["gather.mlir", "scatter_set.mlir"]
FLAT = "flat_index_gather_shardy.mlir"
SCATTER = "scatter_set_row_iota_shardy.mlir"


def module_text(name: str) -> str:
    if name in EXAMPLE_SEEDS:
        path = EXAMPLES / name
        if not path.exists():
            pytest.skip(f"{path} is not available")
        return path.read_text()
    return (FIXTURES / name).read_text()


def partitions(text: str) -> int | None:
    found = re.search(r"mhlo\.num_partitions = (\d+)", text)
    return int(found.group(1)) if found and int(found.group(1)) > 1 else None


def test_every_exporter_form_of_the_seed_is_covered():
    forms = {re.sub(r"_(f32|bf16)(_debug)?\.mlir$|_b\d+e\d+k\d+_(no)?spmd\.mlir$", "", n) for n in SEED_FORMS}
    assert forms == {
        "router_gather_scatter_shardy", "router_gather_scatter_gspmd", "router_explicit_gather_scatter_shardy",
        "router_explicit_gather_scatter_gspmd", "export_router_gather_scatter_shardy.mlir", "torchxla_gather",
        "torchxla_scatter_set", "torchxla_gather_arange", "torchxla_scatter_arange",
    }


@pytest.mark.parametrize("name", SEED_FORMS + EXAMPLE_SEEDS)
def test_plain_fix_leaves_no_row_iota_hazard_and_is_bit_identical(name):
    pytest.importorskip("jax")
    from hlo_fix.verify import verify_texts

    text = module_text(name)
    before = {f.code for f in lint_text(text, name)}
    assert before & {"HF002", "HF003"}
    result = fix_text(text, name)  # no --unsafe-fixes, default strategy
    assert not [f for f in result.remaining if f.code in ("HF002", "HF003")]
    report = verify_texts(text, result.new_text, seeds=2, spmd=partitions(text))
    assert report.ok, report.format()


def agreement_cases():
    names = sorted(MANIFEST) + EXAMPLE_SEEDS
    return [n for n in names if n not in EXAMPLE_SEEDS or (EXAMPLES / n).exists()]


@pytest.mark.parametrize("unsafe", [False, True], ids=["plain", "unsafe-fixes"])
@pytest.mark.parametrize("name", agreement_cases())
def test_lint_marker_and_fix_agree(name, unsafe):
    """A finding is marked `[*]` exactly when `fix` (same options) rewrites its op."""
    text = module_text(name)
    settings = Settings(unsafe_fixes=unsafe)
    findings = lint_text(text, name, settings)
    applied = {(f.row, f.code) for f in fix_text(text, name, settings).applied}
    marked = {(f.row, f.code) for f in findings if fix_is_applicable(f, unsafe)}
    assert marked == applied


RULES = {rule.code: rule for rule in all_rules()}


@pytest.mark.parametrize("name", agreement_cases())
def test_rule_explanation_and_findings_agree_on_applicability(name):
    """`hlo-fix rule` says what plain `fix` does: a rule without a fix offers none, and a fix a finding offers
    has the applicability the rule declares."""
    for finding in lint_text(module_text(name), name):
        declared = RULES[finding.code].fix_applicability
        assert (finding.fix.applicability if finding.fix else None) in (declared, None), finding
        if declared is None:
            assert finding.fix is None


def test_rule_command_shows_the_plain_fix_safety():
    runner = CliRunner()
    for code, expected in (("HF002", "(safe)."), ("HF003", "(safe)."), ("HF004", "(unsafe)."), ("HF001", "(safe).")):
        header = runner.invoke(cli, ["rule", code]).stdout.splitlines()[2]
        assert header.endswith(expected), (code, header)
    assert "Fix is" not in runner.invoke(cli, ["rule", "HF005"]).stdout.splitlines()[2]


# Fix safety settings


def test_fix_safety_precedence():
    settings = Settings(extend_safe_fixes=("HF",), extend_unsafe_fixes=("HF003",))
    assert settings.fix_safety("HF004", "unsafe") == "safe"
    assert settings.fix_safety("HF003", "safe") == "unsafe"  # the more specific selector decides
    tie = Settings(extend_safe_fixes=("HF003",), extend_unsafe_fixes=("HF003",))
    assert tie.fix_safety("HF003", "safe") == "unsafe"  # unsafe wins a tie, as in ruff
    assert Settings().fix_safety("HF002", "unsafe") == "unsafe"
    assert Settings(unfixable=("HF00",)).fixable("HF002") is False and Settings().fixable("HF002")


def run(*args: str, cwd: Path | None = None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    target.write_text((FIXTURES / name).read_text())
    return target


def test_extend_safe_fixes_lets_plain_fix_apply_an_unsafe_fix(tmp_path):
    path = copy(tmp_path, FLAT)
    assert run("fix", "--isolated", str(path)).exit_code == 1 and "stablehlo.gather" in path.read_text()
    result = run("fix", "--isolated", "--extend-safe-fixes", "HF004", str(path))
    assert result.exit_code == 0 and "stablehlo.gather" not in path.read_text()


def test_extend_unsafe_fixes_holds_a_safe_fix_back(tmp_path):
    path = copy(tmp_path, SCATTER)
    lint = run("lint", "--isolated", "--select", "HF003", "--extend-unsafe-fixes", "HF003", str(path))
    assert "[*]" not in lint.stdout and "hidden fix" in lint.stdout
    assert run("fix", "--isolated", "--extend-unsafe-fixes", "HF003", str(path)).exit_code == 1
    assert "stablehlo.scatter" in path.read_text()
    assert run("fix", "--isolated", "--extend-unsafe-fixes", "HF003", "--unsafe-fixes", str(path)).exit_code == 0
    assert "stablehlo.scatter" not in path.read_text()


def test_unfixable_removes_the_fix_everywhere(tmp_path):
    path = copy(tmp_path, SCATTER)
    lint = run("lint", "--isolated", "--unfixable", "HF003", "--output-format", "json", str(path))
    assert [f["fix"] for f in json.loads(lint.stdout) if f["code"] == "HF003"] == [None]
    assert run("fix", "--isolated", "--unfixable", "HF00", "--unsafe-fixes", str(path)).exit_code == 1
    assert "stablehlo.scatter" in path.read_text()


def test_fix_safety_keys_in_pyproject(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.hlo-fix]
        extend-safe-fixes = ["HF004"]
        extend-unsafe-fixes = ["hf003"]
        unfixable = ["HF001"]
    """))
    settings = load_settings(cwd=tmp_path)
    assert settings.extend_safe_fixes == ("HF004",) and settings.extend_unsafe_fixes == ("HF003",)
    assert settings.unfixable == ("HF001",)
    path = copy(tmp_path, FLAT)
    monkeypatch.chdir(tmp_path)
    assert run("fix", str(path)).exit_code == 0 and "stablehlo.gather" not in path.read_text()
    layered = settings.with_overrides(unfixable=("HF004",))
    assert layered.unfixable == ("HF001", "HF004")


def test_bad_fix_safety_values_are_located(tmp_path):
    config = tmp_path / "hlo-fix.toml"
    config.write_text('select = ["HF"]\nunfixable = ["HF09"]\n')
    with pytest.raises(ConfigFileError) as caught:
        load_settings(config)
    assert caught.value.format() == f"{config}:2:1: error: unknown rule code or prefix `HF09` in `unfixable`"
    config.write_text('extend-safe-fixes = "HF004"\n')
    with pytest.raises(ConfigFileError, match="must be a list of rule codes"):
        load_settings(config)
    with pytest.raises(ConfigError, match="in extend-unsafe-fixes"):
        Settings(extend_unsafe_fixes=("HFX",)).validate()
    result = CliRunner().invoke(cli, ["lint", "--isolated", "--unfixable", "HF9", str(copy(tmp_path, SCATTER))])
    assert result.exit_code == 2 and "unknown rule code or prefix `HF9` in unfixable" in result.output
