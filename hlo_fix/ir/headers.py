"""A function header read one argument at a time: `func.func @main(%arg0: T {attrs} loc(...), ...) -> (T {attrs})`.

An export's `main` can take thousands of arguments and return as many results on one megabyte-long line, and
tokenizing that line costs a quarter of a second. Its arguments repeat a few shapes, so each argument's text is
decoded once per shape: with its value name and trailing location cut off and the contents of its strings blanked
(same length), the spans the decode finds (type, attribute names and values) hold for every argument of that shape
and are read back from each one's own text. Outside strings and comments every bracket character is a bracket
token, so the arguments are split at the top-level commas found by counting brackets.

The span helpers below are also what the whole-header path (`tokenize` the header, the fallback) uses, so both
paths read an argument the same way."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from hlo_fix.ir.attributes import value_end
from hlo_fix.ir.grammar import terminal_patterns
from hlo_fix.ir.memo import TextTable
from hlo_fix.ir.tokens import CLOSERS, OPENERS, Token, matching_close, tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.views import OpView

# Headers shorter than this are tokenized whole (the common case: a few arguments).
LONG_HEADER = 1 << 16
_GROUPS = ("LESSTHAN", "LPAR", "LSQB")
_SPACE = " \t\r\n\x0c"
Span = tuple[int, int]


# -- spans in a token list (shared by both paths) ------------------------------------------------------------
def argument_type_span(tokens: list[Token], start: int) -> Span | None:
    """The type written from tokens[start] (just after `%name:`): up to a `,`, `)`, `{` or `loc`."""
    k = start
    while k < len(tokens) and not (tokens[k].type in ("COMMA", "RPAR", "LBRACE") or (
            tokens[k].type == "BARE_ID" and tokens[k].value == "loc")):
        if tokens[k].type in _GROUPS:
            k = matching_close(tokens, k)
        k += 1
    return (tokens[start].start, tokens[k - 1].end) if k > start else None


def dict_entry_spans(tokens: list[Token], open_index: int) -> list[tuple[Span, Span]]:
    """(name span, value span) of each `name = value` of the dictionary opened at `open_index`, in order."""
    close = matching_close(tokens, open_index)
    entries = []
    depth = tokens[open_index].depth + 1
    for i in range(open_index + 1, close):
        tok = tokens[i]
        if tok.depth == depth and tok.type in ("ATTR_KEY", "STRING") and tokens[i + 1].type == "EQUAL":
            end = value_end(tokens, i + 2, stop_at_colon=False)
            entries.append(((tok.start, tok.end), (tokens[i + 2].start, tokens[end - 1].end)))
    return entries


def next_dict_spans(tokens: list[Token], start: int, stop: int) -> list[tuple[Span, Span]]:
    """The entries of the dictionary that follows an argument's type, before the next argument."""
    i = start
    while i < stop and tokens[i].type not in ("COMMA", "LBRACE"):
        if tokens[i].type in _GROUPS:
            i = matching_close(tokens, i)
        i += 1
    if i >= stop or tokens[i].type != "LBRACE":
        return []
    return dict_entry_spans(tokens, i)


def result_dict_spans(tokens: list[Token], start: int) -> list[list[tuple[Span, Span]]]:
    """Per result, its dictionary's entries: `-> (T {a = 1}, T)` or `-> T {a = 1}` or `-> T`, from the token after
    the arrow."""
    if start >= len(tokens):
        return []
    if tokens[start].type == "LPAR":
        close = matching_close(tokens, start)
        results: list[list[tuple[Span, Span]]] = [[]]
        i = start + 1
        while i < close:
            tok = tokens[i]
            if tok.type == "COMMA" and tok.depth == tokens[start].depth + 1:
                results.append([])
            elif tok.type == "LBRACE" and tok.depth == tokens[start].depth + 1:
                results[-1] = dict_entry_spans(tokens, i)
                i = matching_close(tokens, i)
            elif tok.type in _GROUPS:
                i = matching_close(tokens, i)
            i += 1
        return results
    i = start
    while i < len(tokens) and tokens[i].type != "LBRACE":
        if tokens[i].type in _GROUPS:
            i = matching_close(tokens, i)
        i += 1
    if i < len(tokens) and tokens[i].type == "LBRACE":
        # The function body's `{` is not in the own text, so a brace here is the result's dictionary.
        return [dict_entry_spans(tokens, i)]
    return [[]]


