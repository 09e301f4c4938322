"""`lint -j N`: the fixtures linted in worker processes give the serial run's output byte for byte, errors
included and in the same order, and the cache still serves what it has."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hlo_fix.lint import parallel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="-j needs the fork start method")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("jobs")
    (root / "hlo-fix.toml").write_text("")
    for fixture in sorted(FIXTURES.glob("*.mlir"))[:24]:
        shutil.copy(fixture, root / fixture.name)
    (root / "b_broken.mlir").write_text("module {\n  %0 = \n}\n")  # an error between good files
    (root / "y_bad_utf8.mlir").write_bytes(b"module {\n\xff\n}\n")
    return root


def lint(root: Path, *args: str) -> subprocess.CompletedProcess:
    # A real process: the CLI runs with the collector off and forks its workers, as installed.
    return subprocess.run([sys.executable, "-m", "hlo_fix", "lint", *args, "."], cwd=root, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("output_format", ["full", "json", "sarif"])
def test_parallel_output_is_the_serial_output(tree, output_format):
    serial = lint(tree, "--no-cache", "--output-format", output_format)
    assert serial.returncode == 2 and serial.stderr.count("error:") == 2, serial.stderr
    parallel_run = lint(tree, "--no-cache", "-j", "3", "--output-format", output_format)
    assert (parallel_run.returncode, parallel_run.stdout, parallel_run.stderr) == (
        serial.returncode, serial.stdout, serial.stderr)


def test_parallel_with_a_warm_cache(tree):
    cold = lint(tree, "-j", "2", "--output-format", "json")
    warm = lint(tree, "-j", "2", "--output-format", "json")
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert cold.stdout == lint(tree, "--no-cache", "--output-format", "json").stdout


def test_default_jobs_fork_only_for_enough_work(monkeypatch):
    monkeypatch.setattr(parallel, "available_cpus", lambda: 4)
    few_small = ["module {}"] * 3
    assert parallel.worker_count(0, few_small) == 1
    assert parallel.worker_count(0, few_small * parallel.AUTO_MIN_FILES) == 4
    assert parallel.worker_count(0, ["x" * parallel.AUTO_MIN_BYTES, "module {}"]) == 2  # never more than files
    assert parallel.worker_count(3, few_small[:2]) == 2  # as asked, but not more than there is
    assert parallel.worker_count(1, few_small * 100) == 1


def test_default_run_over_many_files_is_the_serial_run(tmp_path):
    (tmp_path / "hlo-fix.toml").write_text("")
    fixtures = sorted(FIXTURES.glob("*.mlir"))
    for i in range(parallel.AUTO_MIN_FILES + 8):  # enough files for the default to fork its workers
        shutil.copy(fixtures[i % len(fixtures)], tmp_path / f"{i:03d}_{fixtures[i % len(fixtures)].name}")
    (tmp_path / "m_broken.mlir").write_text("module {\n  %0 = \n}\n")
    default = lint(tmp_path, "--no-cache", "--output-format", "json")
    serial = lint(tmp_path, "--no-cache", "-j", "1", "--output-format", "json")
    assert default.returncode == 2 and '"code": "HF' in default.stdout
    assert (default.returncode, default.stdout, default.stderr) == (serial.returncode, serial.stdout, serial.stderr)


def test_default_run_forks_one_worker_per_cpu(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from hlo_fix.cli import cli

    fixtures = sorted(FIXTURES.glob("*.mlir"))
    for i in range(parallel.AUTO_MIN_FILES):
        shutil.copy(fixtures[i % len(fixtures)], tmp_path / f"{i:03d}.mlir")
    asked = []
    monkeypatch.setattr(parallel, "available_cpus", lambda: 2)
    monkeypatch.setattr(parallel, "lint_all", lambda tasks, lint, error, jobs: asked.append(jobs) or
                        [("found", [])] * len(tasks))
    CliRunner().invoke(cli, ["lint", "--no-cache", "--exit-zero", str(tmp_path)])
    CliRunner().invoke(cli, ["lint", "--no-cache", "--exit-zero", str(tmp_path / "000.mlir"), str(tmp_path / "001.mlir")])
    assert asked == [2]  # the two-file run stayed serial
