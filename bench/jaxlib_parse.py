"""Child process for the baseline: parse one file with jaxlib's C++ MLIR parser.

Run by ``run_bench.py`` in a fresh interpreter so that the parent can read
this process's own peak RSS (via ``os.wait4``) and nothing else's.  Only
``ir.Module.parse`` is timed: importing jax, building the context (which
registers the StableHLO/CHLO/Shardy dialects) and reading the file are
reported separately, so the baseline is the parser at its best.

Prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")  # parsing needs no accelerator


def load_jaxlib():
    """Import the MLIR bindings jax ships; returns (ir module, context factory)."""
    from jax._src.interpreters import mlir
    from jax._src.lib.mlir import ir

    return ir, mlir.make_ir_context


def parse_timed(path):
    """Parse ``path`` (a file, or every ``*.mlir`` under a directory, parse times summed) and return a dict
    of phase timings in seconds."""
    t0 = time.perf_counter()
    ir, make_context = load_jaxlib()
    t1 = time.perf_counter()
    ctx = make_context()
    ctx.allow_unregistered_dialects = True  # some corpus modules use test dialects
    t2 = time.perf_counter()
    paths = sorted(Path(path).rglob("*.mlir")) if Path(path).is_dir() else [Path(path)]
    read_s = parse_s = 0.0
    n_bytes = n_ops = rejected = 0
    for one in paths:
        t3 = time.perf_counter()
        data = one.read_bytes()  # bytes: the binding takes them without a decode copy
        t4 = time.perf_counter()
        try:
            with ctx:
                module = ir.Module.parse(data)
        except Exception:  # noqa: BLE001 - a corpus file jaxlib rejects: its time counts, its ops do not
            if len(paths) == 1:
                raise
            module = None
            rejected += 1
        t5 = time.perf_counter()
        n_ops += len(module.body.operations) if module is not None else 0  # touch the result
        read_s += t4 - t3
        parse_s += t5 - t4
        n_bytes += len(data)
        del module
    return {
        "import_s": t1 - t0,
        "context_s": t2 - t1,
        "read_s": read_s,
        "parse_s": parse_s,
        "bytes": n_bytes,
        "files": len(paths),
        "rejected": rejected,
        "top_level_ops": n_ops,
    }


def main(argv=None):
    """Entry point: ``jaxlib_parse.py FILE``."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: jaxlib_parse.py FILE", file=sys.stderr)
        return 2
    print(json.dumps(parse_timed(argv[0])))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
