"""Memory of a long-lived API process: lint 5,000 distinct small modules in one process and report how much
traced memory grew after the first 500 (issue 9's bar: under 5 MB). The text-keyed tables of `hlo_fix.ir.memo`
fill up to their budgets and then stay there; anything else that grows per module shows up here.

    .venv/bin/python bench/memory.py [--modules 5000] [--warm 500]
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import hlo_fix  # noqa: E402

FIXTURE = REPO / "fixtures" / "gather_row_iota_two_axis_shardy.mlir"


def distinct_module(base: str, i: int) -> str:
    """The fixture with batch and expert sizes changed: every op text differs from every other module's."""
    text = re.sub(r"(?<![i\d])64(?!\d)", str(2000 + i % 1000), base)
    return re.sub(r"(?<!\d)160(?!\d)", str(170 + i // 1000), text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", type=int, default=5000)
    ap.add_argument("--warm", type=int, default=500)
    ap.add_argument("--limit-mb", type=float, default=5.0)
    args = ap.parse_args(argv)
    base = FIXTURE.read_text()
    tracemalloc.start()
    at_warm = 0
    for i in range(args.modules):
        if i == args.warm:
            gc.collect()
            at_warm = tracemalloc.get_traced_memory()[0]
        hlo_fix.lint_text(distinct_module(base, i), f"m{i}.mlir")
    gc.collect()
    grown = (tracemalloc.get_traced_memory()[0] - at_warm) / 2**20
    verdict = "ok" if grown < args.limit_mb else "FAIL"
    print(f"{'memory: distinct modules':30}{args.modules:>8} linted; traced growth after the first {args.warm}: "
          f"{grown:.2f} MiB (bar {args.limit_mb:g} MiB) {verdict}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
