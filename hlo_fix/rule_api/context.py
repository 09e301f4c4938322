"""What a rule sees while it runs: the module, the settings, and a way to report a finding at an op."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Protocol

from hlo_fix.rule_api.finding import Finding, Fix, Severity

if TYPE_CHECKING:
    from hlo_fix.ir.model import Module, Op


class Reporter(Protocol):
    """What `finding` reads of the rule reporting (a `hlo_fix.rule_api.Rule`, which sits above this module)."""

    code: str
    name: str
    severity: Severity
    fix: Any


class LintContext:
    """Shared by the rules of one run over one module; analyses they share (sharding, index accesses, fix matches)
    are cached here, and the fix loop reuses the context of the lint run it rewrites.

    `settings` is the run's `hlo_fix.lint.settings.Settings` (the engine's type; a rule reads its options there,
    e.g. `ctx.settings.index_float`). The engine that makes the context (`hlo_fix.lint.checker.new_context`)
    passes what `finding` completes each finding with: `offer_fix(ctx, rule, op, code)`, the fix a finding of a
    rule with a `fix` pattern offers, and `fingerprint(code, op)`."""

    def __init__(
        self,
        module: "Module",
        settings: Any,
        filename: str,
        *,
        offer_fix: "Callable[[LintContext, Reporter, Op, str], Fix | None] | None" = None,
        fingerprint: "Callable[[str, Op], str] | None" = None,
    ):
        self.module = module
        self.settings = settings
        self.filename = filename
        self._offer_fix = offer_fix
        self._fingerprint = fingerprint
        self._cache: dict[str, object] = {}

    def cached(self, key: str, build):
        """One analysis per module, built by the first rule that needs it."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def finding(
        self,
        rule: "type[Reporter] | Reporter",
        op: "Op",
        message: str,
        *,
        severity: Severity | None = None,
        fix: Fix | None = None,
        data: dict | None = None,
    ) -> Finding:
        """A finding spanning the op's first line, from its first character to the end of that line. A rule with a
        `fix` pattern leaves `fix` unset: the engine's `offer_fix` pairs the finding with it."""
        if fix is None and getattr(rule, "fix", None) is not None and self._offer_fix is not None:
            fix = self._offer_fix(self, rule, op, rule.code)
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
            fingerprint=self._fingerprint(rule.code, op) if self._fingerprint is not None else "",
            data=data or {},
            offset=op.start,
            op=op,
        )
