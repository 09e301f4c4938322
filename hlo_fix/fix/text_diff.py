"""A unified diff in near-linear time, for `fix --diff` on modules of hundreds of thousands of lines.

difflib's matcher is quadratic on long, repetitive inputs (800 layers of a decoder took 26 s). A fix changes a
few ops and leaves the rest alone, and nearly every line of an export is unique (its SSA names and locations
differ), so the lines that occur once on each side anchor the alignment (patience diff): their longest
increasing run is kept, and only the short stretches between anchors go to difflib.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter

_SMALL = 200_000  # len(a) * len(b) of a stretch that difflib aligns directly


def unified_diff(name: str, before: str, after: str, context: int = 3) -> str:
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    matcher = _Matcher(a, b)
    out: list[str] = []
    for group in matcher.get_grouped_opcodes(context):
        if not out:
            out += [f"--- {name}\n", f"+++ {name}\n"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out)


def _range(start: int, stop: int) -> str:
    """A hunk's line range as unified diffs write it (1-based; an empty range names the line before it)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


class _Matcher(difflib.SequenceMatcher):
    """difflib's hunk grouping over our own opcodes."""

    def __init__(self, a: list[str], b: list[str]):
        super().__init__(None, a, b, autojunk=False)
        self._opcodes = _merge(_align(a, b, 0, len(a), 0, len(b)))

    def set_seq2(self, b):  # difflib indexes b for its own matching, which is not used here
        self.b = b

    def get_opcodes(self):
        return self._opcodes


def _align(a: list[str], b: list[str], a0: int, a1: int, b0: int, b1: int) -> list[tuple]:
    """Opcodes for a[a0:a1] against b[b0:b1]."""
    start_a, start_b = a0, b0
    while a0 < a1 and b0 < b1 and a[a0] == b[b0]:
        a0, b0 = a0 + 1, b0 + 1
    end_a, end_b = a1, b1
    while a1 > a0 and b1 > b0 and a[a1 - 1] == b[b1 - 1]:
        a1, b1 = a1 - 1, b1 - 1
    ops: list[tuple] = []
    if a0 > start_a:
        ops.append(("equal", start_a, a0, start_b, b0))
    ops += _middle(a, b, a0, a1, b0, b1)
    if a1 < end_a:
        ops.append(("equal", a1, end_a, b1, end_b))
    return ops


def _middle(a: list[str], b: list[str], a0: int, a1: int, b0: int, b1: int) -> list[tuple]:
    if a0 == a1 and b0 == b1:
        return []
    if a0 == a1 or b0 == b1:
        return [("insert" if a0 == a1 else "delete", a0, a1, b0, b1)]
    if (a1 - a0) * (b1 - b0) <= _SMALL:
        matcher = difflib.SequenceMatcher(None, a[a0:a1], b[b0:b1], autojunk=False)
        return [(tag, i1 + a0, i2 + a0, j1 + b0, j2 + b0) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    anchors = _anchors(a, b, a0, a1, b0, b1)
    if not anchors:
        return [("replace", a0, a1, b0, b1)]
    ops: list[tuple] = []
    i, j = a0, b0
    for ai, bj in anchors:
        ops += _align(a, b, i, ai, j, bj)
        ops.append(("equal", ai, ai + 1, bj, bj + 1))
        i, j = ai + 1, bj + 1
    return ops + _align(a, b, i, a1, j, b1)


def _anchors(a: list[str], b: list[str], a0: int, a1: int, b0: int, b1: int) -> list[tuple[int, int]]:
    """Pairs of lines that occur once in each stretch, the longest run of them in the same order on both
    sides (patience sorting)."""
    in_a = Counter(a[a0:a1])
    in_b = Counter(b[b0:b1])
    where_b = {line: j for j, line in enumerate(b[b0:b1], b0) if in_b[line] == 1 and in_a[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a[a0:a1], a0) if in_a[line] == 1 and line in where_b]
    # Longest increasing subsequence of the b positions, O(n log n).
    tails: list[int] = []  # b position ending the best run of each length
    tail_at: list[int] = []  # index into pairs of that run's end
    previous = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        length = bisect.bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[length] = j
            tail_at[length] = k
        previous[k] = tail_at[length - 1] if length else -1
    run = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        run.append(pairs[k])
        k = previous[k]
    return run[::-1]


def _merge(ops: list[tuple]) -> list[tuple]:
    """Adjacent opcodes of one kind joined (as difflib gives them)."""
    merged: list[list] = []
    for tag, i1, i2, j1, j2 in ops:
        if i1 == i2 and j1 == j2:
            continue
        if merged and merged[-1][0] == tag and merged[-1][2] == i1 and merged[-1][4] == j1:
            merged[-1][2], merged[-1][4] = i2, j2
        else:
            merged.append([tag, i1, i2, j1, j2])
    return [tuple(op) for op in merged]
