"""File discovery as ruff does it: exclude / extend-exclude globs, git's ignore rules, and the configuration
nearest to each linted file. Runs the real CLI over copies of a real fixture (HF001, one finding each)."""

from __future__ import annotations

import json
import os
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


def test_per_directory_exclusion_agrees_with_the_per_path_test(tree, monkeypatch):
    """Discovery decides exclusion per directory (`excluded_in`); `excluded`, which builds every candidate path
    of one file, is the reference, whatever the directory's spelling and wherever the project root is."""
    from hlo_fix.lint.settings import Settings

    (tree / "proj" / "gen" / "deep").mkdir(parents=True)
    (tree / "other").mkdir()
    globs = ("gen", "gen/*.mlir", "proj/gen/deep", "**/deep/*", "*_tmp.mlir", "other/x.mlir", "/abs*", "proj")
    names = ("a.mlir", "a_tmp.mlir", "x.mlir", "deep", "gen")
    directories = ("proj", "./proj/", "proj//gen", "proj/gen/deep", "proj/gen/../gen", "other", ".", "", "..",
                   str(tree / "proj" / "gen"), "/")
    for root in (None, str(tree / "proj"), str(tree / "other")):
        for directory in directories:
            for working in (tree, tree / "proj"):
                monkeypatch.chdir(working)
                settings = Settings(exclude=globs, project_root=root)
                excluded = settings.excluded_in(directory)
                for name in names:
                    expected = settings.excluded(os.path.join(directory, name))
                    assert excluded(name) == expected, (root, directory, working, name)


def test_the_walk_lists_what_os_walk_lists_and_warns_about_special_files(tree):
    """Symlinked directories are not entered (no cycle), a symlink to a module is linted, and a FIFO or a
    dangling link named *.mlir is skipped with a warning, in os.walk's order."""
    place(tree, "m/a.mlir", "m/sub/b.mlir", "m/z/c.mlir", "m/.hidden/d.mlir")
    (tree / "m" / "sub" / "loop").symlink_to(tree / "m")
    (tree / "m" / "link.mlir").symlink_to(tree / "m" / "a.mlir")
    (tree / "m" / "dangling.mlir").symlink_to(tree / "m" / "missing.mlir")
    os.mkfifo(tree / "m" / "pipe.mlir")
    result = CliRunner().invoke(cli, ["lint", "--output-format", "json", "m"])
    assert result.exit_code == 1, result.output
    assert sorted({f["filename"] for f in json.loads(result.stdout)}) == [
        "m/a.mlir", "m/link.mlir", "m/sub/b.mlir", "m/z/c.mlir"]
    assert result.stderr.splitlines() == [
        "hlo-fix: warning: m/dangling.mlir: not a regular file; skipped",
        "hlo-fix: warning: m/pipe.mlir: not a regular file; skipped",
    ]
