"""The Python API: lint text, or gate a JAX lowering in a project's own tests.

    import hlo_fix
    findings = hlo_fix.lint_text(text)                      # list of Finding, default settings
    hlo_fix.check(jax.jit(f).lower(x))                      # raises HazardsFound, settings from [tool.hlo-fix]

`check` reads the project's configuration as `hlo-fix lint` does for a module in the current directory (the
nearest `.hlo-fix.toml`, `hlo-fix.toml` or `pyproject.toml` with `[tool.hlo-fix]`), then lays its keyword
arguments over it as the CLI lays options: `select` replaces the selection, `ignore` adds to it.
Nothing here imports jax: `check` only calls the lowering's own `as_text`/`mlir_module` methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from hlo_fix.errors import HloFixError
from hlo_fix.rule_api.finding import Finding


class HazardsFound(AssertionError, HloFixError):
    """Raised by `check`: the module has findings. `str()` is the report `hlo-fix lint` prints, with advice for
    a Python caller (change the Python lines it names) in place of the command-line hints."""

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

    return run(text, filename, _settings(select, ignore, index_float, settings), strict=strict)


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


def project_settings(
    *,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    index_float: str | None = None,
    config: str | Path | None = None,
    isolated: bool = False,
    cwd: str | Path | None = None,
):
    """The Settings `hlo-fix lint` would use in `cwd` (default: the current directory) with these options:
    `config` names the file instead of discovering one, `isolated` ignores every file. Raises ConfigError."""
    from hlo_fix.errors import ConfigError
    from hlo_fix.lint.config import load_settings
    from hlo_fix.lint.settings import normalize_selectors

    if config is not None and isolated:
        raise ConfigError("config and isolated cannot be combined")
    base = load_settings(config, isolated=isolated, cwd=Path(cwd) if cwd is not None else None)
    return base.with_overrides(
        select=normalize_selectors(_codes(select)) if select is not None else None,
        ignore=normalize_selectors(_codes(ignore)) if ignore is not None else (),
        index_float=index_float,
    ).validate()


def check(
    lowered,
    *,
    name: str = "<lowered>",
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    index_float: str | None = None,
    errors_only: bool = False,
    config: str | Path | None = None,
    isolated: bool = False,
    settings=None,
) -> list[Finding]:
    """Gate a lowering: raise `HazardsFound` (an AssertionError) when hlo-fix finds hazards, with the lint report
    and what to change in Python; return the findings otherwise (none, or the warnings `errors_only` lets pass).

    Settings come from the project's configuration, as for `hlo-fix lint` (`config`, `isolated`), with `select`,
    `ignore` and `index_float` laid over it; or pass `settings` to use exactly those."""
    if settings is None:
        settings = project_settings(select=select, ignore=ignore, index_float=index_float, config=config,
                                    isolated=isolated)
    from hlo_fix.lint.suppression import apply_suppressions

    text = module_text(lowered)
    # `# hlo-fix: ignore[...]` on the Python line a finding names silences it, as in `hlo-fix lint`.
    findings = apply_suppressions(lint_text(text, name, settings=settings), text, name, None,
                                  settings.project_root).kept
    blocking = [f for f in findings if f.severity == "error"] if errors_only else findings
    if blocking:
        from hlo_fix.lint import report

        context = report.ReportContext(sources={name: text}, unsafe_fixes=settings.unsafe_fixes, audience="python")
        raise HazardsFound(report.render("full", blocking, context), blocking)
    return findings
