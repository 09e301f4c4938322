"""jaxlib's MLIR parser as the oracle of what is valid MLIR text: its verdict on each chunk, cached by content.

Module.parse runs MLIR's parser and verifier with every dialect jax registers (StableHLO, CHLO, Shardy, func,
...) and unregistered dialects allowed. A chunk it accepts must be read by hlo-fix; one it rejects may be
rejected (whether for syntax or for a verifier check). Verdicts are computed in a child process (a hand-written
file may abort the C++ parser) and cached in `verdicts.json` beside this file, so the suite needs jax only for
chunks it has not seen.

Run as a script to refresh the cache: `python -m tests.oracle.jaxlib_verdicts DIR...`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.oracle.chunks import Chunk, split_chunks

CACHE = Path(__file__).with_name("verdicts.json")

_CHILD = r"""
import json, sys, os
os.environ.setdefault("JAX_PLATFORMS", "cpu")
from jax._src.interpreters import mlir
from jax._src.lib.mlir import ir
texts = json.loads(sys.stdin.read())
ctx = mlir.make_ir_context()
ctx.allow_unregistered_dialects = True
out = []
with ctx:
    for text in texts:
        try:
            ir.Module.parse(text)
            out.append(True)
        except Exception:
            out.append(False)
print(json.dumps(out))
"""


def load_cache() -> dict[str, bool]:
    try:
        return json.loads(CACHE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def judge(texts: list[str]) -> list[bool]:
    """jaxlib's verdicts, from one child process (the MLIR diagnostics it prints are dropped)."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], input=json.dumps(texts), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        if len(texts) == 1:
            return [False]  # the parser aborted on it
        half = len(texts) // 2
        return judge(texts[:half]) + judge(texts[half:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def verdicts(chunks: list[Chunk], write: bool = False) -> dict[str, bool]:
    """Verdict per chunk key; missing ones are computed (needs jax) and, with `write`, saved."""
    cache = load_cache()
    missing = {chunk.key: chunk.text for chunk in chunks if chunk.key not in cache}
    if missing:
        cache.update(zip(missing, judge(list(missing.values()))))
        if write:
            CACHE.write_text(json.dumps(dict(sorted(cache.items())), indent=0) + "\n", encoding="utf-8")
    return {chunk.key: cache[chunk.key] for chunk in chunks}


def corpus_chunks(*folders: Path) -> list[Chunk]:
    return [chunk for folder in folders for path in sorted(folder.glob("*.mlir")) for chunk in split_chunks(path)]


if __name__ == "__main__":
    found = corpus_chunks(*map(Path, sys.argv[1:]))
    judged = verdicts(found, write=True)
    print(f"{sum(judged.values())} of {len(found)} chunks accepted by jaxlib")
