"""Malformed input: the fast reader and strict mode raise ParseError at the right line and column with a clear
message, the CLI prints exactly one `FILE:LINE:COL: error: ...` line and exits 2, and random damage to a real
module never makes the reader crash or hang.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from hlo_fix.errors import ParseError
from hlo_fix.ir.printer import print_module
from hlo_fix.ir.scanner import read_module
from hlo_fix.ir.source import read_source
from hlo_fix.ir.strict import read_module_strict

REPO = Path(__file__).resolve().parents[1]
HLO_FIX = Path(sys.executable).parent / "hlo-fix"
CLI_ERROR = re.compile(r"^bad\.mlir:(\d+):(\d+): error: .+$")

MODULE_LINES = [
    '#loc1 = loc("model.py":3:1)',
    "module @m {",
    "  func.func @main(%arg0: tensor<4x2xf32>, %arg1: tensor<3x1xi32>) -> tensor<3x2xf32> {",
    '    %0 = "stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<offset_dims = [1],'
    " collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>,",
    "        slice_sizes = array<i64: 1, 2>}> : (tensor<4x2xf32>, tensor<3x1xi32>) -> tensor<3x2xf32> loc(#loc2)",
    "    %1 = stablehlo.abs %0 : tensor<3x2xf32> loc(#loc1)",
    "    return %1 : tensor<3x2xf32> loc(#loc3)",
    "  }",
    "}",
    '#loc2 = loc("model.py":4:1)',
    '#loc3 = loc("g"(#loc1))',
]
MODULE = "\n".join(MODULE_LINES) + "\n"
FUNCTION_BRACE = (3, MODULE_LINES[2].index("{") + 1)  # where the innermost open region starts


def first_lines(count: int) -> str:
    return "\n".join(MODULE_LINES[:count]) + "\n"


def with_line(number: int, line: str) -> str:
    """The module with `line` inserted as line `number`."""
    lines = list(MODULE_LINES)
    lines.insert(number - 1, line)
    return "\n".join(lines) + "\n"


def end_of(line_number: int, text: str) -> tuple[int, int]:
    """Just past the last character of a line of `text`."""
    return line_number, len(text.split("\n")[line_number - 1]) + 1


@dataclass
class Expected:
    line: int
    column: int
    message: str  # a regular expression the message must match from its start


@dataclass
class BadInput:
    name: str
    text: str
    fast: Expected
    strict: Expected
    fast_gap: str | None = None  # a known fast-reader bug: the fast-reader checks are xfail with this reason


CUT_IN_OP = first_lines(4)
CUT_IN_TOKEN = first_lines(5) + MODULE_LINES[5][: MODULE_LINES[5].index("abs") + 2]
CUT_IN_REGION = first_lines(6)
CUT_IN_ALIAS = first_lines(10) + MODULE_LINES[10][:-5]
DANGLING_ALIAS = first_lines(10)
LOC3 = (7, MODULE_LINES[6].index("#loc3") + 1)

BAD_INPUTS = [
    BadInput(
        "cut-in-multiline-op",
        CUT_IN_OP,
        Expected(4, 5, r"unexpected end of input: 'stablehlo\.gather' is not closed"),
        Expected(*end_of(4, CUT_IN_OP), "unexpected end of input$"),
    ),
    BadInput(
        "cut-in-token",
        CUT_IN_TOKEN,
        Expected(*FUNCTION_BRACE, "unexpected end of input: region opened here is not closed"),
        Expected(*end_of(6, CUT_IN_TOKEN), "unexpected end of input$"),
    ),
    BadInput(
        "cut-at-line-in-region",
        CUT_IN_REGION,
        Expected(*FUNCTION_BRACE, "unexpected end of input: region opened here is not closed"),
        Expected(*end_of(6, CUT_IN_REGION), "unexpected end of input$"),
    ),
    BadInput(
        "cut-between-loc-aliases",
        DANGLING_ALIAS,
        Expected(*LOC3, "undefined location alias #loc3$"),
        Expected(*LOC3, "undefined location alias #loc3$"),
    ),
    BadInput(
        "cut-in-loc-alias",
        CUT_IN_ALIAS,
        Expected(11, 1, "unbalanced brackets in alias definition"),
        Expected(*end_of(11, CUT_IN_ALIAS), "unexpected end of input$"),
    ),
    BadInput(
        "extra-closing-brace-line",
        with_line(10, "}"),
        Expected(10, 1, "unexpected '}'"),
        Expected(10, 1, "unexpected '}'$"),
    ),
    BadInput(
        "extra-closing-brace-same-line",
        MODULE.replace("\n}\n", "\n}}\n"),
        Expected(9, 2, "unexpected '}'"),
        Expected(9, 2, "unexpected '}'$"),
    ),
    BadInput(
        "garbage-line",
        with_line(7, "    @@@ not mlir"),
        Expected(7, 5, "unexpected character '@'"),
        Expected(7, 5, "unexpected character '@'$"),
    ),
    BadInput(
        "closing-parens-line",
        with_line(7, "    ) ) )"),
        Expected(7, 5, "unexpected '\\)': nothing is open"),
        Expected(7, 5, "unexpected '\\)'$"),
    ),
    BadInput(
        "control-characters-line",
        with_line(7, "\x00\x01"),
        Expected(7, 1, r"unexpected character '\\x00'"),
        Expected(7, 1, r"unexpected character '\\x00'$"),
    ),
    BadInput(
        "control-character-in-op",
        MODULE.replace("stablehlo.abs %0", "stablehlo.abs \x01%0"),
        Expected(6, 24, r"unexpected character '\\x01'"),
        Expected(6, 24, r"unexpected character '\\x01'$"),
    ),
    BadInput(
        "bad-character-after-a-syntax-error",
        MODULE.replace("\n}\n", "\n}}\n").replace("#loc3 = ", "#loc3 = \x01"),
        Expected(9, 2, "unexpected '}'"),
        Expected(9, 2, "unexpected '}'$"),
    ),
    BadInput(
        "alias-definition-inside-a-region",
        with_line(7, '    #loc9 = loc("inside.py":1:1)'),
        Expected(7, 5, "an alias definition must be at the top level"),
        Expected(7, 5, "unexpected '#loc9'$"),
    ),
    BadInput(
        "empty",
        "",
        Expected(1, 1, "empty input"),
        Expected(1, 1, "empty input"),
    ),
    BadInput(
        "whitespace-only",
        " \n\t\n\n   ",
        Expected(1, 1, "empty input"),
        Expected(1, 1, "empty input"),
    ),
    BadInput(
        "comments-and-aliases-only",
        "// nothing here\n#loc = loc(unknown)\n",
        Expected(1, 1, "no operation found"),
        Expected(1, 1, "no operation found"),
    ),
]


def _params(check: str) -> list:
    marked = []
    for case in BAD_INPUTS:
        marks = []
        if case.fast_gap and check == "fast":
            marks.append(pytest.mark.xfail(strict=True, reason=case.fast_gap))
        marked.append(pytest.param(case, id=case.name, marks=marks))
    return marked


def assert_error(error: ParseError, expected: Expected) -> None:
    assert (error.line, error.column) == (expected.line, expected.column), error.format()
    assert re.match(expected.message, error.message), error.message
    assert error.path == "bad.mlir"
    assert "\n" not in error.format()


def test_the_unbroken_module_reads():
    module = read_module_strict(MODULE, "good.mlir")
    assert [op.name for op in module.walk()] == [
        "module", "func.func", "stablehlo.gather", "stablehlo.abs", "return",
    ]  # fmt: skip


@pytest.mark.parametrize("case", _params("fast"))
def test_fast_reader_error(case: BadInput):
    with pytest.raises(ParseError) as caught:
        read_module(case.text, "bad.mlir")
    assert_error(caught.value, case.fast)


@pytest.mark.parametrize("case", _params("strict"))
def test_strict_mode_error(case: BadInput):
    with pytest.raises(ParseError) as caught:
        read_module_strict(case.text, "bad.mlir")
    assert_error(caught.value, case.strict)


def test_non_utf8_file_is_a_parse_error_at_the_bad_byte(tmp_path):
    path = tmp_path / "bad.mlir"
    data = MODULE.encode().replace(b"stablehlo.abs", b"stablehlo.\xffabs")
    path.write_bytes(data)
    with pytest.raises(ParseError) as caught:
        read_source(path)
    error = caught.value
    assert (error.line, error.column) == (6, MODULE_LINES[5].index("abs") + 1)
    assert error.message == "input is not UTF-8 text (byte 0xff)"
    assert error.path == str(path)


# -- the command line -----------------------------------------------------------------------------------------


def run_lint(directory: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(HLO_FIX), "lint", "bad.mlir"], cwd=directory, capture_output=True, text=True, timeout=30
    )


def assert_one_error_line(result: subprocess.CompletedProcess) -> tuple[int, int]:
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    match = CLI_ERROR.match(lines[0])
    assert match, lines[0]
    return int(match.group(1)), int(match.group(2))


@pytest.mark.skipif(not HLO_FIX.exists(), reason="the hlo-fix script is not installed next to this Python")
@pytest.mark.parametrize("case", _params("fast"))
def test_cli_reports_one_error_line(case: BadInput, tmp_path):
    (tmp_path / "bad.mlir").write_text(case.text, encoding="utf-8")
    assert assert_one_error_line(run_lint(tmp_path)) == (case.fast.line, case.fast.column)


@pytest.mark.skipif(not HLO_FIX.exists(), reason="the hlo-fix script is not installed next to this Python")
def test_cli_reports_non_utf8_file(tmp_path):
    (tmp_path / "bad.mlir").write_bytes(b"module {\n  \xc3\x28\n}\n")
    assert assert_one_error_line(run_lint(tmp_path)) == (2, 3)


# -- decoders on text the fast reader let through -------------------------------------------------------------


def test_decoder_errors_point_into_the_file():
    text = MODULE.replace("stablehlo.abs %0", "stablehlo.abs \x01%0")
    try:
        op = read_module(text, "bad.mlir").ops_named("stablehlo.abs")[0]
        op.attributes.names()
        op.result_types
    except ParseError as error:
        assert (error.line, error.column) == (6, 24), error.format()
    else:
        pytest.fail("the control character went unreported")


# -- random damage --------------------------------------------------------------------------------------------

FUZZ_FIXTURE = REPO / "fixtures" / "router_gather_scatter_shardy_f32_debug.mlir"
FUZZ_CASES = 300
STRICT_FUZZ_CASES = 60
CASE_TIME_LIMIT_S = 1.0  # a case takes milliseconds; this only catches runaway loops on a busy machine
HANG_LIMIT_S = 10


class Hang(Exception):
    pass


@contextmanager
def hang_guard(seconds: int):
    """Interrupt a case that never returns (SIGALRM; a no-op where there is none)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def interrupt(signum, frame):
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def mutations(text: str, count: int, seed: int):
    """(description, damaged text): a line deleted, duplicated or swapped, or a character deleted, duplicated,
    swapped or inserted (from the characters that matter to the readers)."""
    rng = random.Random(seed)
    for _ in range(count):
        lines = text.split("\n")
        kind = rng.choice(["delete line", "duplicate line", "swap lines", "delete char", "duplicate char",
                           "swap chars", "insert char"])  # fmt: skip
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        a, b = sorted(rng.sample(range(len(text)), 2))
        if kind == "delete line":
            del lines[i]
        elif kind == "duplicate line":
            lines.insert(i, lines[i])
        elif kind == "swap lines":
            lines[i], lines[j] = lines[j], lines[i]
        if kind.endswith("line") or kind.endswith("lines"):
            yield f"{kind} {i + 1} {j + 1}", "\n".join(lines)
        elif kind == "delete char":
            yield f"{kind} at {a}", text[:a] + text[a + 1 :]
        elif kind == "duplicate char":
            yield f"{kind} at {a}", text[:a] + text[a] + text[a:]
        elif kind == "swap chars":
            yield f"{kind} {a} {b}", text[:a] + text[b] + text[a + 1 : b] + text[a] + text[b + 1 :]
        else:
            yield f"{kind} at {a}", text[:a] + rng.choice('{}()[]<>"%#^:=,\\\n @!x0\x00') + text[a:]


