"""What every rule declares: a code, a kebab-case name, a severity and a ruff-style explanation (its docstring)."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, ClassVar, Iterator

from hlo_fix.lint.finding import Applicability, Finding, Severity

if TYPE_CHECKING:
    from hlo_fix.lint.context import LintContext


class Rule:
    """Base class. The subclass docstring is the explanation `hlo-fix rule CODE` prints (Markdown, with the sections
    "What it does", "Why is this bad?", "Example", "Fix" and "Fix safety")."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    fix_applicability: ClassVar[Applicability | None] = None

    def check(self, ctx: "LintContext") -> Iterator[Finding]:
        raise NotImplementedError

    @classmethod
    def explanation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")
