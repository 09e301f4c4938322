"""Prints a module back from its ops' spans, with edits: lossless for everything an edit does not touch.

The text is rebuilt by walking the op tree in order, copying the gaps between ops (comments, blank lines, `#loc`
aliases, an op's own text around its regions) and recursing into regions. So an untouched module comes back byte
for byte, and the walk checks that the reader's spans nest and follow each other. An edit replaces one op's whole span, or inserts
lines before an op, so a diff shows the change and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hlo_fix.ir.model import Module, Op


@dataclass
class Edits:
    """Replacements of whole ops, and lines inserted before ops (indented like that op)."""

    replace: dict[int, str] = field(default_factory=dict)  # id(op) -> new text for the op's span
    insert_before: dict[int, list[str]] = field(default_factory=dict)  # id(op) -> new op lines
    remove: set[int] = field(default_factory=set)  # id(op): drop the op and its line

    def replace_op(self, op: Op, text: str) -> None:
        self.replace[id(op)] = text

    def insert(self, op: Op, lines: list[str]) -> None:
        self.insert_before.setdefault(id(op), []).extend(lines)

    def remove_op(self, op: Op) -> None:
        self.remove.add(id(op))

    def __bool__(self) -> bool:
        return bool(self.replace or self.insert_before or self.remove)


def print_module(module: Module, edits: Edits | None = None) -> str:
    edits = edits or Edits()
    out: list[str] = []
    text = module.text
    cursor = _print_ops(module.ops, 0, text, out, edits)
    out.append(text[cursor:])
    return "".join(out)


def _print_ops(ops: list[Op], cursor: int, text: str, out: list[str], edits: Edits) -> int:
    for op in ops:
        key = id(op)
        line_start = text.rfind("\n", 0, op.start) + 1
        indent = leading_space(text, line_start, op.start)
        if key in edits.remove:
            cursor = _remove(op, text, cursor, line_start, out)
            continue
        out.append(text[cursor : op.start])
        for line in edits.insert_before.get(key, ()):
            out.append(f"{line}\n{indent}")
        if key in edits.replace:
            out.append(edits.replace[key])
            cursor = op.end
            continue
        if not op.regions:
            out.append(text[op.start : op.end])
            cursor = op.end
            continue
        cursor = _print_op_with_regions(op, text, out, edits)
    return cursor


def _remove(op: Op, text: str, cursor: int, line_start: int, out: list[str]) -> int:
    """Leave an op out; returns the new cursor. An op alone on its line takes the line with it; one that shares
    its line with another op (a module on one line, two ops a line) takes only the blanks on one side."""
    first_on_line = line_start >= cursor and text[line_start : op.start].strip() == ""
    after = op.end
    while after < len(text) and text[after] in " \t":
        after += 1
    if first_on_line and (after == len(text) or text[after] == "\n"):
        out.append(text[cursor:line_start])
        return after + 1 if after < len(text) else after
    if first_on_line:
        out.append(text[cursor : op.start])  # keep the indentation for the op that follows
        return after
    start = op.start
    while start > max(cursor, line_start) and text[start - 1] in " \t":
        start -= 1
    out.append(text[cursor:start])
    return op.end


def leading_space(text: str, line_start: int, op_start: int) -> str:
    """The indentation of the line an op is on: only its leading whitespace, since the op need not start the line
    (two ops on a line, a module on one line)."""
    prefix = text[line_start:op_start]
    return prefix[: len(prefix) - len(prefix.lstrip(" \t"))]


def _print_op_with_regions(op: Op, text: str, out: list[str], edits: Edits) -> int:
    """The op's own text between its regions is copied as the gaps around the nested ops."""
    cursor = op.start
    for region in op.regions:
        cursor = _print_ops(region.ops, cursor, text, out, edits)
    out.append(text[cursor : op.end])
    return op.end
