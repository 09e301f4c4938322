"""The reader's fast paths for large inputs give the answers of the plain ones: a file decoded from a mapping,
a word searched a megabyte at a time, control characters looked for with the hex-digit shortcut. Each is
checked against Python's own plain operation (str.find, bytes.decode, a regular expression over the text)."""

from __future__ import annotations

import random
import re

import pytest

from hlo_fix.errors import ParseError
from hlo_fix.ir.printer import print_module
from hlo_fix.ir.scanner import read_module
from hlo_fix.ir.source import find_word, read_source
from hlo_fix.ir.strict import agreement, read_module_strict

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def weights_module(digits: int) -> str:
    """A module that is mostly one hex constant of `digits` hex digits."""
    hex_digits = ("0000803F" * (digits // 8 + 1))[:digits]
    return (
        "module @weights {\n"
        f"  func.func public @main(%arg0: tensor<{digits // 8}xf32>) -> tensor<{digits // 8}xf32> {{\n"
        f'    %c = stablehlo.constant dense<"0x{hex_digits}"> : tensor<{digits // 8}xf32>\n'
        f"    %0 = stablehlo.add %arg0, %c : tensor<{digits // 8}xf32>\n"
        f"    return %0 : tensor<{digits // 8}xf32>\n"
        "  }\n"
        "}\n"
    )


def test_find_word_is_str_find():
    rng = random.Random(7)
    for _ in range(5000):
        alphabet = rng.choice(["ab/", "0A/h", "hlo-fix:0", "0123456789ABCDEF/", "0123456789"])
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 300)))
        word = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 4)))
        start = rng.randrange(-3, len(text) + 2)
        end = rng.choice([None, rng.randrange(-4, len(text) + 5)])
        expected = text.find(word, start) if end is None else text.find(word, start, end)
        assert find_word(text, word, start, end, piece=rng.randrange(1, 20)) == expected, (text, word, start, end)


