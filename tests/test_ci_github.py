"""GitHub annotations from a real lint run: paths from the repository root, whatever directory CI lints from,
and the fix's help line in the message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from hlo_fix.cli import cli

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "causal_mask_seq_sharded_shardy.mlir"


def github(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, ["lint", "--output-format", "github", *args])
    assert result.exit_code == 1, result.output
    return result.stdout.splitlines()


def test_path_is_from_the_repository_root_when_linting_a_subdirectory(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "hlo-fix.toml").write_text("")
    models = tmp_path / "export" / "models"
    models.mkdir(parents=True)
    shutil.copy(FIXTURE, models / "mask.mlir")
    monkeypatch.chdir(models)
    (line,) = github("mask.mlir")
    assert line.startswith("::error file=export/models/mask.mlir,line=5,col=5,")
    monkeypatch.chdir(tmp_path / "export")
    assert github(".") == [line]


def test_a_worktree_git_file_marks_the_root_too(tmp_path, monkeypatch):
    (tmp_path / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n")
    (tmp_path / "hlo-fix.toml").write_text("")
    (tmp_path / "sub").mkdir()
    shutil.copy(FIXTURE, tmp_path / "sub" / "mask.mlir")
    monkeypatch.chdir(tmp_path / "sub")
    (line,) = github("mask.mlir")
    assert "file=sub/mask.mlir," in line


def test_message_carries_the_help_line(tmp_path, monkeypatch):
    (tmp_path / "hlo-fix.toml").write_text("")
    shutil.copy(FIXTURE, tmp_path / "mask.mlir")
    monkeypatch.chdir(tmp_path)
    (line,) = github("mask.mlir")
    message = line.split("::", 2)[2]
    (finding,) = json.loads(CliRunner().invoke(cli, ["lint", "--output-format", "json", "mask.mlir"]).stdout)
    assert message.split("%0A") == [finding["message"], f"help: {finding['fix']['message']}"]
