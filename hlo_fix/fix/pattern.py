"""The shape every rewrite has (xDSL's RewritePattern, split in two so the linter can ask without rewriting).

`match` decides from the IR alone whether an op flagged by rule `code` can be rewritten and returns what the
rewrite needs (None when it cannot); `applicability` says whether the rewrite computes the same bits for every
input ("safe") or only for the inputs the rule's explanation names ("unsafe", ruff's `--unsafe-fixes`);
`rewrite` emits the new ops through a `Rewriter`. Matching is pure and cheap: `hlo-fix lint` runs it for every
finding to tell users which ones `hlo-fix fix` can fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from hlo_fix.lint.finding import Applicability

if TYPE_CHECKING:
    from hlo_fix.fix.rewriter import Rewriter
    from hlo_fix.ir.model import Op
    from hlo_fix.lint.context import LintContext

STRATEGIES = ("dot", "select")
DEFAULT_STRATEGY = "dot"


class RewritePattern:
    code: ClassVar[str]
    op_names: ClassVar[tuple[str, ...]]

    def match(self, ctx: "LintContext", op: "Op") -> Any | None:
        raise NotImplementedError

    def applicability(self, match: Any, strategy: str) -> Applicability:
        raise NotImplementedError

    def message(self, match: Any, strategy: str) -> str:
        raise NotImplementedError

    def rewrite(self, match: Any, rewriter: "Rewriter", strategy: str) -> None:
        raise NotImplementedError
