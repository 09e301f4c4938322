"""`hlo-fix fix --verify`: run a rewrite against its original on XLA CPU before anything is written.

Sharded modules (`mhlo.num_partitions = N`, N > 1) are also run partitioned over N devices, since a rewrite
that is right on one device can still be wrong once its gathers and iotas are sharded. jax is imported only
here, and only when `--verify` is given.
"""

from __future__ import annotations

import os
import re

from hlo_fix.errors import HloFixError

VERIFY_SEEDS = 2  # seed 1 mixes in the edge indices (first, last, one past either end)
_PARTITIONS = re.compile(r"mhlo\.num_partitions\s*=\s*(\d+)")


def partitions_of(text: str) -> int | None:
    found = _PARTITIONS.search(text)
    count = int(found.group(1)) if found else None
    return count if count and count > 1 else None


def verification_failure(original: str, rewritten: str) -> str | None:
    """None when the rewrite computes the same bits; otherwise why it cannot be trusted (one line)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        from hlo_fix.verify import verify_texts
    except ImportError as error:  # jax is an optional dependency (the `verify` extra)
        return f"--verify needs jax and jaxlib ({error})"
    try:
        report = verify_texts(original, rewritten, seeds=VERIFY_SEEDS, spmd=partitions_of(original))
    except HloFixError as error:
        return f"the rewrite could not be verified: {error}"
    if report.ok:
        return None
    run, output = report.first_mismatch
    return (
        f"the rewrite computes different values ({run.label}: output {output.output} differs in "
        f"{output.differing} of {output.elements} elements)"
    )
