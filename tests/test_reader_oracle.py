"""jaxlib's parser decides what MLIR text is valid; both of hlo-fix's readers must read all of it.

- Every `// -----` chunk of the shared corpora (hand-written StableHLO tests and JAX exports) that jaxlib accepts
  is read by the fast reader and by strict mode, printed back byte for byte, and read alike by both.
- Every fixture laid out differently (one line, a newline at every token boundary, CRLF, CR, two ops per line),
  as long as jaxlib accepts the result, gives the same findings as the original.

jaxlib's verdicts are cached by content in `tests/oracle/verdicts.json` (a child process computes the missing
ones), so the suite does not parse 3,600 chunks with jaxlib each time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hlo_fix.api import lint_text
from hlo_fix.errors import ParseError
from hlo_fix.ir.printer import print_module
from hlo_fix.ir.scanner import read_module
from hlo_fix.ir.strict import agreement
from hlo_fix.ir.tokens import tokenize
from tests.oracle.jaxlib_verdicts import corpus_chunks, verdicts

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
FOLDERS = [CORPUS / "stablehlo-tests", CORPUS / "stablehlo-testdata"]
FIXTURES = REPO / "fixtures"
SHOWN = 10
# Input jaxlib accepts that hlo-fix rejects on purpose, with one line and exit 2: a file without any operation
# (an empty export is a failed export, not a clean one) and a module in a foreign dialect.
DELIBERATE = ("no operation found", "module (")


@pytest.fixture(scope="module")
def accepted():
    if not all(folder.is_dir() for folder in FOLDERS):
        pytest.skip("no shared corpus next to the repository")
    chunks = corpus_chunks(*FOLDERS)
    judged = verdicts(chunks)
    found = [chunk for chunk in chunks if judged[chunk.key]]
    assert len(found) > 2000  # guards against a path change silently emptying the test
    return found


def _report(failures: list[str], total: int) -> str:
    more = f"\n... and {len(failures) - SHOWN} more" if len(failures) > SHOWN else ""
    return f"{len(failures)} of {total} chunks:\n" + "\n".join(failures[:SHOWN]) + more


def test_fast_reader_reads_and_prints_back_every_chunk_jaxlib_accepts(accepted):
    failures = []
    for chunk in accepted:
        try:
            module = read_module(chunk.text, chunk.name)
        except ParseError as error:
            if not any(reason in error.message for reason in DELIBERATE):
                failures.append(f"{chunk.name} (file line {chunk.line}): {error}")
            continue
        if print_module(module) != chunk.text:
            failures.append(f"{chunk.name}: printed back differently")
    assert not failures, _report(failures, len(accepted))


def test_strict_mode_agrees_with_the_fast_reader_on_every_chunk_jaxlib_accepts(accepted):
    failures = []
    for chunk in accepted:
        differences = agreement(chunk.text, chunk.name)
        if differences and not any(reason in differences[0] for reason in DELIBERATE):
            failures.append(f"{chunk.name} (file line {chunk.line}): " + "; ".join(differences[:2]))
    assert not failures, _report(failures, len(accepted))


# -- the same module laid out differently --------------------------------------------------------------------


def _tokens_joined(text: str, separator: str) -> str:
    """The module with the whitespace between its tokens replaced by `separator` (comments dropped). Tokens that
    touch keep touching, and inside `<...>`, where a dialect lexes a type or attribute itself, whitespace
    becomes one space."""
    tokens = tokenize(text)
    out = [tokens[0].value]
    angles = int(tokens[0].type == "LESSTHAN")
    for before, token in zip(tokens, tokens[1:]):
        gap = "" if token.start == before.end else " " if angles else separator
        out.append(gap + token.value)
        angles += (token.type == "LESSTHAN") - (token.type == "MORETHAN")
    return "".join(out) + "\n"


def _two_ops_per_line(text: str) -> str:
    """Each pair of one-line ops inside a function joined on one line."""
    lines = text.split("\n")
    out, pending = [], None
    for line in lines:
        plain = line.lstrip().startswith("%") and "//" not in line and line.rstrip()[-1:] not in "{,(:"
        if plain and pending is not None:
            out.append(pending + " " + line.lstrip())
            pending = None
        elif plain:
            pending = line
        else:
            if pending is not None:
                out.append(pending)
                pending = None
            out.append(line)
    if pending is not None:
        out.append(pending)
    return "\n".join(out)


LAYOUTS = {
    "one-line": lambda text: _tokens_joined(text, " "),
    "token-per-line": lambda text: _tokens_joined(text, "\n"),
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "cr": lambda text: text.replace("\n", "\r"),
    "two-ops-per-line": _two_ops_per_line,
}


def _summary(text: str, name: str) -> list[tuple]:
    """What must not depend on layout: each finding's rule, severity, Python source and fixability, in order."""
    return [
        (finding.code, finding.severity, str(finding.source), finding.fix is not None)
        for finding in lint_text(text, name)
    ]


