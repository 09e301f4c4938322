"""A long function header is read one argument at a time (`hlo_fix.ir.headers`); it must say exactly what the
header tokenized whole says. Both paths are run on every function of every fixture (JAX, PyTorch/XLA, torchax;
Shardy and GSPMD, whose `mhlo.sharding` strings hold commas and brackets), by lowering the length from which the
per-argument path is taken, and on a generated `main` long enough to take it by default."""

from __future__ import annotations

from pathlib import Path

import pytest

import hlo_fix
import hlo_fix.ir.attributes as attributes
import hlo_fix.ir.types as types
import hlo_fix.sharding.analysis as analysis
from hlo_fix.ir.headers import LONG_HEADER, function_header
from hlo_fix.ir.scanner import read_module
from hlo_fix.sharding.analysis import ShardingAnalysis

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILES = sorted([*FIXTURES.glob("*.mlir"), *FIXTURES.glob("transformers/*.mlir"), *FIXTURES.glob("transformers/decode/*.mlir")])


def _facts(text: str, name: str):
    """What the decoders say of every function: argument types, declared shardings, symbols, and the findings."""
    module = read_module(text, name)
    functions = module.ops_named("func.func")
    argument_types = [[(a.name, str(a.type), a.type_text) for r in f.regions for a in r.arguments] for f in functions]
    sharding = ShardingAnalysis(module)
    declared = sorted((v.name, repr(s)) for f in functions for r in f.regions for v in r.arguments
                      if (s := sharding.declared.get(id(v))) is not None)
    returned = sorted(repr(s) for s in sharding.declared.values())
    symbols = [f.attributes.symbol() for f in functions]
    findings = [(f.code, f.row, f.column, f.message) for f in hlo_fix.lint_text(text, name)]
    return argument_types, declared, returned, symbols, findings


def _with_threshold(monkeypatch, value: int) -> None:
    monkeypatch.setattr(types, "LONG_HEADER", value)
    monkeypatch.setattr(analysis, "LONG_HEADER", value)
    monkeypatch.setattr(attributes, "_LONG_TEXT", value)
    for table in (attributes._DECODED, types._SIGNATURES):
        table.clear()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_per_argument_reading_agrees_with_the_whole_header(path, monkeypatch):
    text = path.read_text(encoding="utf-8")
    _with_threshold(monkeypatch, 1 << 40)
    whole = _facts(text, str(path))
    _with_threshold(monkeypatch, 0)
    assert _facts(text, str(path)) == whole


def _long_main(arguments: int) -> str:
    """A Shardy `main` whose arguments and results vary in the ways a header can: strings holding commas,
    brackets, quotes and ` loc(`, quoted attribute names, locations of several forms."""
    args, results, body = [], [], []
    kinds = [
        ('tensor<8x16xf32>', '{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}', 'loc("a, (b) loc(c)")'),
        ('tensor<8x16xf32>', '{"sdy.sharding" = #sdy.sharding<@mesh, [{}, {"x"}]>, jax.name = "w\\"[0], <1>"}', ""),
        ('tensor<8x16xf32>', "", 'loc(unknown)'),
        ('tensor<8x16xf32>', '{sdy.sharding = #sdy.sharding<@mesh, [{}, {?}]>}', 'loc(#loc1)'),
        ('tensor<8x16xf32>', '{sdy.sharding = #sdy.sharding<@mesh, [{"x", "y"}, {}]>, jax.b = [1, 2]}', 'loc("p"("q"))'),
    ]
    for i in range(arguments):
        type_text, attrs, loc = kinds[i % len(kinds)]
        args.append(f"%arg{i}: {type_text}{' ' + attrs if attrs else ''}{' ' + loc if loc else ''}")
        dim = '{"x"}' if i % 3 == 0 else "{}"
        results.append(f'tensor<8x16xf32> {{jax.result_info = "result[{i}], ({i})", '
                       f"sdy.sharding = #sdy.sharding<@mesh, [{dim}, {{}}]>}}")
        body.append(f"%arg{i}")
    types_list = ", ".join(["tensor<8x16xf32>"] * arguments)
    return (
        "#loc1 = loc(\"here\")\n"
        "module @m {\n"
        '  sdy.mesh @mesh = <["x"=2, "y"=2]>\n'
        f"  func.func public @main({', '.join(args)}) -> ({', '.join(results)}) {{\n"
        f"    %0 = stablehlo.iota dim = 0 : tensor<8x16xi32>\n"
        f"    return {', '.join(body)} : {types_list}\n"
        "  }\n"
        "}\n"
    )


def test_a_long_generated_main_is_read_per_argument_and_agrees(monkeypatch):
    text = _long_main(1200)
    module = read_module(text, "long.mlir")
    main = module.ops_named("func.func")[0]
    assert len(main.own_text) >= LONG_HEADER
    header = function_header(main)
    assert header is not None and len(header.arguments) == 1200 and len(header.results) == 1200
    assert header.arguments[0].attributes["sdy.sharding"] == '#sdy.sharding<@mesh, [{"x"}, {}]>'
    assert header.arguments[1].attributes["jax.name"] == '"w\\"[0], <1>"'
    assert header.arguments[2].attributes == {} and header.arguments[2].type_text == "tensor<8x16xf32>"
    assert header.results[3]["jax.result_info"] == '"result[3], (3)"'
    per_argument = _facts(text, "long.mlir")
    _with_threshold(monkeypatch, 1 << 40)
    assert _facts(text, "long.mlir") == per_argument


@pytest.mark.parametrize(
    "header",
    [
        # a comment may hide brackets; a metadata section too; an argument bound with `=`; no argument list
        "func.func @f(%a: tensor<f32> // note (\n",
        "func.func @f(%a: tensor<f32>, %b = %a) -> tensor<f32>",
        "func.func @f",
    ],
)
def test_what_is_not_the_plain_form_is_left_to_the_whole_header(header):
    class _Op:
        name = "func.func"
        own_text = header

    assert function_header(_Op()) is None
