"""Ops whose syntax requires a body: without one, the file was most likely cut off before its first `{`.

The reader ends an op where its text ends, so `module @jit_f attributes {...}` or `func.func @main(%arg0: ...) ->
tensor<4xf32>` alone on a line is a complete statement to it, and a file cut there would pass as clean. MLIR
rejects both: a `module` always has a region (its custom form ends in one), and a function without a body is a
declaration, which must not be public ("symbol declaration cannot have public visibility").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.errors import ParseError
from hlo_fix.ir.tokens import matching_close, tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.views import ModuleView, OpView

_MODULES = ("module", "builtin.module")
_FUNCTIONS = ("func.func",)
_NOT_PUBLIC = frozenset({"private", "nested"})
_HEAD = 256  # characters of a function's text that hold its name, visibility and symbol


def check_bodies(module: ModuleView) -> None:
    """Raise ParseError at the first module without a region, or public function without a body."""
    for name in _MODULES:
        for op in module.ops_by_name.get(name, ()):
            if op.regions:
                continue
            tokens = tokenize(module.text[op.start : op.end], strict=False)
            if tokens and tokens[0].type == "GENERIC_OP_NAME":
                continue  # `"builtin.module"() ({}) : ...`: left to MLIR's verifier, as every generic op is
            body = _body_tokens(tokens)
            if body is None:
                line, column = module.position(op.end)
                raise ParseError("expected '{' to begin the module's body (is the file cut off?)", line, column)
            if len(body) > 2:  # `module {foo.bar}`: read as a dictionary, since `foo.bar` is no op name it knows
                line, column = module.position(op.start + body[1].start)
                raise ParseError(f"expected an operation in the module's body, found '{body[1].value}'", line, column)
    for name in _FUNCTIONS:
        for op in module.ops_by_name.get(name, ()):
            if not op.regions and _visibility(module, op) not in _NOT_PUBLIC:
                raise ParseError(
                    "a public function needs a body: expected '{' after its signature (is the file cut off?)",
                    op.line,
                    op.column,
                )


def _body_tokens(tokens) -> list | None:
    """The tokens of a region-less module's `{...}` after its symbol and `attributes {...}`: `[{, }]` for the
    empty body the reader keeps no region for; None where no body follows (a cut-off head)."""
    at = 1
    if at < len(tokens) and tokens[at].type == "SYMBOL_REF":
        at += 1
    if at < len(tokens) and tokens[at].type == "BARE_ID" and tokens[at].value == "attributes":
        at += 1
        if at < len(tokens) and tokens[at].type == "LBRACE":
            at = matching_close(tokens, at) + 1
    if at >= len(tokens) or tokens[at].type != "LBRACE":
        return None
    return tokens[at : matching_close(tokens, at) + 1]


def _visibility(module: ModuleView, op: OpView) -> str:
    """`private` in `func.func private @f(...)`; "" when the op's custom form names none (public)."""
    tokens = tokenize(module.text[op.start : min(op.end, op.start + _HEAD)], strict=False)
    return tokens[1].value if len(tokens) > 1 and tokens[1].type == "BARE_ID" else ""