def entries_text(entries: list[tuple[Span, Span]], text: str, base: int = 0) -> dict[str, str]:
    """The entries as {name: raw value} (a repeated name keeps its last value), read from `text` at `base`."""
    return {
        text[base + a : base + b].strip('"'): text[base + c : base + d] for (a, b), (c, d) in entries
    }


# -- the per-argument path -----------------------------------------------------------------------------------
class HeaderArgument:
    __slots__ = ("name", "type_text", "attributes")

    def __init__(self, name: str, type_text: str, attributes: dict[str, str]):
        self.name = name
        self.type_text = type_text
        self.attributes = attributes


class FunctionHeader:
    """`arguments` in order; `results`, per result its attribute dictionary, None when no `->` follows the
    argument list."""

    __slots__ = ("arguments", "results")

    def __init__(self, arguments: list[HeaderArgument], results: list[dict[str, str]] | None):
        self.arguments = arguments
        self.results = results


@functools.cache
def _string() -> re.Pattern:
    return re.compile(terminal_patterns()["STRING"])


@functools.cache
def _value_ref() -> re.Pattern:
    return re.compile(terminal_patterns()["VALUE_REF"])


_BRACKETS = re.compile(r"[,()\[\]{}<>]")
_OPENING = frozenset("([{<")


def _blanked(string: re.Match) -> str:
    return '"' + " " * (len(string.group()) - 2) + '"'


def function_header(func: "OpView") -> FunctionHeader | None:
    """The header of a `func.func` read per argument; None where its text is not the plain form (a comment, a
    metadata section, an argument that is not `%name: type {attrs} loc(...)`): callers tokenize it whole."""
    text = func.own_text
    if func.name != "func.func" or "//" in text or "{-#" in text:
        return None
    known = _RECENT.get(text)
    if known is not None:
        return known[0]
    header = _read(text)
    _RECENT.clear()  # one header at a time: its callers ask right after one another
    _RECENT[text] = (header,)
    return header


_RECENT: dict[str, tuple[FunctionHeader | None]] = {}


def _read(text: str) -> FunctionHeader | None:
    blank = _string().sub(_blanked, text) if '"' in text else text
    work = blank.replace("->", "  ")
    open_at = work.find("(")
    if open_at < 0 or any(t.type == "VALUE_REF" for t in tokenize(text[:open_at], strict=False)):
        return None
    split = _split(work, open_at)
    if split is None:
        return None
    commas, close = split
    arguments = []
    if text[open_at + 1 : close].strip(_SPACE):
        bounds = [open_at, *commas, close]
        for a, b in zip(bounds, bounds[1:]):
            argument = _argument(text, blank, a + 1, b)
            if argument is None:
                return None
            arguments.append(argument)
    results = _results(text, blank, work, close)
    if results is _PLAIN_FORM_ONLY:
        return None
    return FunctionHeader(arguments, results)


def _split(work: str, open_at: int) -> tuple[list[int], int] | None:
    """Positions of the top-level commas of the group opened at `open_at`, and of its closing bracket."""
    commas = []
    depth = 0
    for found in _BRACKETS.finditer(work, open_at):
        char = found.group()
        if char in _OPENING:
            depth += 1
        elif char == ",":
            if depth == 1:
                commas.append(found.start())
        else:
            depth -= 1
            if depth == 0:
                return commas, found.start()
    return None


# Decoded argument shapes: (type span, entries) relative to the text after the name, or None (not the plain form).
_ARGUMENTS: TextTable = TextTable()
_RESULTS: TextTable = TextTable()
_LOCATIONS: TextTable = TextTable()
_NOT_PLAIN = object()
_PLAIN_FORM_ONLY = object()


