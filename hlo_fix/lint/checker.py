"""Runs the enabled rules over one module (pyflakes' model: a checker that hands each rule the parsed module)."""

from __future__ import annotations

import contextlib
import gc

from hlo_fix.fix.plan import offered_fix
from hlo_fix.ir.scanner import read_module
from hlo_fix.lint.fingerprint import fingerprint
from hlo_fix.lint.settings import Settings
from hlo_fix.rule_api import Finding, LintContext
from hlo_fix.rules import registry


def new_context(module, settings: Settings, filename: str) -> LintContext:
    """The context one lint run's rules share, wired to the engine: findings of a rule with a `fix` pattern are
    offered that fix (`hlo_fix.fix.plan.offered_fix`) and every finding gets its fingerprint."""
    return LintContext(module, settings, filename, offer_fix=offered_fix, fingerprint=fingerprint)


def run_rules(ctx: LintContext) -> list[Finding]:
    """The findings of the enabled rules on the context's module, sorted by position. The enabled-rules filter is
    applied here and only here, per finding (a rule may report another code, a finding another file)."""
    settings, filename = ctx.settings, ctx.filename
    findings: list[Finding] = []
    for rule_class in registry.all_rules():
        if settings.enabled(rule_class.code, filename):
            findings.extend(f for f in rule_class().check(ctx) if settings.enabled(f.code, f.filename))
    findings.sort(key=lambda f: (f.row, f.column, f.code))
    return findings


def lint_module(module, settings: Settings | None = None, filename: str | None = None) -> list[Finding]:
    settings = settings or Settings()
    filename = filename or module.filename
    return run_rules(new_context(module, settings, filename))


def lint_text(
    text: str, filename: str = "<input>", settings: Settings | None = None, *, strict: bool = False
) -> list[Finding]:
    """Findings for one module's text; raises ParseError (with line and column) for text that is not a module.
    `strict` runs the complete grammar over the whole text first (slower; the fast reader skips op bodies)."""
    with collector_paused():
        if strict:
            from hlo_fix.ir.strict import read_module_strict

            module = read_module_strict(text, filename)
        else:
            module = read_module(text, filename)
        return lint_module(module, settings, filename)


@contextlib.contextmanager
def collector_paused():
    """Lint allocates hundreds of thousands of long-lived objects and little garbage: the cyclic collector would
    rescan them again and again. It runs again once the module is done with (and frees its cycles)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
