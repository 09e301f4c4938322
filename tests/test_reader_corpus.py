"""The fast reader on every real module we have: it reads each one, prints it back byte for byte, links every
use to a definition, and agrees op by op with the complete grammar's parse tree (`hlo_fix.ir.strict`).

The corpus (1,397 modules from stablehlo's testdata) and the PyTorch/XLA examples live outside the repository,
next to it; their tests skip when they are absent. The committed fixtures are always checked. Each test reads
all of its files and reports every failing one, so one run shows the whole picture.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from hlo_fix.ir.model import Module
from hlo_fix.ir.printer import print_module
from hlo_fix.ir.scanner import read_module
from hlo_fix.ir.strict import agreement

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "stablehlo-testdata"
TORCHXLA = SHARED / "examples" / "torchxla"
FIXTURES = REPO / "fixtures"

SOURCES = {"corpus": CORPUS, "torchxla": TORCHXLA, "fixtures": FIXTURES}
SHOWN_FAILURES = 10


def _texts(source: str) -> dict[str, str]:
    folder = SOURCES[source]
    files = sorted(folder.glob("*.mlir")) if folder.is_dir() else []
    if not files:
        pytest.skip(f"no modules under {folder}")
    return {path.name: path.read_text(encoding="utf-8") for path in files}


@pytest.fixture(scope="module", params=sorted(SOURCES))
def texts(request) -> dict[str, str]:
    return _texts(request.param)


@pytest.fixture(scope="module")
def modules(texts) -> dict[str, Module]:
    return {name: read_module(text, name) for name, text in texts.items()}


def _report(failures: list[str], total: int) -> str:
    shown = "\n".join(failures[:SHOWN_FAILURES])
    more = f"\n... and {len(failures) - SHOWN_FAILURES} more" if len(failures) > SHOWN_FAILURES else ""
    return f"{len(failures)} of {total} modules:\n{shown}{more}"


def test_corpus_is_present_when_shared_folder_is():
    """Guards against the corpus tests silently skipping because a path changed."""
    if not SHARED.is_dir():
        pytest.skip("no shared folder next to the repository")
    assert len(list(CORPUS.glob("*.mlir"))) > 1000


def test_every_module_prints_back_byte_for_byte(texts, modules):
    failures = []
    for name, text in texts.items():
        printed = print_module(modules[name])
        if printed != text:
            at = next((i for i, (a, b) in enumerate(zip(printed, text)) if a != b), min(len(printed), len(text)))
            line, column = modules[name].position(at)
            failures.append(f"{name}: first difference at {line}:{column}")
    assert not failures, _report(failures, len(texts))


def test_every_operand_has_a_definition(modules):
    """A use the reader could not link (owner None) would hide data flow from every rule."""
    failures = []
    for name, module in modules.items():
        dangling = [(op, value) for op in module.walk() for value in op.operands if value.owner is None]
        if dangling:
            op, value = dangling[0]
            failures.append(f"{name}: {value.name} used by {op} has no definition ({len(dangling)} in all)")
    assert not failures, _report(failures, len(modules))


def test_def_use_links_are_symmetric(modules):
    """Each op is a user of each of its operands as many times as it uses it, and nothing else is a user."""
    failures = []
    for name, module in modules.items():
        ops = list(module.walk())
        uses = Counter((id(value), id(op)) for op in ops for value in op.operands)
        values = {id(value): value for op in ops for value in op.operands}
        values.update((id(value), value) for op in ops for value in op.results)
        values.update(
            (id(value), value) for op in ops for region in op.regions for value in region.arguments
        )
        users = Counter((key, id(user)) for key, value in values.items() for user in value.users)
        mismatched = (uses - users) + (users - uses)
        if mismatched:
            value_id, op_id = next(iter(mismatched))
            op = next(op for op in ops if id(op) == op_id)
            failures.append(f"{name}: {values[value_id].name} and {op} disagree on the use")
    assert not failures, _report(failures, len(modules))


def test_strict_parse_agrees_with_fast_reader(texts):
    """Same ops, names, results, operands, region counts and nesting from the grammar's tree and the fast
    reader (~10 s for the whole corpus on one core)."""
    failures = []
    for name, text in texts.items():
        differences = agreement(text, name)
        if differences:
            failures.append(f"{name}: " + "; ".join(differences[:3]))
    assert not failures, _report(failures, len(texts))
