"""Seeded mutation fuzzing over the fixtures: attribute values, dim lists, tensor shapes, element types, GSPMD and
Shardy sharding strings, mesh sizes and whole lines are mutated, and `lint` and `fix` must give findings, a module,
or an HloFixError (one located line on the command line): never another exception.

jaxlib's parser is the oracle for validity (when jax is installed): a mutant it accepts must not be rejected by
hlo-fix, and a fix of such a mutant must still parse. Both kinds of mutant must turn up, so the fuzz reaches
valid modules as well as broken ones."""

from __future__ import annotations

import random
import re
import traceback
from collections import Counter
from pathlib import Path

import pytest

from hlo_fix.errors import HloFixError
from hlo_fix.fix.driver import fix_text
from hlo_fix.lint.checker import lint_text
from hlo_fix.lint.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED = 20261201
MUTANTS = 800
MAX_FIXTURE_BYTES = 40_000  # the small fixtures: every rule and both sharding dialects, in seconds

INT_IN_LIST = re.compile(r"(?<=[\[,:] )-?\d+|(?<=\[)-?\d+")
SHAPE = re.compile(r"tensor<((?:\d+x)+)")
ATTRIBUTE_INT = re.compile(r"\b(?:dim|dimension|index_vector_dim|iota_dimension|axis) = (\d+)")
GSPMD = re.compile(r'mhlo\.sharding = "([^"]*)"')
SHARDY = re.compile(r"#sdy\.sharding<[^>]*>")
MESH_SIZE = re.compile(r'"=(\d+)')
ELEMENT_TYPE = re.compile(r"\b(?:i32|i64|f32|bf16|ui32|i1|f16)\b")
VALUES = ["-1", "0", "1", "2", "3", "7", "99", "4294967296", "99999999999999999999"]


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _pick(rng: random.Random, pattern: re.Pattern, text: str):
    found = list(pattern.finditer(text))
    return rng.choice(found) if found else None


def mutate(rng: random.Random, text: str) -> tuple[str, str] | None:
    """One random mutation of `text`: (kind, mutant), or None when the module has nothing of that kind."""
    kind = rng.choice(["list", "shape", "attribute", "gspmd", "gspmd", "shardy", "mesh", "char", "type", "line"])
    if kind == "line":
        lines = text.split("\n")
        at = rng.randrange(len(lines))
        if rng.random() < 0.5:
            del lines[at]
        else:
            lines.insert(at, lines[rng.randrange(len(lines))])
        return kind, "\n".join(lines)
    if kind == "char":  # a stray bracket, quote or digit inside a sharding
        match = _pick(rng, GSPMD, text) or _pick(rng, SHARDY, text)
        if match is None:
            return None
        at = rng.randrange(match.start(), match.end())
        new = rng.choice(["{", "}", "[", "]", ",", "", "<", ">", "=", '"', "x", "0"])
        return kind, _replace(text, at, at + rng.choice([0, 1]), new)
    pattern = {"list": INT_IN_LIST, "shape": SHAPE, "attribute": ATTRIBUTE_INT, "gspmd": GSPMD, "shardy": SHARDY,
               "mesh": MESH_SIZE, "type": ELEMENT_TYPE}[kind]
    match = _pick(rng, pattern, text)
    if match is None:
        return None
    if kind in ("list", "type"):
        new = rng.choice(VALUES) if kind == "list" else rng.choice(["i32", "f32", "bf16", "i1", "ui8", "f64"])
        return kind, _replace(text, match.start(), match.end(), new)
    if kind in ("attribute", "mesh"):
        return kind, _replace(text, match.start(1), match.end(1), rng.choice(VALUES))
    if kind == "shape":
        dims = match[1].split("x")[:-1]
        dims[rng.randrange(len(dims))] = rng.choice(["0", "1", "3", "7", "1000000000000"])
        return kind, _replace(text, match.start(1), match.end(1), "x".join(dims) + "x")
    if kind == "gspmd":
        sharding = match[1]
        edits = [
            lambda s: re.sub(r"\d+", lambda _: rng.choice(VALUES), s, count=1),
            lambda s: s[: rng.randrange(len(s) + 1)],
            lambda s: s.replace("devices=", "devices=[0]", 1),
            lambda s: "{" + s + "}",
            lambda s: s.replace("<=[", "<=[0,", 1),
            lambda s: s.replace("last_tile_dim_replicate", "last_tile_dims={manual, replicated}"),
        ]
        return kind, _replace(text, match.start(1), match.end(1), rng.choice(edits)(sharding))
    edits = [  # shardy
        lambda s: s.replace('{"batch"}', '{"nope"}', 1),
        lambda s: s.replace("{}", '{"batch"}', 1),
        lambda s: s.replace("[", "[{}, ", 1),
        lambda s: s.replace(", {}", "", 1),
        lambda s: s.replace("@mesh", "@other"),
    ]
    return kind, _replace(text, match.start(), match.end(), rng.choice(edits)(match[0]))


def _jaxlib_parser():
    try:
        from jax._src.interpreters import mlir
        from jax._src.lib.mlir import ir
    except ImportError:
        return None
    context = mlir.make_ir_context()
    context.allow_unregistered_dialects = True

    def accepts(text: str) -> bool:
        with context:
            try:
                ir.Module.parse(text)
            except Exception:  # jaxlib's MLIRError
                return False
        return True

    return accepts


def test_mutated_fixtures_give_findings_or_a_located_error_never_an_internal_error():
    texts = {p.name: p.read_text() for p in sorted(FIXTURES.glob("*.mlir")) if p.stat().st_size < MAX_FIXTURE_BYTES}
    assert len(texts) >= 20
    accepts = _jaxlib_parser()
    rng = random.Random(SEED)
    settings = Settings()
    crashes, false_rejections, broken_fixes = [], [], []
    seen = Counter()
    names = sorted(texts)
    while sum(seen.values()) < MUTANTS:
        name = rng.choice(names)
        mutated = mutate(rng, texts[name])
        if mutated is None or mutated[1] == texts[name]:
            continue
        kind, mutant = mutated
        valid = accepts(mutant) if accepts else None
        seen[valid] += 1
        for command in ("lint", "fix"):
            try:
                if command == "lint":
                    lint_text(mutant, name, settings)
                else:
                    result = fix_text(mutant, name, settings, unsafe=True)
                    if valid and result.changed and not accepts(result.new_text):
                        broken_fixes.append((name, kind))
            except HloFixError as error:
                if valid:
                    false_rejections.append((name, kind, command, str(error)))
            except Exception as error:  # the bug this test exists to find
                where = traceback.extract_tb(error.__traceback__)[-1]
                crashes.append((name, kind, command, f"{type(error).__name__}: {error}", where.filename, where.lineno))
    assert not crashes, crashes[:5]
    assert not false_rejections, false_rejections[:5]
    assert not broken_fixes, broken_fixes[:5]
    if accepts is None:
        pytest.skip("jax is not installed: mutants not classified by jaxlib (no internal error found)")
    assert seen[True] >= MUTANTS // 10 and seen[False] >= MUTANTS // 10, seen
