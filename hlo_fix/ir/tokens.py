"""MLIR tokens of a snippet (an op's own text, an attribute, a location), for the on-demand decoders.

The master pattern is assembled from the grammar's terminals in Lark's order of precedence, so the decoders see
exactly the tokens the strict parser sees, at C speed (decoding runs for every op a rule looks at).
"""

from __future__ import annotations

import functools
import re
from contextlib import contextmanager
from typing import NamedTuple

from hlo_fix.errors import ParseError
from hlo_fix.ir.grammar import terminal_patterns

# Lark tries higher-priority terminals first (the `.N` suffixes in the grammar), then longer literals.
_ORDER = (
    "GENERIC_OP_NAME",
    "FILE_METADATA",
    "ATTR_KEY",
    "HEX",
    "FLOAT",
    "ARROW",
    "COMMENT",
    "STRING",
    "VALUE_REF",
    "SYMBOL_REF",
    "BLOCK_REF",
    "ATTR_REF",
    "TYPE_REF",
    "BARE_ID",
    "INT",
    "PUNCT",
    "EQUAL",
    "COMMA",
    "COLON",
    "LPAR",
    "RPAR",
    "LSQB",
    "RSQB",
    "LESSTHAN",
    "MORETHAN",
    "LBRACE",
    "RBRACE",
    "WS",
)
OPENERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LESSTHAN": "MORETHAN", "LBRACE": "RBRACE"}
CLOSERS = frozenset(OPENERS.values())


class Token(NamedTuple):
    type: str
    value: str
    start: int
    end: int
    depth: int  # brackets open before this token (an opener has the depth outside it)


@functools.cache
def _master() -> re.Pattern:
    """The grammar's terminals as one alternation, in Lark's order. GENERIC_OP_NAME is STRING followed by a
    look-ahead for `(`: both go in one group, with the look-ahead as an empty group inside it (`_kind` reads
    it), so a string is scanned once, not twice (a 100 MB hex constant costs a second per scan)."""
    return re.compile("|".join(part for _, part in _branches()))


@functools.cache
def _branches() -> tuple[tuple[str, str], ...]:
    """(terminal, branch) of the master pattern, in order."""
    patterns = terminal_patterns()
    string, generic = patterns["STRING"], patterns["GENERIC_OP_NAME"]
    merged = generic.startswith(string)
    parts = []
    for name in _ORDER:
        if name == "GENERIC_OP_NAME" and merged:
            continue
        if name == "STRING" and merged:
            parts.append((name, f"(?P<STRING>{string}(?P<GENERIC_OP_NAME>{generic[len(string):]})?)"))
        else:
            parts.append((name, f"(?P<{name}>{patterns[name]})"))
    return tuple(parts)


@functools.cache
def _by_first_character() -> list[re.Pattern]:
    """For each ASCII character, the master pattern cut down to the terminals that can start with it, in the
    same order (so the same one wins). Python's regular expressions try an alternation's branches one by one:
    the whole master costs about 1.5 us a token, most of it in the two dozen branches that cannot match."""
    patterns = terminal_patterns()
    firsts = {name: _first_characters(patterns[name]) for name, _ in _branches()}
    tables = []
    cache: dict[tuple[str, ...], re.Pattern] = {}
    for code in range(128):
        kept = tuple(part for name, part in _branches() if firsts[name] is None or chr(code) in firsts[name])
        if kept not in cache:
            cache[kept] = re.compile("|".join(kept)) if kept else re.compile("(?!)")
        tables.append(cache[kept])
    return tables


def _first_characters(pattern: str) -> frozenset[str] | None:
    """The ASCII characters a match of `pattern` can start with, or None where that is not worked out (any
    character, then). Lookarounds are skipped: they only narrow what follows."""
    try:
        from re import _parser as parser  # noqa: PLC0415 - CPython's own pattern parser
        from re import _constants as c  # noqa: PLC0415

        items = parser.parse(pattern)
    except (ImportError, re.error):
        return None
    found, _ = _first(items, c)
    return found


