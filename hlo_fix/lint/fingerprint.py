"""A finding's fingerprint: what baselines key on, stable across renumbered SSA values and shifted lines. The engine
stamps it on every finding a rule reports (`hlo_fix.lint.checker`)."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from hlo_fix.ir.memo import TextTable

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op

# Normalizes an op's text for fingerprints: SSA names and locations change between exports of the same model.
_VOLATILE = re.compile(r"%[A-Za-z0-9_$.\-]+(?:#[0-9]+)?|loc\((?:[^()]|\([^()]*\))*\)|#loc[0-9]*")


def fingerprint(code: str, op: "Op") -> str:
    """Stable across renumbered SSA values and shifted lines: the code, the function, and the op's own text with
    names and locations blanked. Identical ops in one function share it (a baseline counts them)."""
    from hlo_fix.ir.attributes import symbol_name
    from hlo_fix.ir.opkey import op_key

    function = op.function
    owner = symbol_name(function) if function is not None else ""
    key = (code, owner, op_key(op))
    found = _FINGERPRINTS.get(key)
    if found is None:
        text = key[2]
        if "loc" in text:
            text = _VOLATILE.sub("%", text)
        normalized = " ".join(text.split())
        found = hashlib.sha256(f"{code}\x00{owner}\x00{normalized}".encode()).hexdigest()[:16]
        _FINGERPRINTS.put(key, found)
    return found


_FINGERPRINTS: TextTable[str] = TextTable()
