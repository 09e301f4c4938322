"""The closing lines of the human formats: how many findings, how many `hlo-fix fix` can repair."""

from __future__ import annotations

from typing import Sequence

from hlo_fix.lint.report.context import ReportContext
from hlo_fix.lint.report.fixes import fix_is_applicable, fix_is_hidden
from hlo_fix.rule_api.finding import Finding

ALL_PASSED = "All checks passed!"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else ("es" if noun.endswith("x") else "s"))


def summary_lines(findings: Sequence[Finding], context: ReportContext) -> list[str]:
    if context.quiet:
        return []
    if not findings:
        return [] if context.had_errors else [ALL_PASSED]
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    counts = [plural(n, noun) for n, noun in ((errors, "error"), (warnings, "warning")) if n]
    lines = [f"Found {' and '.join(counts)}."]
    if context.audience == "python":
        return lines + [python_advice(findings, context.unsafe_fixes)]
    fix_line = fixable_line(findings, context.unsafe_fixes)
    if fix_line:
        lines.append(fix_line)
    return lines


def fixable_line(findings: Sequence[Finding], unsafe_fixes: bool) -> str | None:
    applicable = [f for f in findings if fix_is_applicable(f, unsafe_fixes)]
    hidden = sum(fix_is_hidden(f, unsafe_fixes) for f in findings)
    hidden_note = f"{plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option"
    if applicable:
        needs_unsafe = any(f.fix.applicability == "unsafe" for f in applicable)
        command = "hlo-fix fix --unsafe-fixes" if needs_unsafe else "hlo-fix fix"
        return f"[*] {len(applicable)} fixable with `{command}`" + (f" ({hidden_note})." if hidden else ".")
    if hidden:
        return f"No fixes available ({hidden_note})."
    return None


def python_advice(findings: Sequence[Finding], unsafe_fixes: bool) -> str:
    """For `hlo_fix.check`'s caller: the cure is in the Python that built the module; the rewriter works on an
    exported file."""
    located = any(f.source is not None for f in findings)
    where = "Change the Python lines named by `source:`" if located else "Change the Python code that built this module"
    advice = f"{where}, following each `help:`"
    fixable = sum(fix_is_applicable(f, unsafe_fixes) or fix_is_hidden(f, unsafe_fixes) for f in findings)
    if fixable:
        advice += (f"; or write the module to a file (`lowered.as_text()`) and let `hlo-fix fix` rewrite it "
                   f"({plural(fixable, 'finding')} can be rewritten)")
    return advice + "."
