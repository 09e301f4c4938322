"""Strict mode: the whole text is parsed with the complete grammar before the fast reader builds the IR.

The fast reader (`hlo_fix.ir.scanner`) trusts MLIR's printing conventions and checks little; strict mode is for
input that may be hand-edited or damaged: the LALR parse of `grammar/stablehlo.lark` rejects anything that is not
well-formed MLIR text, at the exact line and column. The IR is still the fast reader's, so callers get the same
objects either way.

The parse tree also gives an independent view of each op's structure (results, operand uses, regions, nesting).
`agreement` compares it with the fast reader's IR; the tests run it on every corpus module.
"""

from __future__ import annotations

import functools
from typing import Iterator, NamedTuple

from hlo_fix.errors import ParseError
from hlo_fix.ir.grammar import grammar_text
from hlo_fix.ir.model import Module, Op
from hlo_fix.ir.postlex import RegionPostLexer
from hlo_fix.ir.scanner import read_module
from hlo_fix.ir.tokens import known_strings

# How a Lark token type is named in an error message, where its text would not say it.
_SHOWN_TOKENS = {"_SEP": "end of statement"}
_MAX_SHOWN = 40


class OpSummary(NamedTuple):
    """What both readers must agree on for one op: where it starts, its name, the values it defines and uses
    (in text order, multi-results expanded to `%0#0`, `%0#1`), how many regions it has and how deeply it nests."""

    line: int
    column: int
    name: str
    results: tuple[str, ...]
    operands: tuple[str, ...]
    regions: int
    depth: int

    def describe(self) -> str:
        results = ", ".join(self.results)
        head = f"{results} = {self.name}" if results else self.name
        return (
            f"{self.line}:{self.column} {head}({', '.join(self.operands)})"
            f" regions={self.regions} depth={self.depth}"
        )


# -- parsing ---------------------------------------------------------------------------------------------------


@functools.cache
def strict_parser():
    """The grammar's module parser, keeping punctuation tokens in the tree: a value reference followed by `:`
    or `=` defines a value (`%arg0: tensor<f32>`, `%iterArg = %init`) rather than using it, and only the kept
    tokens tell. Same grammar, tables and post-lexer as `hlo_fix.ir.grammar.parser("start")`."""
    import lark

    return lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="basic",
        start="start",
        postlex=RegionPostLexer(),
        propagate_positions=True,
        maybe_placeholders=False,
        keep_all_tokens=True,
        cache=True,
    )


def parse_tree(text: str, filename: str = "<input>"):
    """The Lark parse tree of a whole module; raises ParseError (1-based line and column) on malformed text.
    Strings longer than a few kilobytes (weights baked in as hex) are parsed as `""`: Lark would copy each into
    a token, and what they hold is no part of the syntax. Error positions are mapped back to the text."""
    return _parse(text, filename)[0]


def _parse(text: str, filename: str):
    """(`parse_tree`'s tree, the long strings cut out of the skeleton)."""
    from lark.exceptions import LarkError, UnexpectedCharacters

    skeleton, cuts = _without_long_strings(text)
    try:
        return strict_parser().parse(skeleton), cuts
    except UnexpectedCharacters as exc:
        # The post-lexer reads every token before the parser starts, so a bad character is found before any
        # syntax error; report whichever comes first in the text.
        error = _syntax_error_before(skeleton, exc.pos_in_stream, filename) or _parse_error(exc, skeleton, filename)
    except LarkError as exc:
        error = _parse_error(exc, skeleton, filename)
    if cuts:
        _map_back(error, skeleton, text, cuts)
    raise error


_LONG_LINE = 1 << 20  # only lines this long are looked at for long strings
_LONG_STRING = 4096


