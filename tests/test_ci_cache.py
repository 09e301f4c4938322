"""The result cache on real fixtures: a second run over unchanged files serves every format byte for byte without
running the checker; content, name and settings changes miss; `--no-cache` and `hlo-fix clean`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hlo_fix.cli import lint_run
from hlo_fix.cli import cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROUTER = FIXTURES / "router_explicit_gather_scatter_shardy_f32_debug.mlir"  # sources with call chains
IOTA = FIXTURES / "causal_mask_seq_sharded_shardy.mlir"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "hlo-fix.toml").write_text("")
    shutil.copy(ROUTER, tmp_path / "router.mlir")
    shutil.copy(IOTA, tmp_path / "iota.mlir")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HLO_FIX_CACHE_DIR", raising=False)
    return tmp_path


@pytest.fixture
def checker_calls(monkeypatch):
    """Names of the modules the real checker was run on."""
    calls: list[str] = []
    real = lint_run.load_lint_text()

    def counting(text, name, settings, **options):
        calls.append(name)
        return real(text, name, settings, **options)

    monkeypatch.setattr(lint_run, "load_lint_text", lambda: counting)
    return calls


def lint(*args: str):
    return CliRunner().invoke(cli, ["lint", *args])


@pytest.mark.parametrize("output_format", ["full", "json", "sarif", "github", "gitlab", "junit"])
def test_a_second_run_serves_the_same_report_without_linting(project, checker_calls, output_format):
    first = lint("--output-format", output_format, ".")
    assert sorted(checker_calls) == ["iota.mlir", "router.mlir"]
    second = lint("--output-format", output_format, ".")
    assert sorted(checker_calls) == ["iota.mlir", "router.mlir"]  # no new calls
    assert (second.exit_code, second.stdout, second.stderr) == (first.exit_code, first.stdout, first.stderr)
    assert (project / ".hlo-fix_cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_changed_content_name_or_settings_miss(project, checker_calls):
    lint(".")
    checker_calls.clear()
    (project / "iota.mlir").write_text((project / "iota.mlir").read_text() + "\n")
    lint(".")
    assert checker_calls == ["iota.mlir"]
    checker_calls.clear()
    shutil.copy(IOTA, project / "copy.mlir")
    lint(".")
    assert checker_calls == ["copy.mlir"]
    checker_calls.clear()
    lint("--index-float", "f32", "router.mlir")
    lint("--strict", "router.mlir")
    (project / "hlo-fix.toml").write_text('per-file-ignores = { "x.mlir" = ["HF001"] }\n')
    lint("router.mlir")
    assert checker_calls == ["router.mlir"] * 3


def test_no_cache_neither_reads_nor_writes(project, checker_calls):
    lint("--no-cache", ".")
    assert not (project / ".hlo-fix_cache").exists()
    lint(".")
    lint("--no-cache", ".")
    assert len(checker_calls) == 6


def test_a_corrupt_entry_is_a_miss(project, checker_calls):
    expected = lint("--output-format", "json", "iota.mlir").stdout
    for entry in (project / ".hlo-fix_cache").rglob("*.json"):
        entry.write_text("{not json")
    assert lint("--output-format", "json", "iota.mlir").stdout == expected
    assert checker_calls == ["iota.mlir", "iota.mlir"]


def test_cache_dir_option_environment_and_clean(project, checker_calls, monkeypatch):
    lint("--cache-dir", "elsewhere", ".")
    assert (project / "elsewhere" / "CACHEDIR.TAG").is_file() and not (project / ".hlo-fix_cache").exists()
    monkeypatch.setenv("HLO_FIX_CACHE_DIR", str(project / "from-env"))
    lint(".")
    assert (project / "from-env").is_dir()
    monkeypatch.delenv("HLO_FIX_CACHE_DIR")
    lint(".")
    result = CliRunner().invoke(cli, ["clean"])
    assert result.exit_code == 0 and result.stderr == "Removing cache at: .hlo-fix_cache\n"
    assert not (project / ".hlo-fix_cache").exists()
    assert CliRunner().invoke(cli, ["clean", "--cache-dir", "elsewhere"]).exit_code == 0
    assert not (project / "elsewhere").exists()


def test_a_fifo_in_place_of_the_cache_file_does_not_block(project, checker_calls):
    import os

    lint(".")
    results = next((project / ".hlo-fix_cache").rglob("results.json"))
    results.unlink()
    os.mkfifo(results)
    result = lint("--output-format", "concise", "iota.mlir")
    assert result.exit_code == 1 and "HF001" in result.stdout
