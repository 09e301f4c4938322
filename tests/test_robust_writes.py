"""`fix` and `--write-baseline` never lose or corrupt data: symlinks are written through, special files are never
replaced, a concurrent edit is refused, a kill leaves no temporary file behind (or the next run removes it), the
owner and mode are kept, the baseline is replaced atomically, and a cut stdout is an error."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hlo_fix.cli import cli

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SPLAT = FIXTURES / "torchxla_scatter_set_b32e64k6_nospmd.mlir"  # HF003 with a safe fix: plain `fix` rewrites it


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def fixed_text(tmp_path: Path) -> str:
    """What `fix -o` makes of SPLAT, the expected content of every successful write below."""
    out = tmp_path / "expected.mlir"
    assert run("fix", "--isolated", str(SPLAT), "-o", str(out))[0] == 0
    text = out.read_text()
    out.unlink()
    assert text != SPLAT.read_text()
    return text


def module(tmp_path: Path, name: str = "m.mlir") -> Path:
    path = tmp_path / name
    shutil.copyfile(SPLAT, path)
    return path


def temporaries(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def subprocess_fix(tmp_path: Path, code: str, timeout: float = 60):
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, env=environment)


# Links


def test_a_symlinked_module_is_fixed_through_the_link(tmp_path):
    expected = fixed_text(tmp_path)
    target = module(tmp_path, "real.mlir")
    link = tmp_path / "link.mlir"
    link.symlink_to("real.mlir")
    assert run("fix", "--isolated", str(link))[0] == 0
    assert link.is_symlink() and os.readlink(link) == "real.mlir"
    assert target.read_text() == expected
    assert temporaries(tmp_path) == []


def test_a_hard_linked_module_gets_a_new_file_and_the_other_name_keeps_the_original(tmp_path):
    expected = fixed_text(tmp_path)
    path = module(tmp_path)
    other = tmp_path / "other.mlir"
    os.link(path, other)
    assert run("fix", "--isolated", str(path))[0] == 0
    assert path.read_text() == expected
    assert other.read_text() == SPLAT.read_text()  # as documented in hlo_fix/fix/atomic.py
    assert path.stat().st_nlink == 1 and other.stat().st_nlink == 1


# -o onto special files


def test_output_to_dev_null_writes_to_the_device_and_keeps_it(tmp_path):
    assert run("fix", "--isolated", str(SPLAT), "-o", os.devnull)[0] == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_output_to_a_fifo_is_refused_without_blocking(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    code, _, err = run("fix", "--isolated", str(SPLAT), "-o", str(pipe))
    assert code == 2
    assert err.strip() == f"{pipe}:1:1: error: not written: the output is a FIFO"
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_output_to_a_symlink_writes_through_it(tmp_path):
    expected = fixed_text(tmp_path)
    target = tmp_path / "out.mlir"
    target.write_text("old\n")
    link = tmp_path / "out-link.mlir"
    link.symlink_to(target)
    assert run("fix", "--isolated", str(SPLAT), "-o", str(link))[0] == 0
    assert link.is_symlink() and target.read_text() == expected


# Owner, mode, concurrent edits


def test_mode_and_owner_are_kept(tmp_path):
    expected = fixed_text(tmp_path)
    path = module(tmp_path)
    os.chmod(path, 0o640)
    owner = (os.getuid(), os.getgid())
    if os.getuid() == 0:  # root fixing another user's file: the file stays that user's
        owner = (65534, 65534)
        os.chown(path, *owner)
    assert run("fix", "--isolated", str(path))[0] == 0
    info = path.stat()
    assert path.read_text() == expected
    assert stat.S_IMODE(info.st_mode) == 0o640 and (info.st_uid, info.st_gid) == owner


def test_an_edit_made_while_fix_runs_is_refused_not_lost(tmp_path, monkeypatch):
    from hlo_fix.fix import driver

    path = module(tmp_path)
    real_fix_text = driver.fix_text

    def fix_text_while_someone_edits(text, *args, **kwargs):
        result = real_fix_text(text, *args, **kwargs)
        with open(path, "a") as stream:  # an editor saves between our read and our write
            stream.write("// edited\n")
        return result

    monkeypatch.setattr(driver, "fix_text", fix_text_while_someone_edits)
    code, _, err = run("fix", "--isolated", str(path))
    assert code == 2
    assert f"{path}:1:1: error: not written: the file changed while it was being fixed; run again" in err
    assert path.read_text() == SPLAT.read_text() + "// edited\n"
    assert temporaries(tmp_path) == []


# Kills


KILLED_DURING_WRITE = """
import os, signal, sys
import hlo_fix.fix.atomic as atomic
real_fsync = os.fsync
def fsync_then_die(fd):
    real_fsync(fd)
    os.kill(os.getpid(), signal.{signal})
