"""A file cut off anywhere is an error, never "All checks passed!", with jaxlib's parser as the oracle.

A cut inside a module's body leaves regions open, which the reader reports. The cuts that once passed as clean
end where brackets balance: in the module's own header (`module @jit_f attributes {...}` before its `{`), in a
bare function's signature, or in a second top-level module after a complete one. Every fixture is cut at each
token boundary of its first statement, and after its last `}` with such a header appended; every text jaxlib
rejects must be rejected by both readers, and every text it accepts read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hlo_fix.errors import ParseError
from hlo_fix.ir.scanner import read_module
from hlo_fix.ir.strict import read_module_strict
from hlo_fix.ir.tokens import tokenize

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FUNCTION = "func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {\n  return %arg0 : tensor<4xf32>\n}\n"


def _module_start(text: str) -> int:
    """Where the first statement that is not an alias definition or comment starts."""
    for token in tokenize(text, strict=False):
        if token.type == "BARE_ID" and token.value in ("module", "func.func"):
            return token.start
    raise AssertionError("no module or function in the fixture")


def _cuts(text: str) -> list[str]:
    """The text cut at each token end of its first statement's head (up to the region's `{`), and the whole
    text followed by the head of another module."""
    start = _module_start(text)
    head_end = text.index("{\n", start)  # the body's brace: exporters end the head line with it
    cuts = [text[: token.end + start] for token in tokenize(text[start:head_end], strict=False)]
    cuts.append(text + "module @second attributes {mhlo.num_partitions = 1 : i32}\n")
    return cuts


def _texts() -> list[str]:
    paths = sorted(FIXTURES.glob("*.mlir"))[:12] + sorted((FIXTURES / "transformers").glob("*.mlir"))[:4]
    texts = [cut for path in paths for cut in _cuts(path.read_text(encoding="utf-8"))]
    return texts + _cuts(FUNCTION) + [FUNCTION, "func.func private @f(%a: tensor<4xf32>) -> tensor<4xf32>\n"]


@pytest.fixture(scope="module")
def judged():
    pytest.importorskip("jax")
    from tests.oracle.jaxlib_verdicts import judge

    texts = _texts()
    return list(zip(texts, judge(texts)))


def _reads(reader, text: str) -> bool:
    try:
        reader(text, "cut.mlir")
    except ParseError:
        return False
    return True


@pytest.mark.parametrize("reader", [read_module, read_module_strict], ids=["fast", "strict"])
def test_a_cut_off_file_is_an_error_where_jaxlib_says_so(judged, reader):
    rejected = [text for text, valid in judged if not valid]
    assert len(rejected) > 100  # the cuts really reach the headers
    passed = [text[-70:] for text in rejected if _reads(reader, text)]
    assert not passed, f"{len(passed)} cut-off texts read as valid, e.g. {passed[:3]}"


@pytest.mark.parametrize("reader", [read_module, read_module_strict], ids=["fast", "strict"])
def test_what_jaxlib_accepts_is_still_read(judged, reader):
    accepted = [text for text, valid in judged if valid]
    assert len(accepted) >= 2  # the whole function and the private declaration
    refused = [text[-70:] for text in accepted if not _reads(reader, text)]
    assert not refused, refused[:3]


def test_the_error_says_where_the_module_stops():
    with pytest.raises(ParseError) as caught:
        read_module("#loc1 = loc(\"h\")\nmodule @jit_f attributes {mhlo.num_partitions = 1 : i32}", "cut.mlir")
    assert (caught.value.line, caught.value.column) == (2, 57)
    assert "expected '{'" in caught.value.message


def test_a_module_body_that_holds_no_op_is_named_as_such():
    # `{ foo.bar }` reads as a dictionary with a unit entry; after `module` it can only be the body (jaxlib:
    # "custom op 'foo.bar' is unknown").
    with pytest.raises(ParseError) as caught:
        read_module("module {\n  foo.bar\n}\n", "body.mlir")
    assert (caught.value.line, caught.value.column) == (2, 3)
    assert caught.value.message == "expected an operation in the module's body, found 'foo.bar'"
    assert [op.name for op in read_module("module @x attributes {a = 1} {}\n").ops] == ["module"]
