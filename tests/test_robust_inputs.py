"""Hostile inputs get one located `error:` line and exit 0/1/2, never a traceback, an internal error or a hang:
deep TOML and JSON, FIFOs where files are expected, a deep GSPMD sharding, dimension numbers past an operand's
rank, many per-file-ignores, and `fix --verify` without jax. Each case runs the real command in a subprocess with
a time limit, so a hang fails the test instead of blocking the suite."""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hlo_fix.lint.settings import Settings

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
FLAT = FIXTURES / "flat_index_gather_shardy.mlir"  # a gather with start_index_map = [0] into a rank-1 table
GSPMD = FIXTURES / "gather_row_iota_barrier_gspmd.mlir"
LOCATED = re.compile(r"^\S+:\d+:\d+: error: ")


def hlo_fix(*args: str, cwd: Path, timeout: float = 60, env=None, code: str | None = None):
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "hlo_fix", *args]
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    environment.pop("HLO_FIX_TRACEBACK", None)
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=environment)


def one_error(run, fragment: str) -> str:
    """Exit 2 and exactly one `error:` line on stderr, containing `fragment`; no traceback."""
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    errors = [line for line in run.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and fragment in errors[0], run.stderr
    return errors[0]


def no_crash(run) -> None:
    assert run.returncode in (0, 1, 2), run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr


def jaxlib_accepts(text: str) -> bool | None:
    """jaxlib's MLIR parser (the oracle for validity), or None when jax is not installed."""
    try:
        from jax._src.interpreters import mlir
        from jax._src.lib.mlir import ir
    except ImportError:
        return None
    context = mlir.make_ir_context()
    context.allow_unregistered_dialects = True
    with context:
        try:
            ir.Module.parse(text)
        except Exception:  # jaxlib raises its own MLIRError
            return False
    return True


# Configuration and baseline files


def test_a_deep_array_in_a_discovered_pyproject_is_a_located_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nx = " + "[" * 500 + "]" * 500 + "\n")
    (tmp_path / "m.mlir").write_text(FLAT.read_text())
    line = one_error(hlo_fix("lint", "m.mlir", cwd=tmp_path), "nested too deeply")
    assert line.startswith(f"{tmp_path / 'pyproject.toml'}:2:504: error: invalid TOML")  # the 500th `[`


@pytest.mark.parametrize(
    "document, fragment",
    [("[" * 10_000 + "]" * 10_000, "nested too deeply"), ('{"hlo-fix-baseline": ' + "9" * 5000 + "}", "integer")],
    ids=["10000-deep", "5000-digit-integer"],
)
def test_a_hostile_baseline_is_a_located_error(tmp_path, document, fragment):
    (tmp_path / "baseline.json").write_text(document)
    line = one_error(hlo_fix("lint", "--isolated", "--baseline", "baseline.json", str(FLAT), cwd=tmp_path), fragment)
    assert line.startswith("baseline.json:1:1: error: baseline is not an hlo-fix baseline")


@pytest.mark.parametrize("option", ["--config", "--baseline"])
def test_a_fifo_named_by_an_option_is_refused_without_blocking(tmp_path, option):
    os.mkfifo(tmp_path / "pipe")
    line = one_error(hlo_fix("lint", option, "pipe", str(FLAT), cwd=tmp_path, timeout=30), "not a regular file")
    assert line.startswith("pipe:1:1: error: ")


@pytest.mark.parametrize("command", [["lint"], ["fix", "--diff"]])
def test_a_fifo_inside_a_linted_directory_is_skipped_with_a_warning(tmp_path, command):
    models = tmp_path / "models"
    models.mkdir()
    os.mkfifo(models / "a_pipe.mlir")
    (models / "b.mlir").write_text(FLAT.read_text())
    run = hlo_fix(*command, "--isolated", "models", cwd=tmp_path, timeout=30)
    no_crash(run)
    assert run.returncode == 1  # b.mlir was still read: it has findings
    assert "hlo-fix: warning: models/a_pipe.mlir: not a regular file; skipped" in run.stderr


# Modules whose attributes are hostile


def test_a_gspmd_sharding_nested_100000_deep_is_read_without_recursion(tmp_path):
    deep = "{" * 100_000 + "replicated" + "}" * 100_000
    text = GSPMD.read_text().replace('"{devices=[4,1,2]<=[8] last_tile_dim_replicate}"', f'"{deep}"', 1)
    assert deep in text
    path = tmp_path / "deep.mlir"
    path.write_text(text)
    assert jaxlib_accepts(text) in (True, None)  # only a string to MLIR
    run = hlo_fix("lint", "--isolated", str(path), cwd=tmp_path)
    no_crash(run)
    assert run.returncode == 1  # the other arguments' shardings still give the finding


def test_a_start_index_map_past_the_operand_rank_is_a_located_error(tmp_path):
    text = FLAT.read_text().replace("start_index_map = [0]", "start_index_map = [5]")
    assert "start_index_map = [5]" in text
    assert jaxlib_accepts(text) in (False, None)
    path = tmp_path / "bad.mlir"
    path.write_text(text)
    row = next(n for n, line in enumerate(text.splitlines(), 1) if "start_index_map" in line)
    for command in (["lint"], ["fix", "--diff"]):
        line = one_error(hlo_fix(*command, "--isolated", str(path), cwd=tmp_path), "start_index_map")
        assert re.match(rf"^\S*bad\.mlir:{row}:5: error: invalid stablehlo\.gather: `start_index_map` names dim 5, "
                        r"but the operand has rank 1$", line), line


def test_a_non_ascii_value_name_is_no_internal_error(tmp_path):
    text = FLAT.read_text().replace("%arg1", "%ärg1")
    assert "%ärg1" in text
    assert jaxlib_accepts(text) in (False, None)  # MLIR's value names are ASCII
    path = tmp_path / "names.mlir"
    path.write_text(text, encoding="utf-8")
    for command in (["lint"], ["fix", "--diff"]):
        no_crash(hlo_fix(*command, "--isolated", str(path), cwd=tmp_path))


def test_a_non_ascii_argument_name_is_a_located_error(tmp_path):
    text = FLAT.read_text().replace("%arg0", "%ä")
    assert jaxlib_accepts(text) in (False, None)
    path = tmp_path / "names.mlir"
    path.write_text(text, encoding="utf-8")
    one_error(hlo_fix("lint", "--isolated", str(path), cwd=tmp_path), "ä")


# Scale


def _globs(count: int) -> dict[str, tuple[str, ...]]:
    globs = {f"dir{i}/*.mlir": ("HF001",) for i in range(count)}
    globs.update({"**/deep/*.mlir": ("HF002",), "top?.mlir": ("HF003",), "[ab]*/x.mlir": ("HF004",),
                  "dir1*/m.mlir": ("HF005",), "*": ("HF00",)})
    return globs


FILES = ["deep/x.mlir", "a/deep/x.mlir", "top1.mlir", "topxx.mlir", "b/x.mlir", "c/x.mlir", "dir12/m.mlir"]
CODES = ("HF001", "HF002", "HF003", "HF004", "HF005")


def test_per_file_ignores_match_as_fnmatch_does(tmp_path):
    globs = _globs(2000)
    globs.pop("*")
    settings = Settings(per_file_ignores=globs, project_root=str(tmp_path))
    files = FILES + [f"dir{i}/m.mlir" for i in range(0, 2100, 37)] + ["dir3/sub/m.mlir", "other/dir3/m.mlir"]
    decided = {(code, f): settings.ignored_in_file(code, str(tmp_path / f)) for f in files for code in CODES}
    for (code, name), ignored in decided.items():  # the oracle: fnmatch over every glob, gitignore's `**/`
        expected = any(
            code in codes and (fnmatch.fnmatchcase(name, glob) or glob.startswith("**/")
                               and fnmatch.fnmatchcase(name, glob[3:]))
            for glob, codes in globs.items()
        )
        assert ignored == expected, (code, name)
    assert decided[("HF002", "a/deep/x.mlir")] and not decided[("HF003", "topxx.mlir")]
    assert decided[("HF001", "dir3/sub/m.mlir")]  # fnmatch's `*` crosses `/`


def test_100000_per_file_ignores_are_matched_in_milliseconds_a_file(tmp_path):
    settings = Settings(per_file_ignores=_globs(100_000), project_root=str(tmp_path))
    files = FILES + [f"dir{i}/m.mlir" for i in range(0, 100_000, 97)]
    started = time.perf_counter()
    for name in files:
        for code in CODES:
            assert settings.ignored_in_file(code, str(tmp_path / name))  # `*` = [HF00] ignores everything
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"{len(files)} files: {elapsed:.1f} s"  # fnmatch over every glob: minutes


def test_100000_per_file_ignores_in_a_config_lint_in_seconds(tmp_path):
    lines = ["[tool.hlo-fix.per-file-ignores]"] + [f'"dir{i}/*.mlir" = ["HF001"]' for i in range(100_000)]
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + '\n"m.mlir" = ["HF004"]\n')
    (tmp_path / "m.mlir").write_text(FLAT.read_text())
    started = time.perf_counter()
    run = hlo_fix("lint", "m.mlir", cwd=tmp_path)
    elapsed = time.perf_counter() - started
    no_crash(run)
    assert "HF005" in run.stdout and "HF004" not in run.stdout
    assert elapsed < 15, f"{elapsed:.1f} s"


# verify and fix --verify


def test_fix_verify_without_jax_says_what_to_install(tmp_path):
    path = tmp_path / "m.mlir"
    path.write_text(FLAT.read_text())
    code = (
        "import sys; sys.modules['jax'] = None\n"
        "from hlo_fix.cli import main\n"
        f"sys.argv = ['hlo-fix', 'fix', '--isolated', '--unsafe-fixes', '--verify', {str(path)!r}]\n"
        "main()\n"
    )
    line = one_error(hlo_fix(cwd=tmp_path, code=code), "jax and jaxlib, which are not installed")
    assert line.startswith("hlo-fix: error: --verify runs modules") and "hlo-fix[verify]" in line
    assert path.read_text() == FLAT.read_text()


def test_verify_with_a_billion_devices_is_refused_up_front(tmp_path):
    pytest.importorskip("jax")
    run = hlo_fix("verify", str(FLAT), str(FLAT), "--spmd", "1000000000", cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().startswith("hlo-fix verify: error: --spmd 1000000000 is more CPU devices")
