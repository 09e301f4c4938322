"""The small IR the rules and rewrites work on: a module of ops with results, operands, regions and exact spans.

Everything the reader finds while splitting statements is stored eagerly (names, def-use links, spans); types,
attributes and locations are decoded on demand from the op's own text, since a rule looks at few ops.
"""

from __future__ import annotations

from itertools import accumulate
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from hlo_fix.ir.attributes import OpAttributes
    from hlo_fix.ir.types import TensorType


_UNDECODED = object()
# Shared by the ops without regions (nearly all): a list each would cost 16 MB on a 40 MB module.
_NO_REGIONS: tuple = ()


class Value:
    """An SSA value: an op result (`index` >= 0) or a region argument (`index` < 0, the owner is the region's op)."""

    __slots__ = ("name", "owner", "index", "users", "type_text", "_type")

    def __init__(self, name: str, owner: "Op | None", index: int, type_text: str | None = None):
        self.name = name
        self.owner = owner
        self.index = index
        self.users: list[Op] = []
        self.type_text = type_text
        self._type = _UNDECODED

    @property
    def is_block_argument(self) -> bool:
        return self.index < 0

    @property
    def type(self) -> "TensorType | None":
        """The value's tensor type (None for tokens, tuples and unknown types), decoded on first use."""
        found = self._type
        if found is _UNDECODED:
            from hlo_fix.ir.types import value_type

            found = self._type = value_type(self)
        return found

    def __repr__(self) -> str:
        return f"Value({self.name})"


class Region:
    """A region of an op, its blocks flattened: StableHLO regions hold one block."""

    __slots__ = ("owner", "ops", "arguments")

    def __init__(self, owner: "Op | None"):
        self.owner = owner
        self.ops: list[Op] = []
        self.arguments: list[Value] = []


class Op:
    """One operation. `start`/`end` delimit its whole text (regions included, without the final newline);
    `segments` are the (start, end) spans of its own text outside its regions."""

    __slots__ = (
        "name",
        "results",
        "operands",
        "regions",
        "parent",
        "module",
        "line",
        "column",
        "start",
        "end",
        "_segments",
        "_attributes",
        "_key",
    )

    def __init__(self, module: "Module", name: str, parent: Region | None, line: int, column: int, start: int):
        self.module = module
        self.name = name
        self.parent = parent
        self.line = line
        self.column = column
        self.start = start
        self.end = start
        self.results: list[Value] = []
        self.operands: list[Value] = []
        self.regions: list[Region] = _NO_REGIONS  # replaced by a list when the op has regions
        self._segments: list[tuple[int, int]] | None = None  # None: one segment, (start, end)
        self._attributes = None
        self._key: str | None = None

    # -- spans (the reader builds them) -------------------------------------------------------------------
    @property
    def segments(self) -> list[tuple[int, int]]:
        return [(self.start, self.end)] if self._segments is None else self._segments

    def add_segment(self, start: int, end: int) -> None:
        if self._segments is None:
            # An op read on one line that a later line continues (`cond {`) keeps its first line.
            self._segments = [(self.start, self.end)] if self.end > self.start else []
        self._segments.append((start, end))

    def trim_last_segment(self, end: int) -> None:
        start, _ = self._segments[-1]
        self._segments[-1] = (start, end)

    def widen_first_segment(self, start: int) -> None:
        _, end = self._segments[0]
        self._segments[0] = (start, end)

    # -- text ---------------------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        """The op's exact source text, regions included."""
        return self.module.text[self.start : self.end]

    @property
    def own_text(self) -> str:
        """The op's text outside its regions (head and tail), joined by newlines: in it, and only in it, a newline
        marks where a region was (decoders stop a signature there). Line breaks inside a segment become carriage
        returns, which MLIR's lexer also takes as whitespace and as the end of a `//` comment."""
        text = self.module.text
        return "\n".join(_one_line(text[a:b]) for a, b in self.segments)

    @property
    def end_position(self) -> tuple[int, int]:
        """1-based (line, column) just past the op's last character."""
        return self.module.position(self.end)

    # -- structure ----------------------------------------------------------------------------------------
    @property
    def parent_op(self) -> "Op | None":
        return self.parent.owner if self.parent is not None else None

    def ancestors(self) -> Iterator["Op"]:
        op = self.parent_op
        while op is not None:
            yield op
            op = op.parent_op

    @property
    def function(self) -> "Op | None":
        """The enclosing `func.func`."""
        return next((op for op in self.ancestors() if op.name == "func.func"), None)

    def walk(self) -> Iterator["Op"]:
        """This op and every op nested in its regions, in text order."""
        yield self
        for region in self.regions:
            for op in region.ops:
                yield from op.walk()

    @property
    def result(self) -> Value:
        return self.results[0]

    # -- decoded on demand --------------------------------------------------------------------------------
    @property
    def attributes(self) -> "OpAttributes":
        if self._attributes is None:
            from hlo_fix.ir.attributes import OpAttributes

            self._attributes = OpAttributes(self)
        return self._attributes

    @property
    def result_types(self) -> "list[TensorType | None]":
        return [value.type for value in self.results]

    @property
    def location(self):
        from hlo_fix.ir.locations import op_location

        return op_location(self)

    def __repr__(self) -> str:
        names = ", ".join(v.name for v in self.results)
        return f"Op({names + ' = ' if names else ''}{self.name} @{self.line}:{self.column})"


