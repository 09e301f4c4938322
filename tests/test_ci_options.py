"""`lint --output-file`, `--show-files`, `--show-settings` and `--color` on real fixtures."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hlo_fix.cli import cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GATHER = FIXTURES / "gather_row_iota_barrier_shardy.mlir"
IOTA = FIXTURES / "causal_mask_seq_sharded_shardy.mlir"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "hlo-fix.toml").write_text("")
    shutil.copy(GATHER, tmp_path / "gather.mlir")
    (tmp_path / "sub").mkdir()
    shutil.copy(IOTA, tmp_path / "sub" / "iota.mlir")
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def lint(*args: str):
    return CliRunner().invoke(cli, ["lint", *args])


@pytest.mark.parametrize("output_format", ["full", "json", "sarif"])
def test_output_file_holds_what_stdout_would(tree, output_format):
    to_stdout = lint("--output-format", output_format, ".")
    to_file = lint("--output-format", output_format, "--output-file", "report.out", ".")
    assert (to_file.exit_code, to_file.stdout) == (to_stdout.exit_code, "")
    assert (tree / "report.out").read_text(encoding="utf-8") == to_stdout.stdout


def test_output_file_writes_through_a_symlink(tree):
    (tree / "real.txt").write_text("old")
    (tree / "link.txt").symlink_to("real.txt")
    lint("--output-format", "concise", "--output-file", "link.txt", ".")
    assert (tree / "link.txt").is_symlink()
    assert (tree / "real.txt").read_text().startswith("gather.mlir:")


def test_output_file_that_cannot_be_written_is_one_error_line(tree):
    result = lint("--output-file", str(tree / "missing" / "report.txt"), ".")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"hlo-fix: error: cannot write the report to {tree / 'missing' / 'report.txt'}: No such file or directory"]


def test_show_files_lists_what_would_be_linted(tree):
    (tree / "build").mkdir()
    shutil.copy(IOTA, tree / "build" / "out.mlir")  # excluded by default
    result = lint("--show-files", ".")
    assert (result.exit_code, result.stdout) == (0, "gather.mlir\nsub/iota.mlir\n")
    assert lint("--show-files", "--extend-exclude", "sub", ".").stdout == "gather.mlir\n"


def test_show_settings_names_the_nearest_configuration(tree):
    (tree / "sub" / ".hlo-fix.toml").write_text('ignore = ["HF001"]\nindex-float = "f16"\n')
    result = lint("--show-settings", "sub")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == ["Resolved settings for: sub/iota.mlir", f"Settings path: {tree / 'sub' / '.hlo-fix.toml'}"]
    assert 'ignore = ["HF001"]' in lines and 'index-float = "f16"' in lines
    assert "Settings path: (none: defaults)" in lint("--show-settings", "--isolated", ".").stdout
    shown = lint("--show-settings", "--select", "HF002", "--extend-exclude", "x", "gather.mlir").stdout
    assert 'select = ["HF002"]' in shown.splitlines() and 'extend-exclude = ["x"]' in shown.splitlines()


@pytest.mark.parametrize("output_format", ["full", "concise"])
def test_color_always_only_adds_styles(tree, output_format):
    plain = lint("--output-format", output_format, "--color", "never", ".").stdout
    colored = lint("--output-format", output_format, "--color", "always", ".").stdout
    assert ANSI.search(colored) and not ANSI.search(plain)
    assert ANSI.sub("", colored) == plain


def test_color_auto_follows_the_terminal_and_the_environment(tree, monkeypatch):
    assert not ANSI.search(lint(".").stdout)  # CliRunner's stdout is not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ANSI.search(lint(".").stdout)
    assert not ANSI.search(lint("--output-file", "r.txt", ".").stdout + (tree / "r.txt").read_text())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(lint(".").stdout)
    assert ANSI.search(lint("--color", "always", ".").stdout)


def test_color_leaves_machine_formats_alone(tree):
    assert lint("--output-format", "json", "--color", "always", ".").stdout == lint("--output-format", "json", ".").stdout
