"""Collects the edits of one fix round: replaced ops, the new ops inserted before them, and the ops left dead.

Patterns never touch text directly: they ask the rewriter for an `Emitter` (fresh names, the op's location),
name the existing values they read (`use`), and hand the emitted lines back with `replace`. The last new op takes
the replaced op's result name, so its users need no change and the diff shows only the rewritten op, the lines
inserted before it, and the removed plumbing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.ir.printer import Edits, leading_space, print_module
from hlo_fix.ir.tokens import matching_close, tokenize
from hlo_fix.rewrite.dead_ops import dead_ops
from hlo_fix.rewrite.emit import Emitter, Typed
from hlo_fix.rewrite.names import NameAllocator

if TYPE_CHECKING:
    from hlo_fix.ir.model import Module, Op, Value


class Rewriter:
    def __init__(self, module: "Module"):
        self.module = module
        self._names: NameAllocator | None = None
        self.edits = Edits()
        self.replaced: list["Op"] = []
        self._replaced_ids: set[int] = set()
        self._kept: set[int] = set()

    @property
    def names(self) -> NameAllocator:
        """Fresh names, collected from the module text on first use: the fix loop's last round, which rewrites
        nothing, never scans the text for them."""
        if self._names is None:
            self._names = NameAllocator(self.module.text)
        return self._names

    @property
    def changed(self) -> bool:
        return bool(self.replaced)

    def claims(self, op: "Op") -> bool:
        """Whether an earlier rewrite of this round already replaced `op`."""
        return id(op) in self._replaced_ids

    def use(self, value: "Value") -> Typed:
        """An existing value the new text reads: it stays alive."""
        self._kept.add(id(value))
        return Typed(value.name, value.type)

    def emitter(self, op: "Op") -> Emitter:
        return Emitter(self.names, location_of(op))

    def replace(self, op: "Op", emitter: Emitter) -> None:
        """Insert every emitted op before `op` and replace `op` by the last one, which takes its result name."""
        lines = emitter.finish(op.results[0].name)
        if len(lines) > 1:
            self.edits.insert(op, lines[:-1])
        self.replace_text(op, lines[-1])

    def replace_text(self, op: "Op", text: str) -> None:
        self.edits.replace_op(op, text)
        self.replaced.append(op)
        self._replaced_ids.add(id(op))

    def indent_of(self, op: "Op") -> str:
        text = self.module.text
        return leading_space(text, text.rfind("\n", 0, op.start) + 1, op.start)

    def print(self) -> str:
        """The module with this round's edits, the ops they left dead removed."""
        for op in dead_ops(self.replaced, self._kept):
            self.edits.remove_op(op)
        return print_module(self.module, self.edits)


def location_of(op: "Op") -> str | None:
    """The op's trailing `loc(...)`, as printed (whatever the whitespace around it), or None."""
    start, end = op.segments[-1]
    text = op.module.text[start:end]
    at = text.rfind("loc")
    while at >= 0:
        if at == 0 or not (text[at - 1].isalnum() or text[at - 1] in "_$.%#@!\""):
            tokens = tokenize(text[at:], strict=False)
            if len(tokens) > 1 and tokens[0].value == "loc" and tokens[1].type == "LPAR":
                close = matching_close(tokens, 1)
                if close == len(tokens) - 1:
                    return text[at:].rstrip()  # a newline inside it is whitespace to MLIR too
        at = text.rfind("loc", 0, at)
    return None
