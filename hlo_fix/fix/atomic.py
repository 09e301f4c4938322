"""Writes that are all or nothing: a temporary file in the target's directory, fsync, then `os.replace`.

A rename within one directory is atomic on POSIX and Windows, so an interrupted or failed run leaves either the
old file or the new one, never a truncated mix. Beyond that:

- Symlinks are written through: the link's final target is replaced and the link stays (as editors and ruff do).
- Hard links: the name written gets a new file; the other names of the old file keep the unfixed text.
- Special files: a character device (`-o /dev/null`, `/dev/stdout`) is written directly, never replaced. A FIFO,
  socket or block device is refused (a FIFO without a reader would block the run forever).
- The temporary file takes the target's permission bits and, where the process may set them, its owner and group.
- `expected` (a `FileState` taken before the file was read) makes the write refuse, before the rename, a file that
  was changed meanwhile, so a concurrent edit is never lost.
- Temporary files are named `.NAME.hlo-fix-PID-XXXX.tmp`. SIGTERM, SIGHUP and Ctrl-C remove them on the way out;
  one left by a process that was killed outright (SIGKILL, power loss) is removed by the next write to the same
  file once its process is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hlo_fix.errors import HloFixError

TEMP_MARK = "hlo-fix"


class WriteRefusedError(HloFixError):
    """The target cannot be written safely: a special file, or one changed since it was read."""


@dataclass(frozen=True)
class FileState:
    """What identifies one version of a file without reading it again: a later edit changes at least one field."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, path: str | Path) -> FileState | None:
        try:
            info = os.stat(path)
        except OSError:
            return None
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def write_atomically(path: str | Path, text: str, *, expected: FileState | None = None) -> None:
    """Write `text` (UTF-8) to `path`; see the module docstring for links, special files and concurrent edits."""
    target = Path(os.path.realpath(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_special(target, info, text)
        return
    _remove_stale_temporaries(target)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{TEMP_MARK}-{os.getpid()}-",
                                         suffix=".tmp")
    try:
        with _removed_on_signal(temporary), os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
            _copy_owner_and_mode(stream.fileno(), info)
            if expected is not None and FileState.of(target) != expected:
                raise WriteRefusedError("not written: the file changed while it was being fixed; run again")
            os.replace(temporary, target)
        _sync_directory(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _write_special(target: Path, info: os.stat_result, text: str) -> None:
    if not stat.S_ISCHR(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a directory" if stat.S_ISDIR(info.st_mode) else \
            "not a regular file"
        raise WriteRefusedError(f"not written: the output is {kind}")
    with open(target, "wb") as stream:
        stream.write(text.encode("utf-8"))


def _copy_owner_and_mode(descriptor: int, info: os.stat_result | None) -> None:
    if not hasattr(os, "fchmod"):  # Windows: no POSIX owner or mode bits to copy
        return
    if info is None:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(descriptor, 0o666 & ~umask)
        return
    if hasattr(os, "fchown") and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(OSError):  # only root (or a group member, for the group) may give a file away
            os.fchown(descriptor, info.st_uid, info.st_gid)
    os.fchmod(descriptor, stat.S_IMODE(info.st_mode))


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX: the directory entry lives in the directory)."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _remove_stale_temporaries(target: Path) -> None:
    """Remove temporary files of `target` left by hlo-fix processes that no longer exist."""
    prefix = f".{target.name}.{TEMP_MARK}-"
    try:
        names = [entry.name for entry in os.scandir(target.parent) if entry.name.startswith(prefix)]
    except OSError:
        return
    for name in names:
        pid, _, rest = name[len(prefix):].partition("-")
        if pid.isdigit() and rest.endswith(".tmp") and not _process_exists(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(target.parent / name)


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class _Terminated(BaseException):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _removed_on_signal(temporary: str):
    """Turn SIGTERM and SIGHUP into an exception while the temporary file exists, so it is removed, then die of
    the same signal. Ctrl-C already raises KeyboardInterrupt. Only the main thread may set handlers."""
    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {}

    def handler(signum, frame):
        raise _Terminated(signum)

    try:
        for signum in wanted:
            previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    except _Terminated as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        _restore(previous)
        signal.signal(exc.signum, signal.SIG_DFL)
        os.kill(os.getpid(), exc.signum)
        raise
    finally:
        _restore(previous)


def _restore(previous: dict) -> None:
    for signum, handler in previous.items():
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(signum, handler)