def _argument(text: str, blank: str, a: int, b: int) -> HeaderArgument | None:
    lead = a
    while lead < b and text[lead] in _SPACE:
        lead += 1
    name = _value_ref().match(text, lead, b)
    if name is None:
        return None
    after = name.end()
    if after < b and text[after] not in _SPACE and text[after] != ":":
        return None
    end = b
    while end > after and text[end - 1] in _SPACE:
        end -= 1
    if text[end - 1 : end] == ")":
        loc = blank.rfind(" loc(", after, end)
        if loc >= 0 and _is_location(blank[loc + 1 : end]):
            end = loc
    shape = blank[after:end]
    facts = _ARGUMENTS.get(shape, _NOT_PLAIN)
    if facts is _NOT_PLAIN:
        facts = _ARGUMENTS.put(shape, _argument_facts(shape))
    if facts is None:
        return None
    type_span, entries = facts
    type_text = text[after + type_span[0] : after + type_span[1]] if type_span is not None else ""
    return HeaderArgument(name.group(), type_text, entries_text(entries, text, after))


def _is_location(candidate: str) -> bool:
    """Whether the (string-blanked) text is exactly one `loc(...)`."""
    found = _LOCATIONS.get(candidate)
    if found is None:
        tokens = tokenize(candidate, strict=False)
        found = _LOCATIONS.put(
            candidate,
            len(tokens) >= 3 and tokens[0].type == "BARE_ID" and tokens[0].value == "loc"
            and tokens[1].type == "LPAR" and _balanced(tokens) and matching_close(tokens, 1) == len(tokens) - 1
            and tokens[-1].end == len(candidate),
        )
    return found


def _balanced(tokens: list[Token]) -> bool:
    depth = 0
    for tok in tokens:
        if tok.type in OPENERS:
            depth += 1
        elif tok.type in CLOSERS:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _argument_facts(shape: str):
    """What `: T {attrs}` says, as spans; None unless it is one type with an optional dictionary and no value."""
    tokens = tokenize(shape, strict=False)
    if not tokens or tokens[0].type != "COLON" or not _balanced(tokens):
        return None
    if any(t.type == "VALUE_REF" for t in tokens):
        return None
    return argument_type_span(tokens, 1), next_dict_spans(tokens, 1, len(tokens))


def _results(text: str, blank: str, work: str, close: int):
    """Per result its dictionary, None without an arrow, or `_PLAIN_FORM_ONLY` where the rest is not plain."""
    at = close + 1
    while at < len(text) and text[at] in _SPACE:
        at += 1
    if text.startswith("->", at):
        open_at = at + 2
        while open_at < len(text) and text[open_at] in _SPACE:
            open_at += 1
        if text[open_at : open_at + 1] == "(":
            split = _split(work, open_at)
            if split is None:
                return _PLAIN_FORM_ONLY
            commas, end = split
            if any(t.type == "VALUE_REF" for t in tokenize(text[end + 1 :], strict=False)):
                return _PLAIN_FORM_ONLY
            if not text[open_at + 1 : end].strip(_SPACE):
                return [{}]
            results = []
            bounds = [open_at, *commas, end]
            for a, b in zip(bounds, bounds[1:]):
                shape = blank[a + 1 : b]
                facts = _RESULTS.get(shape, _NOT_PLAIN)
                if facts is _NOT_PLAIN:
                    facts = _RESULTS.put(shape, _result_facts(shape))
                if facts is None:
                    return _PLAIN_FORM_ONLY
                results.append(entries_text(facts, text, a + 1))
            return results
    # Anything else after the arguments (`-> T {...}`, `attributes {...}`): short, read whole.
    rest = text[close + 1 :]
    tokens = tokenize(rest, strict=False)
    if any(t.type == "VALUE_REF" for t in tokens):
        return _PLAIN_FORM_ONLY
    arrow = next((i for i, t in enumerate(tokens) if t.type == "ARROW"), None)
    if arrow is None:
        return None
    return [entries_text(entries, rest) for entries in result_dict_spans(tokens, arrow + 1)]


def _result_facts(shape: str):
    """The entries of one result's `T {attrs}`, as spans; None unless balanced and without a value."""
    tokens = tokenize(shape, strict=False)
    if not _balanced(tokens) or any(t.type == "VALUE_REF" for t in tokens):
        return None
    entries: list = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "LBRACE":
            entries = dict_entry_spans(tokens, i)
            i = matching_close(tokens, i)
        elif tok.type in _GROUPS:
            i = matching_close(tokens, i)
        i += 1
    return entries