def read_and_decode(text: str) -> None:
    """What a lint run does with a module: read it, print it, decode each op's types, attributes and location.
    A ParseError is an answer; any other exception is a bug."""
    try:
        module = read_module(text, "fuzz.mlir")
    except ParseError:
        return
    assert print_module(module) == text
    for op in module.walk():
        try:
            op.result_types, op.attributes.names(), op.location
        except ParseError:
            pass


def test_random_damage_gives_a_module_or_a_parse_error():
    text = FUZZ_FIXTURE.read_text(encoding="utf-8")
    slowest = 0.0
    for description, damaged in mutations(text, FUZZ_CASES, seed=20240611):
        started = time.perf_counter()
        try:
            with hang_guard(HANG_LIMIT_S):
                read_and_decode(damaged)
        except Exception as exc:  # noqa: BLE001 - the point is to name the case
            raise AssertionError(f"{description}: {type(exc).__name__}: {exc}") from exc
        slowest = max(slowest, time.perf_counter() - started)
    assert slowest < CASE_TIME_LIMIT_S


def test_random_damage_gives_strict_mode_a_module_or_a_parse_error():
    text = FUZZ_FIXTURE.read_text(encoding="utf-8")
    for description, damaged in mutations(text, STRICT_FUZZ_CASES, seed=7):
        try:
            with hang_guard(HANG_LIMIT_S):
                read_module_strict(damaged, "fuzz.mlir")
        except ParseError:
            pass
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(f"{description}: {type(exc).__name__}: {exc}") from exc
