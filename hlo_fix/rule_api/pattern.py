"""The shape every rewrite has (xDSL's RewritePattern, split in two so the linter can ask without rewriting).

A rule owns its pattern (`Rule.fix`); the pattern carries no rule code of its own. `match` decides from the IR
alone whether an op its rule flagged can be rewritten and returns what the
rewrite needs (None when it cannot); `applicability` says whether the rewrite computes the same bits for every
input ("safe") or only for the inputs the rule's explanation names ("unsafe", ruff's `--unsafe-fixes`);
`rewrite` emits the new ops through a `Rewriter`. Matching is pure and cheap: `hlo-fix lint` runs it for every
finding to tell users which ones `hlo-fix fix` can fix.

The one-hot rewrites pick the selected value in one of two ways: `dot` (a `dot_general`, exact for finite values
and integers; NaN/Inf elsewhere in a row and -0.0 change) or `select` (select + an integer reduce of the bits,
exact for every value). `auto`, the default, applies the exact form wherever `dot` is not exact: `dot` for integer
and boolean tables or when unsafe fixes are enabled, `select` otherwise. So plain `hlo-fix fix` fixes every
access it can rewrite exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from hlo_fix.ir.element_types import integer_range
from hlo_fix.rule_api.finding import Applicability

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op
    from hlo_fix.rewrite.rewriter import Rewriter
    from hlo_fix.rule_api.context import LintContext

STRATEGIES = ("auto", "dot", "select")
DEFAULT_STRATEGY = "auto"


def concrete_strategy(requested: str, element_type: str | None, unsafe: bool) -> str:
    """The strategy a rewrite uses: `auto` becomes `dot` where that is exact or unsafe fixes are on, else `select`."""
    if requested != "auto":
        return requested
    if unsafe or element_type is None or _dot_is_exact(element_type):
        return "dot"
    return "select"


def _dot_is_exact(element_type: str) -> bool:
    return integer_range(element_type) is not None


class RewritePattern:
    # Whether ops with the same structure (`hlo_fix.ir.structure`: the same layer, repeated thousands of times in a
    # deep model) may share one match answer: true when `match` looks only at the op and at what computes its
    # operands, never at users, call sites or inside callees.
    shared_by_structure: ClassVar[bool] = False

    def match(self, ctx: "LintContext", op: "Op") -> Any | None:
        raise NotImplementedError

    def table_element_type(self, match: Any) -> str | None:
        """The element type of the table a one-hot rewrite selects from (None: the strategy does not matter)."""
        return None

    def applicability(self, match: Any, strategy: str) -> Applicability:
        raise NotImplementedError

    def message(self, match: Any, strategy: str) -> str:
        raise NotImplementedError

    def rewrite(self, match: Any, rewriter: "Rewriter", strategy: str) -> None:
        raise NotImplementedError
