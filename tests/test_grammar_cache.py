"""The fast reader's terminal patterns come from grammar/stablehlo.lark, through an on-disk cache that lets the lint
path start without importing Lark. The cache must give exactly what compiling the grammar gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = (
    "import json, sys; from hlo_fix.ir.grammar import terminal_patterns; "
    "print(json.dumps([terminal_patterns(), sorted(m for m in sys.modules if m.startswith('lark'))]))"
)


def run_probe(cache_home) -> tuple[dict, list]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    patterns, lark_modules = json.loads(result.stdout)
    return patterns, lark_modules


def test_cached_patterns_equal_the_compiled_ones_and_skip_lark(tmp_path):
    compiled, modules_first = run_probe(tmp_path)
    assert modules_first, "the first start compiles the grammar with Lark"
    assert list((tmp_path / "hlo-fix").glob("terminals-*.json"))
    cached, modules_second = run_probe(tmp_path)
    assert cached == compiled
    assert modules_second == []
    assert {"VALUE_REF", "STRING", "BARE_ID", "GENERIC_OP_NAME", "ATTR_REF"} <= compiled.keys()


def test_unwritable_cache_still_works(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    patterns, _ = run_probe(blocked)
    assert "VALUE_REF" in patterns
