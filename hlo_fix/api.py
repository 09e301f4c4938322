"""The Python API: lint text, or gate a JAX lowering in a project's own tests.

    import hlo_fix
    findings = hlo_fix.lint_text(text)                      # list of Finding
    hlo_fix.check(jax.jit(f).lower(x))                      # raises HazardsFound with the CLI's report

Nothing here imports jax: `check` only calls the lowering's own `as_text`/`mlir_module` methods.
"""

from __future__ import annotations

from typing import Iterable

from hlo_fix.errors import HloFixError
from hlo_fix.lint.finding import Finding


class HazardsFound(AssertionError, HloFixError):
    """Raised by `check`: the module has findings. `str()` is the same report `hlo-fix lint` prints."""

    def __init__(self, report: str, findings: list[Finding]):
        super().__init__(report)
        self.report = report
        self.findings = findings


def _settings(select, ignore, index_float, settings):
    from hlo_fix.lint.settings import Settings

    if settings is not None:
        return settings
    chosen = Settings()
    overrides = {}
    if select is not None:
        overrides["select"] = tuple(_codes(select))
    if ignore is not None:
        overrides["ignore"] = tuple(_codes(ignore))
    if index_float is not None:
        overrides["index_float"] = index_float
    if overrides:
        from dataclasses import replace

        chosen = replace(chosen, **overrides)
    chosen.validate()
    return chosen


def _codes(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def lint_text(
    text: str,
    filename: str = "<input>",
    *,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    index_float: str | None = None,
    settings=None,
    strict: bool = False,
) -> list[Finding]:
    """Findings for one module's text, sorted by position. Raises `hlo_fix.errors.ParseError` for text that is
    not a module. `strict` also parses the text with the complete grammar first."""
    from hlo_fix.lint.checker import lint_text as run

    chosen = _settings(select, ignore, index_float, settings)
    found = run(text, filename, chosen, strict=strict)
    return [f for f in found if chosen.enabled(f.code, f.filename)]


def module_text(lowered) -> str:
    """The StableHLO text of a `jax.jit(f).lower(...)` result, a `jax.export.Exported`, or a string; with debug
    locations where the object can print them, so findings name the Python line."""
    if isinstance(lowered, str):
        return lowered
    as_text = getattr(lowered, "as_text", None)
    if as_text is not None:
        try:
            return as_text(debug_info=True)
        except TypeError:
            return as_text()
    mlir_module = getattr(lowered, "mlir_module", None)
    if mlir_module is not None:
        return mlir_module()
    raise TypeError(f"cannot get StableHLO text from {type(lowered).__name__}: pass a lowering, an export or text")


def check(
    lowered,
    *,
    name: str = "<lowered>",
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    index_float: str | None = None,
    errors_only: bool = False,
) -> list[Finding]:
    """Gate a lowering: raise `HazardsFound` (an AssertionError) when hlo-fix finds hazards, with the report the
    CLI prints; return the (empty) findings otherwise. `errors_only` lets warnings pass."""
    findings = lint_text(module_text(lowered), name, select=select, ignore=ignore, index_float=index_float)
    blocking = [f for f in findings if f.severity == "error"] if errors_only else findings
    if blocking:
        from hlo_fix.lint import report

        text = module_text(lowered)
        rendered = report.render("full", blocking, report.ReportContext(sources={name: text}))
        raise HazardsFound(rendered, blocking)
    return findings
