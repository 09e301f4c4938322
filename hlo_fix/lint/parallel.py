"""`lint -j N`: modules linted in N forked worker processes, results returned in input order. `-j 0`, the default,
takes one process per available CPU when there is enough to lint (`worker_count`), as ruff does.

Workers are forked, so they share the parent's checker, settings and texts without pickling them (only a task's
index goes out); findings come back as the cache's plain entries (`hlo_fix.lint.cache`), which carry everything a
report prints and none of the module's objects. Where `fork` is not available the caller lints serially.
"""

from __future__ import annotations

import gc
import os
from typing import Callable, Sequence

from hlo_fix.errors import HloFixError

# What the forked workers read: set by `lint_all` just before the pool forks.
_TASKS: Sequence[tuple[str, str, object]] = ()
_LINT: Callable | None = None
_FORMAT_ERROR: Callable | None = None


# `-j 0` (the default) forks workers only for work that repays the pool's start (some 10-30 ms a worker): this
# many files, or this many bytes of text, to lint. Below both a serial run is as fast.
AUTO_MIN_FILES = 32
AUTO_MIN_BYTES = 8 << 20


def can_fork() -> bool:
    import multiprocessing  # only where workers may start: its imports cost a single-file run 10 ms

    return "fork" in multiprocessing.get_all_start_methods()


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, as a container or `taskset` sets it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(jobs: int, texts: Sequence[str]) -> int:
    """How many processes lint `texts`: `jobs` as asked (never more than there are texts), or for `jobs` 0 one per
    available CPU when the work repays them, else 1."""
    if jobs == 0:
        if len(texts) < AUTO_MIN_FILES and sum(map(len, texts)) < AUTO_MIN_BYTES:
            return 1
        jobs = available_cpus()
    return max(1, min(jobs, len(texts)))


def _run(index: int):
    from hlo_fix.lint.cache import finding_to_entry

    text, name, settings = _TASKS[index]
    try:
        return "found", [finding_to_entry(f) for f in _LINT(text, name, settings)]
    except HloFixError as exc:
        return "error", _FORMAT_ERROR(exc, name)
    except Exception as exc:  # a bug in hlo-fix: one line, as in a serial run
        return "error", _FORMAT_ERROR(f"internal error ({type(exc).__name__}: {exc}); please report it", name)
    finally:
        if not gc.isenabled():  # the collector is off, as in the parent: free this module's cycles, as it does
            gc.collect(0)


def lint_all(tasks: Sequence[tuple[str, str, object]], lint_text: Callable, format_error: Callable,
             jobs: int) -> list[tuple[str, object]]:
    """("found", findings) or ("error", the error's line) for each (text, name, settings), in order."""
    global _TASKS, _LINT, _FORMAT_ERROR
    from hlo_fix.lint.cache import finding_from_entry

    import multiprocessing

    _TASKS, _LINT, _FORMAT_ERROR = tasks, lint_text, format_error
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(processes=jobs) as pool:
            results = pool.map(_run, range(len(tasks)), chunksize=max(1, len(tasks) // (jobs * 8)))
    finally:
        _TASKS, _LINT, _FORMAT_ERROR = (), None, None
    return [(kind, [finding_from_entry(e) for e in value] if kind == "found" else value) for kind, value in results]