def _one_line(segment: str) -> str:
    return segment.replace("\n", "\r") if "\n" in segment else segment


def _start(op: Op) -> int:
    return op.start



class Module:
    """A parsed file: top-level ops (usually one `module`), alias definitions, and an index of ops by name."""

    def __init__(self, text: str, filename: str = "<input>"):
        self.text = text
        self.filename = filename
        self.ops: list[Op] = []
        self._aliases: dict[str, tuple[int, int]] = {}
        # Spans of whole blocks of one-line `#name = ...` definitions (the trailing `#loc` lines of a debug
        # export: a third of its lines), indexed on first use.
        self.alias_blocks: list[tuple[int, int]] = []
        self.ops_by_name: dict[str, list[Op]] = {}
        self._line_starts: list[int] | None = None

    def walk(self) -> Iterator[Op]:
        for op in self.ops:
            yield from op.walk()

    def ops_named(self, *names: str) -> list[Op]:
        """Ops with any of these names, in text order."""
        if len(names) == 1:
            return list(self.ops_by_name.get(names[0], ()))
        found = [op for name in names for op in self.ops_by_name.get(name, ())]
        found.sort(key=lambda op: op.start)
        return found

    @property
    def functions(self) -> dict[str, Op]:
        """`func.func` ops by symbol name (without the `@`)."""
        from hlo_fix.ir.attributes import symbol_name

        return {symbol_name(op): op for op in self.ops_named("func.func")}

    def op_at(self, offset: int) -> Op | None:
        """The innermost op whose text contains `offset` (binary search down the region tree)."""
        import bisect

        found = None
        candidates = [self.ops]
        while candidates:
            ops = candidates.pop()
            i = bisect.bisect_right(ops, offset, key=_start) - 1
            if i >= 0 and offset < ops[i].end:
                found = ops[i]
                candidates = [region.ops for region in found.regions]
        return found

    @property
    def aliases(self) -> dict[str, "tuple[int, int] | int"]:
        """Alias definitions by name (`#loc12`, `!tok`): the span of each definition's value, or, for those read in
        a block, where the definition's line starts. A 40 MB export has 150,000 such lines: keeping each line
        as a string would hold 16 MB more for the rest of the run."""
        if self.alias_blocks:
            for start, end in self.alias_blocks:
                lines = self.text[start:end].split("\n")
                starts = accumulate((len(line) + 1 for line in lines), initial=start)
                self._aliases.update(
                    (line.partition(" ")[0].partition("=")[0].rstrip("\t"), at)
                    for line, at in zip(lines, starts)
                    if line[:1] in ("#", "!")
                )
            self.alias_blocks = []
        return self._aliases

    def alias_names(self) -> set[str]:
        """The defined alias names, without indexing their values."""
        if not self.alias_blocks:
            return set(self._aliases)
        from hlo_fix.ir.aliases import alias_names_in

        names = set(self._aliases)
        for start, end in self.alias_blocks:
            names.update(alias_names_in(self.text, start, end))
        return names

    def alias_text(self, name: str) -> str | None:
        found = self.aliases.get(name)
        if found is None:
            return None
        if isinstance(found, int):  # a line of a block
            text = self.text
            line_end = text.find("\n", found)
            line = text[found : line_end if line_end >= 0 else len(text)]
            return line[line.index("=") + 1 :].strip()
        return self.text[found[0] : found[1]]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        import bisect

        if self._line_starts is None:
            starts = [0]
            text = self.text
            find = text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1
