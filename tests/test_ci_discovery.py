"""File discovery as ruff does it: exclude / extend-exclude globs, git's ignore rules, and the configuration
nearest to each linted file. Runs the real CLI over copies of a real fixture (HF001, one finding each)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from hlo_fix.cli import cli

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "causal_mask_seq_sharded_shardy.mlir"


def place(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURE, root / name)


def linted(*args: str) -> list[str]:
    """The files with findings, as reported (each copy of the fixture has exactly one)."""
    result = CliRunner().invoke(cli, ["lint", "--output-format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return sorted(finding["filename"] for finding in json.loads(result.stdout))


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "hlo-fix.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def git_init(root: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(root)], check=True)


def test_gitignored_files_are_not_linted_in_a_work_tree(tree):
    git_init(tree)
    (tree / ".gitignore").write_text("bench/out/\n*.tmp.mlir\n!keep.tmp.mlir\n")
    place(tree, "model.mlir", "bench/out/model.mlir", "a/scratch.tmp.mlir", "a/keep.tmp.mlir")
    assert linted(".") == ["a/keep.tmp.mlir", "model.mlir"]
    assert linted("--no-respect-gitignore", ".") == [
        "a/keep.tmp.mlir", "a/scratch.tmp.mlir", "bench/out/model.mlir", "model.mlir"]
    (tree / "hlo-fix.toml").write_text("respect-gitignore = false\n")
    assert "bench/out/model.mlir" in linted(".")


def test_a_gitignored_file_named_explicitly_is_linted(tree):
    git_init(tree)
    (tree / ".gitignore").write_text("out/\n")
    place(tree, "out/model.mlir")
    assert linted("out/model.mlir") == ["out/model.mlir"]


def test_gitignore_outside_a_work_tree_has_no_effect(tree):
    (tree / ".gitignore").write_text("out/\n")
    place(tree, "out/model.mlir")
    if subprocess.run(["git", "-C", str(tree), "rev-parse"], capture_output=True).returncode == 0:
        pytest.skip("the temporary directory is inside a git work tree")
    assert linted(".") == ["out/model.mlir"]


def test_exclude_and_extend_exclude(tree):
    place(tree, "model.mlir", "generated/a.mlir", "venv/lib/b.mlir", "legacy/old.mlir")
    assert linted(".") == ["generated/a.mlir", "legacy/old.mlir", "model.mlir"]  # venv is excluded by default
    (tree / "hlo-fix.toml").write_text('extend-exclude = ["generated", "legacy/*.mlir"]\n')
    assert linted(".") == ["model.mlir"]
    (tree / "hlo-fix.toml").write_text('exclude = ["generated"]\n')  # replaces the defaults
    assert linted(".") == ["legacy/old.mlir", "model.mlir", "venv/lib/b.mlir"]
    assert linted("--exclude", "legacy,venv", ".") == ["generated/a.mlir", "model.mlir"]
    assert linted("--extend-exclude", "model.mlir", ".") == ["legacy/old.mlir", "venv/lib/b.mlir"]


def test_an_excluded_file_named_explicitly_needs_force_exclude(tree):
    (tree / "hlo-fix.toml").write_text('extend-exclude = ["generated"]\n')
    place(tree, "generated/a.mlir")
    assert linted("generated/a.mlir") == ["generated/a.mlir"]
    assert linted("--force-exclude", "generated/a.mlir") == []
    (tree / "hlo-fix.toml").write_text('extend-exclude = ["generated"]\nforce-exclude = true\n')
    assert linted("generated/a.mlir") == []


def test_each_file_takes_its_nearest_configuration(tree):
    place(tree, "top.mlir", "sub/inner.mlir", "sub/deeper/leaf.mlir", "other/x.mlir")
    (tree / "sub" / "hlo-fix.toml").write_text('ignore = ["HF001"]\n')
    (tree / "sub" / "deeper" / "pyproject.toml").write_text('[tool.hlo-fix]\nselect = ["HF001"]\n')
    (tree / "other" / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no table: skipped
    assert linted(".") == ["other/x.mlir", "sub/deeper/leaf.mlir", "top.mlir"]
    assert linted("--isolated", ".") == ["other/x.mlir", "sub/deeper/leaf.mlir", "sub/inner.mlir", "top.mlir"]
    assert linted("--config", "sub/hlo-fix.toml", ".") == []
    assert linted("--extend-select", "HF001", ".") == [
        "other/x.mlir", "sub/deeper/leaf.mlir", "sub/inner.mlir", "top.mlir"]


def test_dot_hlo_fix_toml_comes_first_in_a_directory(tree):
    place(tree, "sub/m.mlir")
    (tree / "sub" / "pyproject.toml").write_text('[tool.hlo-fix]\nignore = ["HF001"]\n')
    assert linted(".") == []
    (tree / "sub" / "hlo-fix.toml").write_text("")
    assert linted(".") == ["sub/m.mlir"]
    (tree / "sub" / ".hlo-fix.toml").write_text('ignore = ["HF001"]\n')
    assert linted(".") == []


def test_a_bad_configuration_below_is_one_located_error(tree):
    place(tree, "sub/m.mlir")
    (tree / "sub" / ".hlo-fix.toml").write_text('exclude = "generated"\n')
    result = CliRunner().invoke(cli, ["lint", "."])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"{tree / 'sub' / '.hlo-fix.toml'}:1:1: error: `exclude` must be a list of globs, like [\"generated/*.mlir\"]"]
