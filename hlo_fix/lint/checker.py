"""Runs the enabled rules over one module (pyflakes' model: a checker that hands each rule the parsed module)."""

from __future__ import annotations

import contextlib
import gc

from hlo_fix.ir.scanner import read_module
from hlo_fix.lint.context import LintContext
from hlo_fix.lint.finding import Finding
from hlo_fix.lint.settings import Settings
from hlo_fix.rules import registry


def lint_module(module, settings: Settings | None = None, filename: str | None = None) -> list[Finding]:
    settings = settings or Settings()
    filename = filename or module.filename
    ctx = LintContext(module, settings, filename)
    findings: list[Finding] = []
    for rule_class in registry.all_rules():
        if settings.enabled(rule_class.code, filename):
            findings.extend(rule_class().check(ctx))
    findings.sort(key=lambda f: (f.row, f.column, f.code))
    return findings


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