def _fixture_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.mlir"))}


@pytest.fixture(scope="module")
def variants():
    """(fixture, layout) -> re-laid-out text, for the variants jaxlib accepts."""
    from tests.oracle.chunks import Chunk

    made = {
        (name, layout): make(text) for name, text in _fixture_texts().items() for layout, make in LAYOUTS.items()
    }
    chunks = {key: Chunk(Path(key[0]), 0, 1, text) for key, text in made.items()}
    judged = verdicts(list(chunks.values()), write=True)
    kept = {key: made[key] for key, chunk in chunks.items() if judged[chunk.key]}
    assert len(kept) > len(made) * 0.9, sorted(set(made) - set(kept))[:10]
    return kept


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_findings_do_not_depend_on_layout(variants, layout):
    texts = _fixture_texts()
    failures = []
    checked = 0
    for (name, which), text in variants.items():
        if which != layout:
            continue
        checked += 1
        expected = _summary(texts[name], name)
        try:
            got = _summary(text, name)
        except ParseError as error:
            failures.append(f"{name}: {error}")
            continue
        if got != expected:
            failures.append(f"{name}: {len(got)} findings, {len(expected)} in the original; first {got[:1]} vs {expected[:1]}")
    assert checked > 30
    assert not failures, _report(failures, checked)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_variants_print_back_and_agree_with_strict_mode(variants, layout):
    failures = []
    for (name, which), text in variants.items():
        if which != layout:
            continue
        if print_module(read_module(text, name)) != text:
            failures.append(f"{name}: printed back differently")
        elif layout in ("one-line", "two-ops-per-line", "crlf") and agreement(text, name):
            failures.append(f"{name}: {agreement(text, name)[:1]}")
    assert not failures, _report(failures, len(variants))


def test_fix_works_the_same_however_the_module_is_laid_out(variants):
    """`fix` on every re-laid-out fixture applies as many fixes as on the original, leaves the same findings, and
    writes text jaxlib accepts (the printer's insertions and removals must not assume an op per line)."""
    from hlo_fix.fix.driver import fix_text
    from tests.oracle.chunks import Chunk

    texts = _fixture_texts()
    expected = {name: fix_text(text, name, unsafe=True) for name, text in texts.items()}
    failures, outputs = [], {}
    for (name, layout), text in variants.items():
        got = fix_text(text, name, unsafe=True)
        want = expected[name]
        if len(got.applied) != len(want.applied) or [f.code for f in got.remaining] != [f.code for f in want.remaining]:
            failures.append(f"{name} ({layout}): {len(got.applied)} fixes, {len(want.applied)} on the original")
        elif got.applied:
            outputs[(name, layout)] = Chunk(Path(name), 0, 1, got.new_text)
    judged = verdicts(list(outputs.values()), write=True)
    failures += [f"{name} ({layout}): jaxlib rejects the fixed text" for (name, layout), chunk in outputs.items()
                 if not judged[chunk.key]]
    assert len(outputs) > 100
    assert not failures, _report(failures, len(variants))
