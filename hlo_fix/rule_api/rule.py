"""What every rule declares: a code, a kebab-case name, a severity, a ruff-style explanation (its docstring), and
the rewrite that fixes its findings, when there is one (`fix`, a `RewritePattern`).

A rule reports; it never attaches a fix itself. The engine offers the rule's `fix` for each finding it reports
(matching the finding's op under the run's settings), so a rule with a pattern cannot forget to offer it.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, ClassVar, Iterator

from hlo_fix.rule_api.finding import Applicability, Finding, Severity

if TYPE_CHECKING:
    from hlo_fix.rule_api.context import LintContext
    from hlo_fix.rule_api.pattern import RewritePattern


class Rule:
    """Base class. The subclass docstring is the explanation `hlo-fix rule CODE` prints (Markdown, with the sections
    "What it does", "Why is this bad?", "Example", "Fix" and "Fix safety")."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    # The safety `hlo-fix rule` states for the fix (None: no automatic fix).
    fix_applicability: ClassVar[Applicability | None] = None
    # The rewrite of this rule's findings (None: none); the engine matches it on each finding's op.
    fix: ClassVar["RewritePattern | None"] = None

    def check(self, ctx: "LintContext") -> Iterator[Finding]:
        raise NotImplementedError

    @classmethod
    def explanation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")