def _first(items, c):
    """(first characters or None, whether the sequence can match empty) of a parsed pattern."""
    found: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            return frozenset(found | {chr(av)}), False
        if op is c.IN:
            chars = _charset(av, c)
            return (None if chars is None else frozenset(found | chars)), False
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        if op in (c.SUBPATTERN, c.ATOMIC_GROUP, c.BRANCH, c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            if op is c.SUBPATTERN:
                if av[1] or av[2]:
                    return None, False  # flags inside the group
                alternatives, optional = [av[3]], False
            elif op is c.ATOMIC_GROUP:
                alternatives, optional = [av], False
            elif op is c.BRANCH:
                alternatives, optional = av[1], False
            else:
                alternatives, optional = [av[2]], av[0] == 0
            empty = optional
            for alternative in alternatives:
                chars, can_be_empty = _first(alternative, c)
                if chars is None:
                    return None, False
                found |= chars
                empty = empty or can_be_empty
            if not empty:
                return frozenset(found), False
            continue
        return None, False  # anything else (any character, a negated literal, a back reference)
    return frozenset(found), True


def _charset(av, c) -> set[str] | None:
    chars: set[str] = set()
    for op, value in av:
        if op is c.LITERAL:
            chars.add(chr(value))
        elif op is c.RANGE:
            chars.update(chr(code) for code in range(value[0], min(value[1], 127) + 1))
        elif op is c.CATEGORY:
            chars.update(ch for ch in map(chr, range(128)) if re.match(_category_pattern(value), ch))
        else:
            return None  # a negated set, or one that names non-ASCII characters only by category
    return chars


def _category_pattern(value) -> str:
    """A regular expression for one of the parser's character categories (`\\d`, `\\s`, `\\w`)."""
    return {"CATEGORY_DIGIT": r"\d", "CATEGORY_SPACE": r"\s", "CATEGORY_WORD": r"\w"}.get(str(value), r"[\s\S]")


_GENERIC_AFTER = re.compile(r"\s*\(")


def long_string(text: str, pos: int, newline: int = -1) -> tuple[str, int] | None:
    """(kind, end) of the string token at `pos` when it holds no backslash, found with `str.find` (the STRING
    terminal's regular expression takes 6 ns a character: a 100 MB hex constant would cost a second a scan);
    None where the terminal itself must decide. Same token as the terminal's: up to the next quote, no
    newline; GENERIC_OP_NAME when `(` follows. `newline`, where the caller knows it, is the first newline at
    or after `pos` (one search less over a long line)."""
    known, ends = _KNOWN
    if known is text and pos in ends:
        end = ends[pos]
        return ("GENERIC_OP_NAME" if _GENERIC_AFTER.match(text, end) else "STRING"), end
    close = text.find('"', pos + 1)
    if close < 0 or text.find("\\", pos, close) >= 0:
        return None
    if not (pos <= close < newline) and text.find("\n", pos, close) >= 0:
        return None
    end = close + 1
    return ("GENERIC_OP_NAME" if _GENERIC_AFTER.match(text, end) else "STRING"), end


# Long strings of a text already lexed (the opening quote's offset -> the token's end), while a caller reads it
# again (`known_strings`).
_KNOWN: list = [None, {}]


@contextmanager
def known_strings(text: str, ends: dict[int, int]):
    """While the block runs, `long_string` answers for these strings of `text` without searching them again:
    strict mode lexes a 100 MB constant for its skeleton, then the fast reader meets it again."""
    _KNOWN[:] = [text, ends]
    try:
        yield
    finally:
        _KNOWN[:] = [None, {}]


def _kind(match: re.Match) -> str:
    kind = match.lastgroup
    if kind == "STRING" and match.group("GENERIC_OP_NAME") is not None:
        return "GENERIC_OP_NAME"
    return kind


@functools.cache
def _layout() -> re.Pattern:
    return re.compile(rf"(?:{terminal_patterns()['WS']})?")


def token_kind_at(text: str, pos: int) -> str | None:
    """The kind of the first token at or after `pos` past whitespace (None at the end, or where no terminal
    matches). Comments are not skipped: callers make sure there are none."""
    pos = _layout().match(text, pos).end()
    first = text[pos : pos + 1]
    # The terminals that can start with this character, in the same order (`_by_first_character`).
    pattern = _by_first_character()[ord(first)] if "" < first < "\x80" else _master()
    match = pattern.match(text, pos)
    return None if match is None else _kind(match)


def tokenize(text: str, strict: bool = True) -> list[Token]:
    """Tokens without layout or comments. A character no terminal matches raises ParseError, or is skipped when
    `strict` is off (decoders of text the reader already accepted must not fail on a stray character).

    The last few long texts are remembered: a function header with thousands of arguments (0.8 MB in a
    realistic export) is asked for by several decoders, and tokenizing it costs half a second. The list is
    shared by callers, who must not change it."""
    if len(text) < _LONG_TEXT:
        return _tokenize(text, strict)
    for i, (known, known_strict, tokens) in enumerate(_RECENT):
        if known_strict == strict and known == text:
            if i:
                _RECENT.insert(0, _RECENT.pop(i))
            return tokens
    tokens = _tokenize(text, strict)
    _RECENT.insert(0, (text, strict, tokens))
    del _RECENT[_RECENT_TEXTS:]
    return tokens


# Texts at least this long are remembered, the last `_RECENT_TEXTS` of them (a bounded cost: a few texts and
# their tokens, never a 100 MB constant's, which is one token).
_LONG_TEXT = 1 << 16
_RECENT_TEXTS = 2
_RECENT: list[tuple[str, bool, list[Token]]] = []


def _tokenize(text: str, strict: bool) -> list[Token]:
    by_first = _by_first_character()
    full = _master()
    new = tuple.__new__  # a NamedTuple's own __new__ is a Python function
    tokens: list[Token] = []
    append = tokens.append
    depth = 0
    pos = 0
    end = len(text)
    while pos < end:
        first = text[pos]
        if first == '"' and (found := long_string(text, pos)) is not None and found[1] - pos > _LONG:
            kind, stop = found
            append(new(Token, (kind, text[pos:stop], pos, stop, depth)))
            pos = stop
            continue
        match = (by_first[ord(first)] if first < "\x80" else full).match(text, pos)
        if match is None:
            if not strict:
                pos += 1
                continue
            line = text.count("\n", 0, pos) + 1
            column = pos - (text.rfind("\n", 0, pos) + 1) + 1
            raise ParseError(f"unexpected character {text[pos]!r}", line, column)
        kind = match.lastgroup
        start = pos
        pos = match.end()
        if kind == "WS" or kind == "COMMENT":
            continue
        if kind == "STRING":
            kind = _kind(match)
        elif kind in CLOSERS:
            depth -= 1
        append(new(Token, (kind, match.group(), start, pos, depth)))
        if kind in OPENERS:
            depth += 1
    return tokens


def matching_close(tokens: list[Token], open_index: int) -> int:
    """Index of the token closing the group opened at `open_index`."""
    depth = tokens[open_index].depth
    for i in range(open_index + 1, len(tokens)):
        if tokens[i].type in CLOSERS and tokens[i].depth == depth:
            return i
    raise ParseError("unbalanced brackets", 1, tokens[open_index].start + 1)


_VALUED = frozenset({"BARE_ID", "VALUE_REF", "GENERIC_OP_NAME", "BLOCK_REF", "ATTR_REF", "TYPE_REF", "INT"})
_LAYOUT = frozenset({"WS", "COMMENT"})
# A line longer than this is scanned a token at a time, so a 100 MB constant is never listed whole.
_WINDOW = 1 << 16
_LONG = 4096  # a string longer than this is found with `long_string`


@functools.cache
def _scanner() -> re.Pattern:
    """The master pattern with a last resort that matches any other character, so `finditer` cannot skip one."""
    return re.compile(_master().pattern + r"|(?P<BAD>.)", re.S)


class Cursor:
    """The significant tokens of a whole text from an offset on, scanned a line at a time with lookahead for the
    fast reader. A token is (type, start, end); its text is sliced only for the kinds whose text decides
    structure, so a 100 MB string constant is matched in place and never copied."""

    __slots__ = ("text", "pos", "limit", "buffer", "index", "batch", "newline")

    def __init__(self, text: str, pos: int, newline: int = -1):
        self.text = text
        self.pos = pos  # where scanning goes on
        self.limit = pos  # the end of the line (or window) being scanned
        self.buffer: list[tuple[str, int, int]] = []
        self.index = 0  # the current token's place in the buffer
        self.batch = 4  # tokens the next scan lists at most
        # The first newline at or after the line being scanned, where known (-1: not known; the text's length:
        # none). A caller that found it passes it: a 100 MB line is not searched again.
        self.newline = newline

    def _fill(self) -> None:
        text, pos = self.text, self.pos
        size = len(text)
        if self.index > 4096:
            del self.buffer[: self.index]
            self.index = 0
        if pos >= size:
            self.buffer.append(("$END", size, size))
            return
        end = self.limit
        if pos >= end:
            newline = self.newline
            if newline < pos:
                newline = text.find("\n", pos)
                newline = size if newline < 0 else newline
                self.newline = newline
            end = min(newline + 1, size)
            brace = text.find("{", pos, end)  # one character: found at memory speed in a 100 MB line
            metadata = -1 if brace < 0 else text.find("{-#", brace, end)
            if metadata >= 0:  # the one token that spans lines: `{-# ... #-}`
                close = text.find("#-}", metadata)
                end = size if close < 0 else max(end, close + 3)
            self.limit = end
        if end - pos > _WINDOW:
            self._fill_slowly(end)
            return
        # Matched against the whole text (not cut at `end`): a key's `=` or a generic name's `(` may be on the
        # next line, and the terminals look ahead for them. A few tokens at first, more each time: a look at
        # the start of a line must not list a long constant's every number.
        append = self.buffer.append
        left = self.batch
        self.pos = end
        for m in _scanner().finditer(text, pos):
            kind = m.lastgroup
            if kind == "STRING":
                kind = _kind(m)
            elif kind in _LAYOUT:
                continue
            start = m.start()
            if start >= end:
                break
            if kind == "BAD":
                raise _unexpected(text, start)
            append((kind, start, m.end()))
            left -= 1
            if not left:
                self.pos = m.end()
                self.batch = min(4 * self.batch, 1024)  # a look ahead stays cheap, a long read fast
                break

    def _fill_slowly(self, end: int, count: int = 256) -> None:
        match, text, buffer = _master().match, self.text, self.buffer
        pos = self.pos
        while count and pos < end:
            if text[pos] == '"' and (string := long_string(text, pos, self.newline)) is not None:
                buffer.append((string[0], pos, string[1]))
                count -= 1
                pos = string[1]
                continue
            found = match(text, pos)
            if found is None:
                raise _unexpected(text, pos)
            kind = _kind(found)
            if kind not in _LAYOUT:
                buffer.append((kind, pos, found.end()))
                count -= 1
            pos = found.end()
        self.pos = pos

    def token(self, i: int = 0) -> tuple[str, int, int]:
        while len(self.buffer) <= self.index + i:
            self._fill()
        return self.buffer[self.index + i]

    def peek(self, i: int) -> tuple[str, str]:
        """(type, text) of the i-th token ahead; the text is empty for kinds that need none."""
        kind, start, end = self.token(i)
        return (kind, self.text[start:end]) if kind in _VALUED else (kind, "")

    def take(self) -> None:
        self.index += 1


def _unexpected(text: str, pos: int) -> ParseError:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return ParseError(unexpected_character(text, pos), line, column)


def unexpected_character(text: str, pos: int) -> str:
    """What MLIR's lexer would say of the character at `pos`, which starts no token."""
    if text[pos] == "%" and pos + 1 < len(text):
        return f"expected a value name after '%', found {text[pos + 1]!r}"
    return f"unexpected character {text[pos]!r}"
