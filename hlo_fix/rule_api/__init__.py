"""The rule API: what a rule module imports to declare a check and its fix, below the rules and above the IR.

    from hlo_fix.rule_api import Finding, LintContext, RewritePattern, Rule

- `Rule` (`rule.py`): code, name, severity, summary, the docstring `hlo-fix rule` prints, `check(ctx)`, and `fix`,
  the rule's `RewritePattern` when it has one.
- `Finding`, `Fix`, `Severity`, `Applicability` (`finding.py`): what a check yields, made by `ctx.finding(...)`.
- `LintContext` (`context.py`): the module, the settings, per-module analyses (`ctx.cached`), `ctx.finding`.
- `RewritePattern` (`pattern.py`): `match` (pure), `applicability`, `message`, `rewrite` through a
  `hlo_fix.rewrite.Rewriter`.

The engine (`hlo_fix.lint.checker`, `hlo_fix.fix.driver`) runs the rules and pairs each finding with its rule's
fix; nothing here imports the engine.
"""

from hlo_fix.rule_api.context import LintContext
from hlo_fix.rule_api.finding import Applicability, Finding, Fix, Severity
from hlo_fix.rule_api.pattern import DEFAULT_STRATEGY, STRATEGIES, RewritePattern, concrete_strategy
from hlo_fix.rule_api.rule import Rule

__all__ = [
    "Applicability", "DEFAULT_STRATEGY", "Finding", "Fix", "LintContext", "RewritePattern", "Rule", "STRATEGIES",
    "Severity", "concrete_strategy",
]
