"""The gitlab and junit formats from real lint runs over fixtures, read back with the consumers' own rules:
GitLab's code-quality fields and unique fingerprints, and JUnit XML parsed by ElementTree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from hlo_fix.cli import cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GATHER = FIXTURES / "gather_row_iota_barrier_shardy.mlir"  # HF002 (error, fixable) and HF005 (warning)
IOTA = FIXTURES / "causal_mask_seq_sharded_shardy.mlir"  # HF001


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "hlo-fix.toml").write_text("")
    (tmp_path / "models").mkdir()
    shutil.copy(GATHER, tmp_path / "models" / "gather.mlir")
    shutil.copy(IOTA, tmp_path / "models" / "iota.mlir")
    shutil.copy(IOTA, tmp_path / "models" / "iota_again.mlir")
    monkeypatch.chdir(tmp_path / "models")
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    return tmp_path


def lint(*args: str):
    return CliRunner().invoke(cli, ["lint", *args])


def findings_json() -> list[dict]:
    return json.loads(lint("--output-format", "json", ".").stdout)


def test_gitlab_code_quality(repo):
    result = lint("--output-format", "gitlab", ".")
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    expected = findings_json()
    assert len(issues) == len(expected) == 4
    for issue, finding in zip(issues, expected):
        assert issue["check_name"] == finding["code"]
        assert issue["description"] == f"{finding['code']} {finding['message']}"
        assert issue["severity"] == {"error": "major", "warning": "minor"}[finding["severity"]]
        assert issue["location"]["path"] == f"models/{finding['filename']}"
        assert issue["location"]["positions"]["begin"] == {"line": finding["location"]["row"],
                                                           "column": finding["location"]["column"]}
    # The same module twice: identical findings in two files still get different fingerprints.
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


def test_gitlab_paths_follow_ci_project_dir(repo, monkeypatch):
    monkeypatch.setenv("CI_PROJECT_DIR", str(repo / "models"))
    paths = {issue["location"]["path"] for issue in json.loads(lint("--output-format", "gitlab", ".").stdout)}
    assert paths == {"gather.mlir", "iota.mlir", "iota_again.mlir"}


def test_gitlab_with_no_findings_is_an_empty_list(repo):
    assert json.loads(lint("--output-format", "gitlab", "--select", "HF004", ".").stdout) == []


def test_junit_suites_per_file_and_a_failure_per_finding(repo):
    result = lint("--output-format", "junit", ".")
    assert result.exit_code == 1
    suites = ElementTree.fromstring(result.stdout)
    assert suites.tag == "testsuites" and suites.get("failures") == "4" and suites.get("tests") == "4"
    by_name = {suite.get("name"): suite for suite in suites}
    assert set(by_name) == {"models/gather.mlir", "models/iota.mlir", "models/iota_again.mlir"}
    cases = by_name["models/gather.mlir"].findall("testcase")
    assert [case.get("name").split()[0] for case in cases] == ["HF002", "HF005"]
    failure = cases[0].find("failure")
    expected = findings_json()[0]
    assert failure.get("message") == expected["message"]
    assert failure.text.splitlines()[0] == (
        f"models/gather.mlir:{expected['location']['row']}:{expected['location']['column']}: HF002 {expected['message']}")
    assert f"help: {expected['fix']['message']}" in failure.text.splitlines()


def test_junit_with_no_findings_is_one_passing_case(repo):
    result = lint("--output-format", "junit", "--select", "HF004", ".")
    assert result.exit_code == 0
    suites = ElementTree.fromstring(result.stdout)
    (case,) = suites.iter("testcase")
    assert case.find("failure") is None and suites.get("failures") == "0"
