"""`fix --diff`'s unified diff: the same hunks difflib prints on every fixture's fix, a diff that turns the old
text into the new on random edits, and no quadratic blow-up on a long repetitive module."""

from __future__ import annotations

import difflib
import random
import re
from pathlib import Path

import pytest

from hlo_fix.fix.driver import fix_text
from hlo_fix.fix.text_diff import unified_diff

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures").glob("*.mlir"))
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$")


def difflib_diff(name: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(True), after.splitlines(True), fromfile=name, tofile=name)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def apply(before: str, diff: str) -> str:
    """Apply a unified diff (as `patch` would), checking every context and removed line against `before`."""
    old = before.splitlines(True)
    out: list[str] = []
    at = 0
    lines = diff.splitlines(True)[2:]
    for k, line in enumerate(lines):
        hunk = HUNK.match(line.rstrip("\n"))
        if hunk:
            start = int(hunk.group(1)) - (0 if hunk.group(2) != "0" else -1) - 1
            out += old[at:start]
            at = start
            continue
        if line.startswith("\\"):
            out[-1] = out[-1].rstrip("\n")
            continue
        body = line[1:]
        no_newline = k + 1 < len(lines) and lines[k + 1].startswith("\\")
        if line[0] in " -":
            expected = old[at]
            assert (body.rstrip("\n") if no_newline else body) == expected, (body, expected)
            at += 1
        if line[0] in " +":
            out.append(body)
    return "".join(out + old[at:])


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_same_hunks_as_difflib_on_each_fixture_fix(path):
    before = path.read_text(encoding="utf-8")
    after = fix_text(before, path.name, unsafe=True).new_text
    assert unified_diff(path.name, before, after) == difflib_diff(path.name, before, after)


def test_random_edits_give_a_diff_that_rebuilds_the_new_text():
    rng = random.Random(20261201)
    for _ in range(500):
        lines = [f"line {rng.randrange(30)}\n" for _ in range(rng.randrange(0, 60))]
        edited = list(lines)
        for _ in range(rng.randrange(0, 6)):
            i = rng.randrange(len(edited) + 1)
            kind = rng.choice(["delete", "insert", "change"])
            if kind == "insert":
                edited.insert(i, f"new {rng.randrange(9)}\n")
            elif edited and i < len(edited):
                if kind == "delete":
                    del edited[i]
                else:
                    edited[i] = "changed\n"
        before, after = "".join(lines), "".join(edited)
        if rng.random() < 0.2:
            after = after.rstrip("\n")
        diff = unified_diff("m.mlir", before, after)
        assert (diff == "") == (before == after)
        assert apply(before, diff) == after


def test_a_long_repetitive_module_is_diffed_through_its_unique_lines():
    """2000 near-identical layers with one line changed in each: difflib's matcher would need minutes."""
    layer = "  %{0} = stablehlo.add %{1}, %{1} : tensor<64x256xf32> loc(#loc{0})\n  stablehlo.return\n"
    before = "".join(layer.format(i, i - 1) for i in range(2000))
    after = before.replace("add %99,", "multiply %99,").replace("add %1500,", "subtract %1500,")
    diff = unified_diff("m.mlir", before, after)
    assert diff.count("@@ ") == 2
    assert apply(before, diff) == after