def test_find_word_in_a_large_hex_constant():
    text = weights_module(3 << 20)
    for word in ("hlo-fix:", "loc(#", "sharding", "//", "tensor<", "0x"):
        assert find_word(text, word) == text.find(word)
    marked = text.replace("0000803F", "//hlo-fix:", 1)
    assert find_word(marked, "hlo-fix:") == marked.find("hlo-fix:")
    late = text[: len(text) // 2] + "sharding" + text[len(text) // 2 :]
    assert find_word(late, "sharding") == late.find("sharding")


@pytest.mark.parametrize("where", [0.0, 0.3, 0.5, 0.999])
@pytest.mark.parametrize("character", ["\x01", "\x00", "\x7f", "\x0b"])
def test_control_character_in_a_hex_constant_is_reported_where_it_is(where, character):
    text = weights_module(3 << 20)
    start = text.index('"0x') + 3
    end = text.index('"', start)
    at = start + int((end - start) * where)
    damaged = text[:at] + character + text[at + 1 :]
    first = CONTROL.search(damaged).start()
    line = damaged.count("\n", 0, first) + 1
    column = first - (damaged.rfind("\n", 0, first) + 1) + 1
    with pytest.raises(ParseError) as caught:
        read_module(damaged, "w.mlir")
    assert (caught.value.line, caught.value.column) == (line, column)
    assert caught.value.message == f"unexpected character {character!r}"


def test_clean_hex_constant_reads_and_prints_back():
    text = weights_module(3 << 20)
    module = read_module(text, "w.mlir")
    assert len(module.ops_named("stablehlo.constant")) == 1
    assert print_module(module) == text


def test_large_file_reads_as_its_decoded_bytes(tmp_path):
    text = weights_module(3 << 20).replace("@weights", "@w\u00e9ights")
    path = tmp_path / "big.mlir"
    path.write_bytes(text.encode("utf-8"))
    assert read_source(path) == path.read_bytes().decode("utf-8")


def test_large_file_with_a_bad_byte_is_located(tmp_path):
    data = bytearray(weights_module(3 << 20).encode("ascii"))
    at = data.index(b'"0x') + (2 << 20)
    data[at] = 0xFF
    path = tmp_path / "big.mlir"
    path.write_bytes(bytes(data))
    with pytest.raises(ParseError) as caught:
        read_source(path)
    line = data.count(b"\n", 0, at) + 1
    column = at - (data.rfind(b"\n", 0, at) + 1) + 1
    assert (caught.value.line, caught.value.column) == (line, column)
    assert caught.value.message == "input is not UTF-8 text (byte 0xff)"
    assert caught.value.path == str(path)


@pytest.mark.parametrize("where", [0.1, 0.6])
def test_control_character_in_a_large_file_is_reported_where_it_is(where, tmp_path):
    """Read from a file, the hex pieces are proved on the file's bytes: a damaged one is not among them."""
    text = weights_module(3 << 20)
    start = text.index('"0x') + 3
    at = start + int((text.index('"', start) - start) * where)
    path = tmp_path / "w.mlir"
    path.write_text(text[:at] + "\x02" + text[at + 1 :], encoding="ascii")
    damaged = read_source(path)
    with pytest.raises(ParseError) as caught:
        read_module(damaged, "w.mlir")
    line = damaged.count("\n", 0, at) + 1
    assert (caught.value.line, caught.value.column) == (line, at - damaged.rfind("\n", 0, at))
    assert read_module(read_source_of(tmp_path, text), "w.mlir").ops


def read_source_of(directory, text: str) -> str:
    path = directory / "clean.mlir"
    path.write_text(text, encoding="ascii")
    return read_source(path)


@pytest.mark.parametrize("escape", ["", "\\\\", '\\"'])
def test_strict_reads_long_strings_as_the_fast_reader_does(escape):
    """Strict mode hands the long strings it found for its skeleton to the fast reader: same IR either way,
    with or without an escape in the string."""
    # Lines long enough for strict's cuts; the escape goes in a string attribute (hex data holds none).
    text = weights_module(3 << 20)
    generic = f'%1 = "t.op"() {{s = "{escape}{"ab" * (1 << 20)}"}} : () -> tensor<f32>'
    text = text.replace("%0 = stablehlo.add", f"{generic}\n    %0 = stablehlo.add")
    strict, fast = read_module_strict(text, "w.mlir"), read_module(text, "w.mlir")
    assert [(op.name, op.start, op.end) for op in strict.walk()] == [(op.name, op.start, op.end) for op in fast.walk()]
    assert print_module(strict) == text


def test_strict_reports_a_control_character_in_a_long_string_as_the_fast_reader_does():
    text = weights_module(1 << 21)
    at = text.index('"0x') + (1 << 20)
    damaged = text[:at] + "\x03" + text[at + 1 :]
    with pytest.raises(ParseError) as fast:
        read_module(damaged, "w.mlir")
    with pytest.raises(ParseError) as strict:
        read_module_strict(damaged, "w.mlir")
    assert (strict.value.line, strict.value.column, strict.value.message) == (
        fast.value.line,
        fast.value.column,
        fast.value.message,
    )


DEBUG_MODULE = (
    "// a comment\n"
    "module @m {\n"
    "  func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {\n"
    "    %0 = stablehlo.abs %arg0 : tensor<4xf32> loc(#loc1)\n"
    '    %1 = "stablehlo.negate"(%0) : (tensor<4xf32>) -> tensor<4xf32> loc(#loc2)\n'
    "    return %1 : tensor<4xf32>\n"
    "  }\n"
    "}\n"
    '#loc1 = loc("model.py":3:1)\n'
    '#loc2 = loc("model.py":4:1)\n'
)


@pytest.mark.parametrize("anchor", ["a comment", "stablehlo.abs", '"stablehlo.negate"', "return", '"model.py":4'])
@pytest.mark.parametrize("character", ["\x01", "\x1f", "\x7f"])
def test_control_character_anywhere_is_reported_where_it_is(anchor, character):
    """The signature pass over each block notes control characters; wherever one is (a comment, a one-line op,
    a generic op, the trailing alias block), it is reported at its place."""
    at = DEBUG_MODULE.index(anchor) + 2
    damaged = DEBUG_MODULE[:at] + character + DEBUG_MODULE[at:]
    first = CONTROL.search(damaged).start()
    line = damaged.count("\n", 0, first) + 1
    column = first - (damaged.rfind("\n", 0, first) + 1) + 1
    for read in (read_module, read_module_strict):
        with pytest.raises(ParseError) as caught:
            read(damaged, "d.mlir")
        assert (caught.value.line, caught.value.column) == (line, column), read
        assert caught.value.message == f"unexpected character {character!r}"


def test_control_character_after_a_long_line_is_reported():
    """A line too long for the blocks is not in their signatures: the whole-text check still runs."""
    text = weights_module(3 << 20)
    at = text.index("return")
    damaged = text[:at] + "\x05" + text[at:]
    with pytest.raises(ParseError) as caught:
        read_module(damaged, "w.mlir")
    assert (caught.value.line, caught.value.column) == (damaged.count("\n", 0, at) + 1, 5)


def medium_constants_module(count: int, digits: int, between: int = 3) -> str:
    """A weights-baked export's shape: medium constants (long lines, below the block size) among short ops,
    with a region and a comment in the middle."""
    rng = random.Random(count)
    lines = ["module @weights {", "  func.func public @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {"]
    last = "%arg0"
    for i in range(count):
        hex_digits = "".join(rng.choice("0123456789ABCDEF") for _ in range(64)) * (digits // 64)
        lines.append(f'    %c{i} = stablehlo.constant dense<"0x{hex_digits}"> : tensor<{digits // 8}xf32>')
        for j in range(between):
            lines.append(f"    %a{i}_{j} = stablehlo.add {last}, {last} : tensor<4xf32>")
            last = f"%a{i}_{j}"
        if i == count // 2:
            lines.append("    // hlo-fix: a comment between constants")
            lines.append(f'    %r = "stablehlo.reduce"({last}, {last}) ({{')
            lines.append("    ^bb0(%x: tensor<f32>, %y: tensor<f32>):")
            lines.append("      %s = stablehlo.add %x, %y : tensor<f32>")
            lines.append('      "stablehlo.return"(%s) : (tensor<f32>) -> ()')
            lines.append("    }) {dimensions = array<i64>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>")
    lines += [f"    return {last} : tensor<4xf32>", "  }", "}", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("digits", [200_000, 600_000])
def test_medium_constants_read_in_place_as_the_grammar_reads_them(digits):
    """Lines long enough to be read in place by the token path (inside blocks of few lines) give the IR the
    complete grammar gives, and print back byte for byte."""
    text = medium_constants_module(8, digits)
    assert agreement(text, "w.mlir") == []
    module = read_module(text, "w.mlir")
    assert print_module(module) == text
    assert len(module.ops_named("stablehlo.constant")) == 8
    assert len(module.ops_named("stablehlo.add")) == 8 * 3 + 1


@pytest.mark.parametrize("where", ["constant", "add"])
def test_control_character_among_medium_constants_is_reported_where_it_is(where):
    text = medium_constants_module(8, 200_000)
    anchor = text.index("%c5 = ") + 1000 if where == "constant" else text.index("%a6_1 = ") + 8
    damaged = text[:anchor] + "\x06" + text[anchor + 1 :]
    first = CONTROL.search(damaged).start()
    with pytest.raises(ParseError) as caught:
        read_module(damaged, "w.mlir")
    assert (caught.value.line, caught.value.column) == (
        damaged.count("\n", 0, first) + 1,
        first - damaged.rfind("\n", 0, first),
    )


def test_long_header_among_medium_constants_reads_as_the_grammar_reads_it():
    """A long line without a long string (a function header with thousands of arguments) stays on the line
    path, next to constants read in place: the IR is the complete grammar's either way."""
    arguments = ", ".join(f'%arg{i}: tensor<4xf32> {{sdy.sharding = "s{i}"}}' for i in range(3000))
    text = medium_constants_module(4, 200_000).replace(
        "@main(%arg0: tensor<4xf32>)", f"@main(%arg0: tensor<4xf32>, {arguments.replace('%arg0:', '%argx:', 1)})"
    )
    header = next(line for line in text.split("\n") if "func.func" in line)
    assert len(header) > 2 * (1 << 16)  # long enough to be read in place, were it a string
    assert agreement(text, "w.mlir") == []
    module = read_module(text, "w.mlir")
    assert print_module(module) == text
    assert len(module.ops[0].regions[0].ops[0].regions[0].arguments) == 3001
