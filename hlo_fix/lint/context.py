"""What a rule sees while it runs: the module, the settings, and a way to report a finding at an op."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from hlo_fix.lint.finding import Finding, Fix, Severity

if TYPE_CHECKING:
    from hlo_fix.ir.model import Module, Op
    from hlo_fix.lint.settings import Settings
    from hlo_fix.rules.base import Rule

# Normalizes an op's text for fingerprints: SSA names and locations change between exports of the same model.
_VOLATILE = re.compile(r"%[A-Za-z0-9_$.\-]+(?:#[0-9]+)?|loc\((?:[^()]|\([^()]*\))*\)|#loc[0-9]*")


class LintContext:
    """Shared by the rules of one run over one module; analyses they share (sharding) are cached here."""

    def __init__(self, module: "Module", settings: "Settings", filename: str):
        self.module = module
        self.settings = settings
        self.filename = filename
        self._cache: dict[str, object] = {}

    def cached(self, key: str, build):
        """One analysis per module, built by the first rule that needs it."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def finding(
        self,
        rule: "type[Rule] | Rule",
        op: "Op",
        message: str,
        *,
        severity: Severity | None = None,
        fix: Fix | None = None,
        data: dict | None = None,
    ) -> Finding:
        """A finding spanning the op's first line, from its first character to the end of that line."""
        text = self.module.text
        line_end = text.find("\n", op.start)
        if line_end < 0 or line_end > op.end:
            line_end = op.end
        location = op.location
        return Finding(
            code=rule.code,
            name=rule.name,
            message=message,
            severity=severity or rule.severity,
            filename=self.filename,
            row=op.line,
            column=op.column,
            end_row=op.line,
            end_column=op.column + (line_end - op.start),
            fix=fix,
            source=location.python_source() if location is not None else None,
            fingerprint=fingerprint(rule.code, op),
            data=data or {},
            offset=op.start,
        )


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
        _FINGERPRINTS[key] = found
    return found


_FINGERPRINTS: dict[tuple[str, str, str], str] = {}