atomic.os.fsync = fsync_then_die
from hlo_fix.cli import main
sys.argv = ['hlo-fix', 'fix', '--isolated', 'm.mlir']
main()
"""


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_during_the_write_leaves_the_module_and_no_temporary_file(tmp_path, signal_name):
    path = module(tmp_path)
    done = subprocess_fix(tmp_path, KILLED_DURING_WRITE.format(signal=signal_name))
    assert done.returncode in (-getattr(signal, signal_name), 130), done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_text() == SPLAT.read_text()
    assert temporaries(tmp_path) == []


def test_a_temporary_file_left_by_sigkill_is_removed_by_the_next_fix(tmp_path):
    expected = fixed_text(tmp_path)
    path = module(tmp_path)
    done = subprocess_fix(tmp_path, KILLED_DURING_WRITE.format(signal="SIGKILL"))
    assert done.returncode == -signal.SIGKILL
    left = temporaries(tmp_path)
    assert len(left) == 1 and left[0].startswith(".m.mlir.hlo-fix-"), left
    assert path.read_text() == SPLAT.read_text()
    assert run("fix", "--isolated", str(path))[0] == 0
    assert path.read_text() == expected and temporaries(tmp_path) == []


# The baseline and stdout


def test_write_baseline_on_a_full_disk_keeps_the_old_baseline(tmp_path, monkeypatch):
    import hlo_fix.fix.atomic as atomic

    baseline = tmp_path / "baseline.json"
    assert run("lint", "--isolated", str(SPLAT), "--write-baseline", str(baseline))[0] == 0
    before = baseline.read_text()
    assert json.loads(before)["files"]

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    code, _, err = run("lint", "--isolated", str(FIXTURES / "flat_index_gather_shardy.mlir"),
                       "--write-baseline", str(baseline))
    assert code == 2
    assert err.strip() == f"{baseline}:1:1: error: cannot write baseline: {os.strerror(errno.ENOSPC)}"
    assert baseline.read_text() == before and temporaries(tmp_path) == []


def test_fix_to_a_closed_stdout_exits_2(tmp_path):
    command = [sys.executable, "-m", "hlo_fix", "fix", "--isolated", "-"]
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    with open(SPLAT, "rb") as source:
        closed = subprocess.run(command, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                cwd=tmp_path, env=environment, timeout=60, pass_fds=(),
                                preexec_fn=lambda: os.close(1))
    assert closed.returncode == 2 and b"stdout is closed" in closed.stderr, closed.stderr
    # A pipe whose reader is gone: the write fails with EPIPE.
    reader, writer = os.pipe()
    os.close(reader)
    with open(SPLAT, "rb") as source:
        cut = subprocess.run(command, stdin=source, stdout=writer, stderr=subprocess.PIPE, cwd=tmp_path,
                             env=environment, timeout=60)
    os.close(writer)
    assert cut.returncode == 2 and b"Traceback" not in cut.stderr, cut.stderr
    assert b"cannot write the fixed module to stdout" in cut.stderr


def test_write_baseline_onto_a_fifo_is_refused_and_onto_dev_null_written(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    code, _, err = run("lint", "--isolated", str(SPLAT), "--write-baseline", str(pipe))
    assert code == 2 and err.strip() == f"{pipe}:1:1: error: cannot write baseline: not written: the output is a FIFO"
    assert run("lint", "--isolated", str(SPLAT), "--write-baseline", os.devnull)[0] == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_temporary_file_of_a_live_process_is_left_alone(tmp_path):
    path = module(tmp_path)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        theirs = tmp_path / f".m.mlir.hlo-fix-{alive.pid}-abcd.tmp"  # another fix of the same file, mid-write
        theirs.write_text("partial")
        assert run("fix", "--isolated", str(path))[0] == 0
        assert temporaries(tmp_path) == [theirs.name]
    finally:
        alive.kill()
        alive.wait()