def _without_long_strings(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text with the body of each long string on a long line left out, and the (offset in the text, length
    left out) of each cut."""
    from hlo_fix.ir.tokens import Cursor

    cuts: list[tuple[int, int]] = []
    pos = 0
    while True:
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        if end - pos > _LONG_LINE:
            cursor = Cursor(text, pos, end)
            while True:
                kind, start, stop = cursor.token()
                if kind == "$END" or start >= end:
                    break
                if kind in ("STRING", "GENERIC_OP_NAME") and stop - start > _LONG_STRING:
                    cuts.append((start + 1, stop - start - 2))
                cursor.take()
        if end >= len(text):
            break
        pos = end + 1
    if not cuts:
        return text, cuts
    pieces, at = [], 0
    for start, length in cuts:
        pieces.append(text[at:start])
        at = start + length
    pieces.append(text[at:])
    return "".join(pieces), cuts


def _map_back(error: ParseError, skeleton: str, text: str, cuts: list[tuple[int, int]]) -> None:
    """Move an error's line and column from the skeleton to the text."""
    line_start = 0
    for _ in range(error.line - 1):
        line_start = skeleton.index("\n", line_start) + 1
    offset = line_start + error.column - 1
    removed = 0
    for start, length in cuts:
        if start - removed > offset:
            break
        removed += length
    offset += removed
    error.line = text.count("\n", 0, offset) + 1
    error.column = offset - (text.rfind("\n", 0, offset) + 1) + 1


def _syntax_error_before(text: str, end: int, filename: str) -> ParseError | None:
    """A syntax error in `text[:end]` other than its running out, if there is one."""
    from lark.exceptions import LarkError, UnexpectedToken

    try:
        strict_parser().parse(text[:end])
    except UnexpectedToken as exc:
        return None if exc.token.type == "$END" else _parse_error(exc, text, filename)
    except LarkError:
        return None
    return None


def read_module_strict(text: str, filename: str = "<input>") -> Module:
    """Check the text against the complete grammar, then read it with the fast reader (same IR as
    `read_module`). The fast reader's own checks (empty input, dangling `loc(#locN)` aliases) still apply."""
    _, cuts = _parse(text, filename)
    # The long strings found for the skeleton are not searched for again (`known_strings`).
    with known_strings(text, {start - 1: start + length + 1 for start, length in cuts}):
        return read_module(text, filename)


def _parse_error(exc: Exception, text: str, filename: str) -> ParseError:
    """A short message at the offending token or character."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if isinstance(exc, UnexpectedCharacters):
        return ParseError(f"unexpected character {exc.char!r}", exc.line, exc.column, filename)
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        line, column = _end_position(text)
        return ParseError("unexpected end of input", line, column, filename)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        shown = _SHOWN_TOKENS.get(token.type) or f"'{_clip(str(token))}'"
        return ParseError(f"unexpected {shown}", token.line or 1, token.column or 1, filename)
    line, column = getattr(exc, "line", 1), getattr(exc, "column", 1)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ParseError(message, max(line or 1, 1), max(column or 1, 1), filename)


def _end_position(text: str) -> tuple[int, int]:
    """Just past the last character that is not whitespace: where a truncated file stops."""
    end = len(text.rstrip())
    line_start = text.rfind("\n", 0, end) + 1
    return text.count("\n", 0, end) + 1, end - line_start + 1


def _clip(value: str) -> str:
    return value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 3] + "..."


# -- structure from the parse tree -----------------------------------------------------------------------------


def structure_from_tree(tree) -> list[OpSummary]:
    """Every op of a `parse_tree` in text order (an op before the ops of its regions)."""
    summaries: list[OpSummary] = []
    for child in _subtrees(tree):
        if child.data == "operation":
            _summarize(child, 0, summaries)
    return summaries


def _summarize(operation, depth: int, out: list[OpSummary]) -> None:
    results: list[str] = []
    name = ""
    own_tokens: list = []
    regions: list = []
    for child in operation.children:
        if _is_tree(child) and child.data == "results":
            results = _result_names(child)
        elif _is_tree(child) and child.data == "op_name":
            token = child.children[0]
            name = token.value[1:-1] if token.type == "GENERIC_OP_NAME" else token.value
        elif _is_tree(child):
            _collect(child, own_tokens, regions)
        elif child.type != "EQUAL" or name:  # the `=` after the results is no part of the op's own text
            own_tokens.append(child)
    out.append(
        OpSummary(
            operation.meta.line,
            operation.meta.column,
            name,
            tuple(results),
            tuple(_uses(own_tokens)),
            len(regions),
            depth,
        )
    )
    for region in regions:
        for entry in _subtrees(region):
            if entry.data == "operation":
                _summarize(entry, depth + 1, out)


def _result_names(results) -> list[str]:
    """`%0:2` is two results, `%0#0` and `%0#1`."""
    names = []
    for result in _subtrees(results):
        value = result.children[0].value
        count = next((int(t.value) for t in result.children[1:] if t.type == "INT"), None)
        names.extend([value] if count is None else [f"{value}#{i}" for i in range(count)])
    return names


def _collect(item, tokens: list, regions: list) -> None:
    """Flatten an op's own items into `tokens` (brackets included: they tell an argument list's `%x: type` from
    the signature's `%x : type`), and gather its regions, which may sit inside a group (`({ ^bb0... })`)."""
    if not _is_tree(item):
        if item.type != "_NL":
            tokens.append(item)
        return
    if item.data == "region":
        regions.append(item)
        tokens.append(_REGION)
        return
    for child in item.children:
        _collect(child, tokens, regions)


_REGION = object()  # stands in an op's own tokens for a region: nothing inside it is the op's own


def _uses(tokens: list) -> Iterator[str]:
    """Value references that are uses: not `%x = ...` (anywhere) and not `%x: type` inside brackets (argument
    lists). At an op's top level `%x : type` is the op's signature after its last operand, a use."""
    depth = 0
    for i, token in enumerate(tokens):
        if token is _REGION:
            continue
        kind = token.type
        if kind in ("LPAR", "LSQB", "LESSTHAN", "LBRACE"):
            depth += 1
        elif kind in ("RPAR", "RSQB", "MORETHAN", "RBRACE"):
            depth -= 1
        elif kind == "VALUE_REF":
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            after_type = None if after is None or after is _REGION else after.type
            if after_type == "EQUAL" or (after_type == "COLON" and depth > 0):
                continue
            yield _first_result_shorthand(token.value)


def _first_result_shorthand(name: str) -> str:
    """`%x#0` as `%x`: both name the first result of `%x:2 = ...`, and the fast reader links either to it."""
    return name[:-2] if name.endswith("#0") else name


def _subtrees(tree) -> Iterator:
    return (child for child in tree.children if _is_tree(child))


def _is_tree(node) -> bool:
    return hasattr(node, "data")


# -- structure from the fast reader's IR -----------------------------------------------------------------------


def structure_from_module(module: Module) -> list[OpSummary]:
    """Every op of the fast reader's IR in text order, in the same terms as `structure_from_tree`."""
    summaries: list[OpSummary] = []
    for op in module.ops:
        _summarize_op(op, 0, summaries)
    return summaries


def _summarize_op(op: Op, depth: int, out: list[OpSummary]) -> None:
    out.append(
        OpSummary(
            op.line,
            op.column,
            op.name,
            tuple(value.name for value in op.results),
            tuple(_first_result_shorthand(value.name) for value in op.operands),
            len(op.regions),
            depth,
        )
    )
    for region in op.regions:
        for nested in region.ops:
            _summarize_op(nested, depth + 1, out)


# -- agreement -------------------------------------------------------------------------------------------------


def agreement(text: str, filename: str = "<input>") -> list[str]:
    """Differences between what the parse tree says and what the fast reader builds, one line each; empty when
    they agree. Whether the text is accepted is compared too: the tree's verdict includes the two checks the
    fast reader makes beyond the grammar (at least one op; every `loc(#locN)` alias defined), so both rejecting
    counts as agreement even where they stop at different places."""
    tree_error = fast_error = None
    tree = module = None
    try:
        tree = parse_tree(text, filename)
        tree_error = _semantic_error(tree)
    except ParseError as exc:
        tree_error = str(exc)
    try:
        module = read_module(text, filename)
    except ParseError as exc:
        fast_error = str(exc)
    if tree_error and fast_error:
        return []
    if tree_error:
        return [f"the parse tree rejects the text ({tree_error}); the fast reader accepts it"]
    if fast_error:
        return [f"the fast reader rejects the text ({fast_error}); the parse tree accepts it"]
    return compare_structures(structure_from_tree(tree), structure_from_module(module))


def _semantic_error(tree) -> str | None:
    """What the fast reader rejects although the grammar allows it, found from the tree."""
    statements = list(_subtrees(tree))
    if not any(statement.data == "operation" for statement in statements):
        return "no operation"
    defined = {statement.children[0].value for statement in statements if statement.data == "alias_def"}
    undefined = sorted(_location_alias_references(tree) - defined)
    return f"undefined location alias {undefined[0]}" if undefined else None


def _location_alias_references(tree) -> set[str]:
    """Names in `loc(#name)`, anywhere in the text."""
    names = set()
    for node in tree.iter_subtrees():
        children = node.children
        for before, group in zip(children, children[1:]):
            if (
                not _is_tree(before)
                and before.type == "BARE_ID"
                and before.value == "loc"
                and _is_tree(group)
                and group.data == "paren_group"
                and len(group.children) == 3
                and not _is_tree(group.children[1])
                and group.children[1].type == "ATTR_REF"
            ):
                names.add(group.children[1].value)
    return names


def compare_structures(strict: list[OpSummary], fast: list[OpSummary]) -> list[str]:
    """Op-by-op differences; after the first op that is missing on one side, the rest would all differ, so the
    comparison stops there."""
    differences: list[str] = []
    for index, (a, b) in enumerate(zip(strict, fast)):
        if (a.line, a.column, a.name) != (b.line, b.column, b.name):
            differences.append(f"op #{index}: strict reads {a.describe()}, the fast reader {b.describe()}")
            return differences
        for field in ("results", "operands", "regions", "depth"):
            if getattr(a, field) != getattr(b, field):
                differences.append(
                    f"{a.line}:{a.column} {a.name}: {field} differ: strict {getattr(a, field)!r},"
                    f" fast reader {getattr(b, field)!r}"
                )
    if len(strict) != len(fast):
        longer, side = (strict, "strict mode") if len(strict) > len(fast) else (fast, "the fast reader")
        extra = longer[min(len(strict), len(fast))]
        differences.append(f"{side} reads {abs(len(strict) - len(fast))} more op(s), from {extra.describe()}")
    return differences
