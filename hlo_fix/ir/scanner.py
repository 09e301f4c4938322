"""The fast reader: splits a module into statements and links values, without a full parse.

MLIR is not line-based: an op ends where the next statement starts (`hlo_fix.ir.layout` decides where, from
tokens), whatever the line breaks. Exporters still print one op per line, so the reader walks the lines and
takes a line whole when a cheap test proves it is exactly one complete op (its head, balanced brackets, no second
statement or region, no definitions, no comment). Everything else (regions, block labels, ops broken over lines,
several ops on a line, a module on one line, CR line endings, a 100 MB constant) goes through the token path,
which reads tokens with the grammar's own terminals and keeps the same state: the open regions, the op being
read, its open brackets. Types, attributes and locations are decoded on demand later.
`hlo_fix.ir.strict` parses the same text with the complete grammar; the tests check that both agree.

Speed matters here (a pre-commit hook on a 40 MB export): bracket balance comes from one `bytes.translate` a
megabyte at a time, which also tells whether a control character is there; so do the searches for a second op
on a line and the tests that only odd text needs; the one-op line is handled inline, and nothing that a rule may
never ask about is decoded. A long line (a weight constant) never enters a block: found at `memchr` speed, it
is read in place by the token path, its strings skipped with `str.find` and their hex digits proved free of
control characters by `binascii.unhexlify`, so no pass over the text rescans them.
"""

from __future__ import annotations

import functools
import gc
import itertools
import re
from binascii import unhexlify
from collections import defaultdict
from sys import intern

from hlo_fix.errors import ParseError
from hlo_fix.ir.bodies import check_bodies
from hlo_fix.ir.dense import check_dense_sizes
from hlo_fix.ir.dialects import check_dialects
from hlo_fix.ir.grammar import terminal_patterns
from hlo_fix.ir.layout import (
    BARE_OP_NAMES,
    label_length,
    may_end_after,
    result_list_length,
    starts_region,
    statement_kind,
)
from hlo_fix.ir.model import Module, Op, Region, Value
from hlo_fix.ir.source import find_word
from hlo_fix.ir.tokens import CLOSERS, OPENERS, Cursor, token_kind_at, tokenize, unexpected_character


_NO_END = 1 << 62  # an end position past any text
_SPACE = re.compile(r"[ \t\r\n]*")
# After a name, what may make it something other than an op's (`key =`, a unit attribute `{a, b}`), or hide
# what follows (a comment), or be the end of the text.
_NOT_AFTER_AN_OP_NAME = frozenset({"", "=", ",", "}", "/"})
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$")


class _Lexicon:
    """Compiled patterns, each assembled from the grammar's terminal definitions."""

    def __init__(self) -> None:
        t = terminal_patterns()
        value, string, bare = t["VALUE_REF"], t["STRING"], t["BARE_ID"]
        result = rf"{value}(?::[0-9]+)?"
        self.head = re.compile(
            rf"(?:(?P<results>{result}(?:[ \t]*,[ \t]*{result})*)[ \t]*=[ \t]*)?"
            rf"(?:(?P<generic>{t['GENERIC_OP_NAME']})|(?P<name>(?>{bare}))(?!\s*=(?![=>])))"
        )
        # The same head at the start of a line, after its indentation (the first group).
        self.line_head = re.compile(rf"([ \t]*){self.head.pattern}")
        self.result = re.compile(rf"({value})(?::([0-9]+))?")
        self.use = re.compile(value)
        self.bare_word = re.compile(t["BARE_ID"])
        self.layout = re.compile(rf"(?:{t['WS']})?")
        self.string = re.compile(string)
        # What makes a line more than one plain op, looked for after its head (strings blanked): a `{` that opens
        # a region, a block reference `^`, or an op name (dotted, default-dialect or generic) after the head (but
        # `applies stablehlo.add`). Definitions in a header (`%iterArg = %init`, `%arg0: type`) need no test
        # here: they only matter where a region opens, and `open_region` takes them back from the uses then.
        self.region_brace = re.compile(rf"\{{(?!\s*(?:\}}|\"\"\s*[^\s(]|{t['ATTR_KEY']}))")
        before_name = r"[ \t(\[{<,](?<!applies )"
        self.dotted_name = re.compile(rf"{before_name}(?=[A-Za-z_][A-Za-z0-9_$]*\.)(?>{bare})(?!\s*=)")
        self.bare_op = re.compile(rf"{before_name}(?:{'|'.join(sorted(BARE_OP_NAMES))})(?![A-Za-z0-9_$.\-])")
        self.generic_name = re.compile(r'[^(\s][ \t]*""\s*\(')
        # Where a line may hold a second op after a first one, searched over whole blocks of raw text (a hit is
        # only a place for `more_than_one_op` to look; lines with a string always get that check): blank space
        # after a token that can end an op (not `=`, `,`, an opener or indentation, nor `applies`), then a dotted
        # op name. The search runs over the reversed block, so that it starts from the name's dot (a
        # rare character, found at C speed) and not from every space: `add.olhelbats` then the blank.
        self.second_op_reversed = re.compile(
            r"\.(?<=[A-Za-z_$]\.)[A-Za-z0-9_$]*+(?<=[A-Za-z_])[ \t](?=[^\s=,(\[{<])(?!seilppa(?:[^A-Za-z0-9_$.\-]|\Z))"
        )
        # Default-dialect op names and strings (a generic op name) after a blank (`call` also finds
        # `call_indirect`); the token before the blank is looked at for each hit.
        bare_names = "|".join(sorted(BARE_OP_NAMES))
        self.blank_then_bare_op = re.compile(rf' (?:"|{bare_names})')
        # A second op with results is not looked for line by line: its op name follows `=`, and its results,
        # taken for uses of undefined values, make the reader read the module again with `second_results`
        # asked of every line (`read_module`).
        self.second_results = re.compile(rf"{result}(?:[ \t]*,[ \t]*{result})*[ \t]*=(?![=>])")
        self.dot_letter = re.compile(r"\.[A-Za-z_$]")
        # A value reference that may be defined here: followed by `=` or `:` (a use before a signature's ` : `
        # matches too; the tokens decide).
        self.definition = re.compile(rf"{value}(?::[0-9]+)?[ \t]*(?:=(?![=>])|:(?![:0-9]))")
        # In a block label `^bb0(%a: t, %b: t):` every value reference is a definition.
        self.label_definition = re.compile(rf"((?>{value}))[ \t]*:(?!:)")
        self.alias = re.compile(rf"({t['ATTR_REF']}|{t['TYPE_REF']})[ \t]*=[ \t]*")
        self.loc_ref = re.compile(rf"loc\(({t['ATTR_REF']})\)")
        alias_name = rf"(?:{t['ATTR_REF']}|{t['TYPE_REF']})"
        self.alias_line = re.compile(rf"^({alias_name})[ \t]*=[ \t]*([^\n]*)", re.M)
        # Another alias definition after one on the same line.
        self.alias_definition = re.compile(rf"{alias_name}\s*=")
        # The rest of a file that is only one-line alias definitions (one a line), blank lines and comments.
        identifier = t["ATTR_REF"][1:]  # without its `#`
        one_alias = rf"{alias_name}[ \t]*=(?:[^\n#!]|[#!](?!{identifier}\s*=))*"
        self.alias_block = re.compile(rf"(?:[ \t]*(?:{one_alias}|//[^\n]*)?(?:\n|\Z))*")

    def opens_region(self, text: str, pos: int, end: int = _NO_END) -> bool:
        """Whether `text[pos:end]` (strings blanked) may open a region or name a block: a `{` that is not a
        dictionary's, or a `^`. Every one-line op takes this test: the substring checks rule it out for most
        (the head before `pos` holds neither)."""
        return "^" in text or ("{" in text and self.region_brace.search(text, pos, end) is not None)

    def more_than_one_op(self, text: str, pos: int, end: int = _NO_END) -> bool:
        """Whether `text[pos:end]`, the rest of a line after an op's head (strings blanked), may hold more than
        that op's own text: a region, a block label, or an op name after the head (but `applies
        stablehlo.add`). The line path asks only of lines that `second_op` flagged."""
        if self.opens_region(text, pos, end):
            return True
        if text.find(".", pos, end) >= 0:
            # An op name has a dot followed by a letter; look back from each such dot for the name's start.
            for dot in self.dot_letter.finditer(text, pos, end):
                start = dot.start()
                while start > pos and text[start - 1] in _NAME_CHARS:
                    start -= 1
                if start > pos and self.dotted_name.match(text, start - 1, end):
                    return True
        if '""' in text and self.generic_name.search(text, pos, end):
            return True
        return self.bare_op.search(text, pos, end) is not None


@functools.cache
def lexicon() -> _Lexicon:
    return _Lexicon()


# Keeps what decides bracket balance: brackets, and quotes and backslashes to recognise strings. Arrows `->`
# are blanked first so that `<`/`>` can be counted as brackets too.
_SIGNATURE = {c: None for c in range(128) if chr(c) not in '()[]{}<>"\\\n'}
_SIGNATURE_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
# The same over UTF-8 bytes (`bytes.translate` deletes at memory speed; every non-ASCII byte goes).
_SIGNATURE_DELETE = bytes(c for c in range(256) if c >= 128 or chr(c) not in '()[]{}<>"\\\n')
_SIGNATURE_STRING_BYTES = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# The same, keeping the bytes of non-ASCII characters (a backslash in a string escapes a whole character).
_KEEP_NON_ASCII = bytes(c for c in range(128) if chr(c) not in '()[]{}<>"\\\n')
# A line longer than this is not copied or translated: the token path reads it in place.
_LONG_LINE = 1 << 20


def signatures(text: str) -> list[str]:
    """Per line, the characters that decide its bracket balance."""
    return text.replace("->", "  ").translate(_SIGNATURE).split("\n")


# Control characters, as bytes (`_CONTROL_TABLE`), and the signature table that keeps them: translating a block
# for its signatures then also tells whether it holds one, so the text need not be translated again for them.
_CONTROL_BYTES = bytes((*range(0, 9), 11, 12, *range(14, 32), 127))
_SIGNATURE_AND_CONTROL_DELETE = bytes(c for c in _SIGNATURE_DELETE if c not in _CONTROL_BYTES)


class _Checked:
    """How far from the start the text is known to hold no control character, and whether a block held one."""

    __slots__ = ("upto", "control")

    def __init__(self) -> None:
        self.upto = 0
        self.control = False

    def line(self, text: str, start: int, end: int) -> None:
        """A line that no block holds (the token path reads it in place), looked at by `_control_free`."""
        if self.control or not _control_free(text, start, end):
            self.control = True
        elif start <= self.upto:
            self.upto = max(self.upto, end + 1)

    def signatures(self, block: str, start: int) -> list[bytes]:
        """`byte_signatures(block)` for the block at `start`, noting what the same pass says of control
        characters."""
        data = block.encode("utf-8", "surrogatepass").replace(b"->", b"  ")
        data = data.translate(None, _SIGNATURE_AND_CONTROL_DELETE)
        if len(data.translate(None, _CONTROL_BYTES)) != len(data):
            self.control = True
            data = data.translate(None, _CONTROL_BYTES)
        if start <= self.upto:
            self.upto = max(self.upto, start + len(block) + 1)
        return data.split(b"\n")


def byte_signatures(text: str) -> list[bytes]:
    """`signatures`, as bytes: a third faster on large blocks."""
    data = text.encode("utf-8", "surrogatepass").replace(b"->", b"  ")
    return data.translate(None, _SIGNATURE_DELETE).split(b"\n")


@functools.lru_cache(maxsize=8192)
def _signature_delta(signature: bytes) -> int:
    """Bracket balance of one line, from its byte signature (strings removed first)."""
    if b'"' in signature:
        signature = _SIGNATURE_STRING_BYTES.sub(b"", signature)
    return (
        signature.count(b"(")
        + signature.count(b"[")
        + signature.count(b"{")
        + signature.count(b"<")
        - signature.count(b")")
        - signature.count(b"]")
        - signature.count(b"}")
        - signature.count(b">")
    )


def _second_op_offsets(block: str) -> list[int]:
    """Offsets in `block` where a second op may start on a line (`_Lexicon.second_op_reversed`,
    `blank_then_bare_op`), in order."""
    lx = lexicon()
    size = len(block)
    found = [size - hit.end() for hit in lx.second_op_reversed.finditer(block[::-1])]
    for hit in lx.blank_then_bare_op.finditer(block):
        at = hit.start()
        if at > 0 and block[at - 1] not in _NOT_AN_OP_END:
            found.append(at)
    found.sort()
    return found


_NOT_AN_OP_END = frozenset(" \t\r\n=,([{<")


def _blocks(text: str, flagged: set[int], checked: _Checked, chunk: int = 1 << 20):
    """The lines with their bracket balances, a megabyte at a time: holding all lines of a 40 MB module as
    strings at once would cost more memory than the IR itself. A line longer than `_LONG_LINE`, or than
    `_LONG_IN_BLOCK` with a long string in it (weight constants), comes as (None, its length, False), never
    copied or translated: the token path reads it in place. The index of each line where a second op may start
    goes into `flagged` (`_second_op_offsets`, searched over the whole block); what the blocks say of control
    characters, into `checked`."""
    pos = 0
    line = 0  # index of the block's first line
    size = len(text)
    far = -1  # the first newline at or after the last place searched from (kept: a long line is searched once)
    while pos <= size:
        target = min(pos + chunk, size)
        if far < target:
            far = text.find("\n", target)
            far = size if far < 0 else far
        end = far
        if end - pos > chunk + _LONG_LINE:
            before = text.rfind("\n", pos, pos + chunk)
            if before < 0:
                checked.line(text, pos, end)
                yield None, end - pos, False  # the long line itself
                pos = end + 1
                line += 1
                continue
            end = before  # the lines before the long one
        if end - pos > 2 * _LONG_IN_BLOCK and _holds_a_long_line(text, pos, end):
            line += yield from _around_long_lines(text, pos, end, line, flagged, checked)
        else:
            block = text[pos:end]
            lines = block.split("\n")
            yield _rows(block, lines, pos, line, flagged, checked)
            line += len(lines)
        pos = end + 1


def _holds_a_long_line(text: str, pos: int, end: int) -> bool:
    """Whether `text[pos:end]` holds the inside of a long string, a weight constant's digits: a window of
    `_LONG_IN_BLOCK` characters (half a window from the last) with no newline and no quote, that starts with
    letters and digits only. Found at memory speed; exporters' lines are short. A long line without such a
    string (a function header with thousands of arguments, a dense array of numbers) is left to the line path,
    which reads it faster than the token path would."""
    window = _LONG_IN_BLOCK
    for at in range(pos, end - window, window // 2):
        if text.find("\n", at, at + window) < 0 and text.find('"', at, at + window) < 0:
            if text[at : at + 64].isalnum():
                return True
    return False


def _around_long_lines(text: str, pos: int, end: int, line: int, flagged: set[int], checked: _Checked):
    """`_blocks` for a block that holds long strings (weight constants): each line longer than `_LONG_IN_BLOCK`
    that holds one comes as (None, its length, False), never copied; the runs of lines between them as blocks.
    Returns the number of lines."""
    run, run_line = pos, line  # the run of short lines being gathered: its offset and first line's index
    at, index = pos, line
    while True:
        newline = text.find("\n", at, end)
        stop = end if newline < 0 else newline
        if stop - at > _LONG_IN_BLOCK and _holds_a_long_line(text, at, stop):
            if at > run:
                block = text[run : at - 1]
                yield _rows(block, block.split("\n"), run, run_line, flagged, checked)
            checked.line(text, at, stop)
            yield None, stop - at, False
            run, run_line = stop + 1, index + 1
        index += 1
        if newline < 0:
            break
        at = newline + 1
    if run <= end:
        block = text[run:end]
        yield _rows(block, block.split("\n"), run, run_line, flagged, checked)
    return index - line


def _rows(block: str, lines: list[str], pos: int, line: int, flagged: set[int], checked: _Checked):
    """(lines, their bracket balances, whether the block is plain) of the block at offset `pos`, whose first
    line has index `line`; the lines where a second op may start go into `flagged`."""
    at, counted = 0, line
    for offset in _second_op_offsets(block):
        counted += block.count("\n", at, offset)
        at = offset
        flagged.add(counted)
    # Plain: no comment and nothing but ASCII; then no line of it needs the per-line checks for these.
    plain = block.isascii() and ("/" not in block or "//" not in block)  # (one character: memchr)
    return lines, list(map(_signature_delta, checked.signatures(block, pos))), plain


# A line longer than this that holds a long string (`_holds_a_long_line`) is read in place.
_LONG_IN_BLOCK = 1 << 16


_HEX_PIECE = 1 << 12  # a shorter piece is not worth trying as hex digits
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_TABLE = {c: None for c in (*range(0, 9), 11, 12, *range(14, 32), 127)}
_TRAILING_SPACE = " \t\r"


class _Frame:
    """An open region: what it defines is forgotten when it closes (MLIR forbids redefinition in nested
    regions, so nothing is shadowed; sibling regions reuse names). The owner's open brackets are restored
    when it closes (`"op"(%a) ({...})`)."""

    __slots__ = ("region", "defined", "line", "column", "brackets", "header_definitions")

    def __init__(self, region: Region, line: int, column: int, brackets: list[str], header: list[str]):
        self.region = region
        self.defined: list[str] = []
        self.line = line
        self.column = column
        self.brackets = brackets
        self.header_definitions = header


class _Alias:
    """A top-level `#name = value` read by the token path; its value ends where the next statement starts."""

    __slots__ = ("name", "at", "start", "end")

    def __init__(self, name: str, at: int, start: int):
        self.name = name
        self.at = at  # where the definition starts (its name), for errors
        self.start = start
        self.end = start


class _Reader:
    """One pass over a module; see the module docstring."""

    def __init__(self, text: str, filename: str, careful: bool = False):
        self.lx = lexicon()
        # Careful: every line is searched for a second op with results (see `_Lexicon.second_results`).
        self.careful = careful
        self.used_before_defined = 0  # placeholders made for uses not (yet) defined
        self.text = text
        self.module = Module(text, filename)

        self.scope: dict[str, Value] = {}
        self.forward: dict[str, Value] = {}
        self.root = Region(None)
        self.frames = [_Frame(self.root, 0, 0, [], [])]
        self.by_name: defaultdict[str, list[Op]] = defaultdict(list)
        # The statement being read (an op, or an alias in the token path) and its own text's state: open
        # brackets, whether its last token lets it end, where its current own-text segment started, and the
        # names its header defines for its regions (`%arg0: type`, `%iterArg = %init`).
        self.current: Op | _Alias | None = None
        self.brackets: list[str] = []
        self.can_end = True
        self.segment_start: int | None = None
        self.header_definitions: list[str] | None = None
        self.header_scanned = True  # False while the line path's part of the op is not looked at for them
        # The statement whose state above is spelled out; the line path leaves it implicit for the ops it reads
        # whole (`explicit`), which saves three stores on every one-line op.
        self.stated: Op | _Alias | None = None
        # Line bookkeeping of the token path: a known (offset, line) to count newlines from.
        self.known = (0, 1, 0)
        self.checked = _Checked()

    # -- values -------------------------------------------------------------------------------------------
    def define(self, value: Value) -> Value:
        name = value.name
        if self.forward:
            placeholder = self.forward.pop(name, None)
            if placeholder is not None:
                # A use seen before its definition (graph regions, multi-block CFGs): adopt the placeholder.
                placeholder.owner, placeholder.index = value.owner, value.index
                value = placeholder
        self.scope[name] = value
        self.frames[-1].defined.append(name)
        return value

    def use(self, op: Op, name: str) -> None:
        value = self.scope.get(name)
        if value is None and "#" not in name:
            value = self.scope.get(name + "#0")  # `%x` is the first of `%x:2 = ...`'s results
        if value is None:
            value = self.forward.get(name)
            if value is None:
                value = self.forward[name] = Value(name, None, 0)
                self.used_before_defined += 1
        value.users.append(op)
        op.operands.append(value)

    def define_results(self, op: Op, names: list[tuple[str, str]], at: int) -> None:
        values = op.results
        for name, count in names:
            if count:
                if int(count) > len(self.text) - at:
                    # Each result needs a type in the text: a count beyond its length is corrupt (and would
                    # allocate a value per declared result).
                    line, column = self.position(at)
                    raise ParseError(f"{name} declares {int(count)} results, more than the text can type", line, column)
                for i in range(int(count)):
                    values.append(Value(f"{name}#{i}", op, len(values)))
            else:
                values.append(Value(name, op, len(values)))
        for value in values:
            self.define(value)

    # -- positions ----------------------------------------------------------------------------------------
    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset, counting newlines only from the last offset asked (a module
        on one line must not be searched back to its start for every op)."""
        known, line, line_start = self.known
        text = self.text
        if offset < known:
            known, line, line_start = 0, 1, 0
        newlines = text.count("\n", known, offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", known, offset) + 1
        self.known = (offset, line, line_start)
        return line, offset - line_start + 1

    def at_line(self, start: int, index: int) -> None:
        """The line path is at line `index` (0-based), which starts at `start`."""
        self.known = (start, index + 1, start)

    def error(self, message: str, offset: int) -> ParseError:
        return ParseError(message, *self.position(offset))

    def explicit(self) -> None:
        """Spell out the state of an op the line path read whole: its own text began at its start, and its
        header is not yet searched for definitions."""
        current = self.current
        self.stated = current
        if current is not None and current.__class__ is not _Alias:
            self.segment_start = current.start
            self.header_definitions = None
            self.header_scanned = False

    # -- statements, whatever reads them --------------------------------------------------------------------
    def start_op(self, name: str, start: int) -> Op:
        name = intern(name)  # one string per op name, not one per op
        line, column = self.position(start)
        region = self.frames[-1].region
        op = Op(self.module, name, region, line, column, start)
        region.ops.append(op)
        self.by_name[name].append(op)
        self.current = op
        self.brackets = []
        self.can_end = True
        self.segment_start = start
        self.header_definitions = None
        self.header_scanned = True
        self.stated = op
        return op

    def finish(self) -> None:
        """The statement being read ends (the next one starts, or the input does)."""
        current = self.current
        if current is None:
            return
        if isinstance(current, _Alias):
            self.module._aliases[current.name] = (current.start, current.end)
        elif current._segments is not None and self.segment_start is not None:
            current._segments.append((self.segment_start, current.end))
        self.current = None

    def open_region(self, op: Op, brace: int, brace_end: int) -> None:
        if op is not self.stated:
            self.explicit()
        if op._segments is None:
            op._segments = []
        op._segments.append((self.segment_start, op.end))
        self.segment_start = None
        region = Region(op)
        if not op.regions:
            op.regions = []
        op.regions.append(region)
        if not self.header_scanned:
            self.scan_header(op)
        self.frames.append(_Frame(region, *self.position(brace), self.brackets, self.header_definitions))
        # Each region of the op gets the header's definitions (stablehlo.while's `cond` and `do` both take
        # the iteration arguments).
        for i, name in enumerate(self.header_definitions or ()):
            region.arguments.append(self.define(Value(name, op, -1 - i)))
        self.current = None
        self.brackets = []
        self.can_end = True

    def scan_header(self, op: Op) -> None:
        """The definitions in the part of an op's own text the line path read, where every value reference was
        taken for a use: `%x: type` inside brackets and `%x = ...`, as `read_own_token` tells them."""
        results = {value.name.partition("#")[0] for value in op.results}
        candidates = self.lx.definition.finditer(self.text, op.start, op.end)
        if all(found.group().partition(":")[0].rstrip(" \t=") in results for found in candidates):
            self.header_scanned = True  # nothing but the results is defined: no need to tokenize
            return
        names = header_definitions(self.text[op.start : op.end])
        if names:
            defined = set(names)
            kept = []
            for value in op.operands:
                if value.name not in defined:
                    kept.append(value)
                    continue
                value.users.remove(op)
                if value.owner is None and not value.users and self.forward.get(value.name) is value:
                    del self.forward[value.name]  # a placeholder made for what is a definition after all
                    self.used_before_defined -= 1
            op.operands = kept
            known = self.header_definitions or []
            self.header_definitions = names + [name for name in known if name not in defined]
        self.header_scanned = True

    def close_region(self, brace: int, brace_end: int) -> None:
        if len(self.frames) == 1:
            raise self.error("unexpected '}': no region is open", brace)
        frame = self.frames.pop()
        scope = self.scope
        if len(frame.defined) == len(scope):
            scope.clear()  # a function closing at module level: everything in scope was its own
        else:
            for name in frame.defined:
                scope.pop(name, None)
        op = frame.region.owner
        for value in op.results:  # defined at the op's head, they are visible only after it: a region may reuse
            scope[value.name] = value  # their names (`%0 = "op"() ({ %0 = ... })`), which it has just dropped
        op.end = brace_end
        self.current = op
        self.brackets = frame.brackets
        self.header_definitions = frame.header_definitions
        self.header_scanned = True
        self.stated = op
        self.can_end = True
        self.segment_start = None

    # -- the line path ----------------------------------------------------------------------------------------
    def read(self) -> Module:
        lx = self.lx
        module = self.module
        line_head = lx.line_head.match
        more_than_one_op = lx.more_than_one_op
        use_findall = lx.use.findall
        string_sub = lx.string.sub
        blank_strings = _blank_strings
        alias_match = lx.alias.match
        aliases = module._aliases
        scope = self.scope
        scope_get = scope.get
        frames = self.frames
        forward = self.forward
        by_name = self.by_name
        skip_until = -1
        offset = 0
        flagged: set[int] = set()
        careful = self.careful
        second_results = lx.second_results.search
        index = -1
        region_brace = lx.region_brace.search
        for lines, deltas, plain_block in _blocks(self.text, flagged, self.checked):
            if lines is None:  # a line too long to copy: the token path reads it in place
                start = offset
                offset += deltas + 1
                index += 1
                if start >= skip_until:
                    self.at_line(start, index)
                    skip_until = self.read_tokens(start, start + deltas)
                continue
            for index, line, delta in zip(itertools.count(index + 1), lines, deltas):
                start = offset
                offset += len(line) + 1
                if start < skip_until:
                    continue
                # The common case first, inlined: a whole op on one line (exporters print nothing else). Comments
                # and non-ASCII text outside a string (an error MLIR's lexer reports) go to the token path.
                if not self.brackets and self.can_end and (
                    plain_block or (line.isascii() and ("/" not in line or "//" not in line))
                ):
                    match = line_head(line)
                    if match is not None:
                        indent, results, generic, name = match.groups()
                        indent = len(indent)
                        head_end = match.end()
                        if '"' in line:
                            tail, head_end = blank_strings(line[head_end:]), 0
                        else:
                            tail = line
                        region_line = None
                        if delta == 0:
                            if careful:
                                plain = not (more_than_one_op(tail, head_end) or second_results(tail, head_end))
                            elif index in flagged:
                                plain = not more_than_one_op(tail, head_end)
                            else:  # `opens_region`, inlined
                                plain = "^" not in tail and ("{" not in tail or region_brace(tail, head_end) is None)
                        else:
                            # A head that ends by opening a region (`func.func ... {`, `"stablehlo.scatter"(...) ({`).
                            region_line = self.region_opening(
                                line, start, tail, head_end, more_than_one_op if careful or index in flagged else None
                            )
                            plain = region_line is not None
                        if plain and (generic is not None or "." in name or name in BARE_OP_NAMES):
                            current = self.current
                            if current is not None and (current.__class__ is _Alias or current._segments is not None):
                                self.finish()
                            name = intern(generic[1:-1] if name is None else name)
                            frame = frames[-1]
                            region = frame.region
                            op = Op(module, name, region, index + 1, indent + 1, start + indent)
                            region.ops.append(op)
                            by_name[name].append(op)
                            if results is not None:
                                if "," in results or ":" in results:
                                    self.at_line(start, index)
                                    self.define_results(op, lx.result.findall(results), start + indent)
                                else:
                                    value = Value(results, op, 0)
                                    op.results.append(value)
                                    scope[results] = value
                                    frame.defined.append(results)
                                    if forward:
                                        self.define(value)
                            end = len(line)
                            if line[-1] in _TRAILING_SPACE:
                                end = len(line.rstrip(_TRAILING_SPACE))
                            op.end = start + end
                            if tail.find("%", head_end) >= 0:
                                operands = op.operands
                                uses = use_findall(tail, head_end)
                                if len(uses) != tail.count("%", head_end):
                                    at = _bare_percent(line, head_end)
                                    raise self.error(unexpected_character(line, at), start + at)
                                values = list(map(scope_get, uses))
                                if None in values:
                                    for use, value in zip(uses, values):
                                        if value is None:
                                            self.use(op, use)
                                        else:
                                            value.users.append(op)
                                            operands.append(value)
                                else:
                                    op.operands = values
                                    for value in values:
                                        value.users.append(op)
                            self.current = op  # its state stays implicit (`explicit`)
                            last = line[end - 1]
                            self.can_end = (
                                last not in _MAY_CONTINUE
                                or (line[end - 2] != "-" if last == ">" else _line_may_end(line, end))
                            )
                            if region_line is not None:
                                self.open_line_region(op, *region_line)
                            continue
                        self.at_line(start, index)
                        skip_until = self.read_tokens(start + indent)
                        continue
                stripped = line.lstrip(" \t")
                if not stripped:
                    continue
                first = stripped[0]
                if first == "/" and stripped.startswith("//"):
                    continue
                indent = len(line) - len(stripped)
                settled = not self.brackets and self.can_end  # the statement being read may end here
                if first == "#" or first == "!":
                    alias = alias_match(line, indent) if settled and len(frames) == 1 else None
                    if alias is not None and delta == 0:
                        rest = line[alias.end() :]
                        rest = string_sub('""', rest) if '"' in rest else rest
                        if more_than_one_op(rest, 0) or lx.alias_definition.search(rest):
                            alias = None  # more than this alias on the line
                    if alias is None:
                        self.at_line(start, index)
                        skip_until = self.read_tokens(start + indent)
                        continue
                    self.finish()
                    if self.read_alias_block(start):
                        break
                    if delta == 0:
                        aliases[alias.group(1)] = (start + alias.end(), start + len(line))
                    else:  # a value over several lines, or more after it on the line (a module on one line)
                        self.at_line(start, index)
                        skip_until = self.read_tokens(start + indent)
                    continue
                if settled and first == "}":
                    self.finish()
                    self.at_line(start, index)
                    self.close_region(start + indent, start + indent + 1)
                    if stripped.rstrip(_TRAILING_SPACE) == "}" or self.read_plain_rest(line, start, indent + 1):
                        continue
                    skip_until = self.read_tokens(start + indent + 1)
                    continue
                if first == "^" and self.current is None and self.read_label_line(line, start, delta):
                    continue
                self.at_line(start, index)
                skip_until = self.read_tokens(start + indent)
            else:
                continue
            break  # the rest is a block of one-line aliases (`read_alias_block`)
        self.finish_input()
        module.ops = self.root.ops
        module.ops_by_name = dict(by_name)
        return module

    def region_opening(self, line: str, start: int, tail: str, head_end: int, more_than_one_op):
        """For a head line that ends with `{`: (brace offset, the brackets open before it, whether it opens a
        region), or None when the line needs the token path. `more_than_one_op` is None where the line holds no
        place a second op may start (`_blocks`): then only a region or block label before the last `{` counts,
        as for a one-line op."""
        end = len(line.rstrip(_TRAILING_SPACE))
        if line[end - 1] != "{":
            return None
        last = len(tail.rstrip(_TRAILING_SPACE)) - 1
        if more_than_one_op is None:
            if self.lx.opens_region(tail, head_end, last):
                return None
        elif more_than_one_op(tail, head_end, last):
            return None
        brackets = _bracket_stack(line[: end - 1])
        if brackets is None:
            return None
        text = self.text
        after = _SPACE.match(text, start + end).end()
        if text[after : after + 1] in ("%", "^"):
            return start + end - 1, brackets, True  # a result or a block label: a region (no need to lex)
        word = self.lx.bare_word.match(text, after)
        if word is not None:
            # A name not followed by `=` (a key), `,` or `}` (a unit attribute) starts an op: `starts_region`,
            # without lexing (`module ... {` then `func.func ...`).
            follows = self.lx.layout.match(text, word.end()).end()
            if text[follows : follows + 1] not in _NOT_AFTER_AN_OP_NAME:
                return start + end - 1, brackets, True
        cursor = Cursor(text, start + end)
        return start + end - 1, brackets, starts_region(cursor.peek(0), cursor.peek(1))

    def open_line_region(self, op: Op, brace: int, brackets: list[str], region: bool) -> None:
        self.brackets = brackets
        if not region:  # an attribute dictionary opens at the end of the line
            brackets.append("LBRACE")
            return
        op.end = op.start + len(self.text[op.start : brace].rstrip())
        self.open_region(op, brace, brace + 1)

    def read_plain_rest(self, line: str, start: int, at: int) -> bool:
        """The rest of a `}` line that continues the region's owner (`}) : (...) -> ...`), read without
        tokens when it is plain: no brace, block reference, comment, definition or second op. False when the
        token path must read it."""
        rest = line[at:]
        if '"' in rest:
            rest = self.lx.string.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', rest)
        if "//" in rest or "{" in rest or "}" in rest or self.lx.more_than_one_op(rest, 0):
            return False
        if self.lx.definition.search(rest):
            return False
        brackets = _bracket_stack(rest, list(self.brackets))
        if brackets is None:
            return False
        op = self.current
        end = len(line.rstrip(_TRAILING_SPACE))
        for name in self.lx.use.findall(rest):
            self.use(op, name)
        self.brackets[:] = brackets
        if self.segment_start is None:
            self.segment_start = start + at + (len(rest) - len(rest.lstrip()))
        op.end = start + end
        self.can_end = _line_may_end(line, end)
        return True

    def read_label_line(self, line: str, start: int, delta: int) -> bool:
        """A block label alone on its line, `^bb0(%a: t, %b: t):`; False when the token path must read it."""
        end = len(line.rstrip(_TRAILING_SPACE))
        if delta != 0 or line[end - 1] != ":" or "//" in line:
            return False
        work = self.lx.string.sub('""', line) if '"' in line else line
        region = self.frames[-1].region
        for name in self.lx.label_definition.findall(work):
            region.arguments.append(self.define(Value(name, region.owner, -1 - len(region.arguments))))
        self.can_end = True
        return True

    # -- the token path -----------------------------------------------------------------------------------
    def read_tokens(self, pos: int, newline: int = -1) -> int:
        """Read tokens from `pos` with the reader's state until a line starts where the statement being read
        may end; returns that line's offset (where the line path takes over), or past the end of the text.
        `newline`: the first newline at or after `pos` (or the text's length), where the caller knows it."""
        text = self.text
        if newline < pos:
            newline = text.find("\n", pos)
            newline = len(text) if newline < 0 else newline
        cursor = Cursor(text, pos, newline)
        line_end = newline
        while True:
            kind, start, end = cursor.token()
            if kind == "$END":
                return len(text) + 1
            settled = not self.brackets and self.can_end
            if settled:
                if start > line_end:
                    line_start = text.rfind("\n", 0, start) + 1
                    if line_start == start or text[line_start:start].isspace():
                        return line_start
                what = statement_kind(cursor.peek) if kind in _MAY_START else None
                if what is not None:
                    self.finish()
                    self.read_statement(what, cursor)
                    continue
                if self.current is None:
                    raise self.error(f"expected an operation, found {_shown(text, start, end)}", start)
            self.read_own_token(cursor, kind, start, end)

    def read_statement(self, what: str, cursor: Cursor) -> None:
        text = self.text
        kind, start, end = cursor.token()
        if what == "close":
            cursor.take()
            self.close_region(start, end)
        elif what == "op":
            results = []
            if kind == "VALUE_REF":
                for _ in range(result_list_length(cursor.peek)):  # the names, their counts, the commas, the `=`
                    token_kind, a, b = cursor.token()
                    cursor.take()
                    if token_kind == "VALUE_REF":
                        results.append([text[a:b], ""])
                    elif token_kind == "INT":
                        results[-1][1] = text[a:b]
            name_kind, a, b = cursor.token()
            cursor.take()
            name = text[a:b]
            op = self.start_op(name[1:-1] if name_kind == "GENERIC_OP_NAME" else name, start)
            op.end = b
            if results:
                self.define_results(op, results, start)
        elif what == "label":
            region = self.frames[-1].region
            for _ in range(label_length(cursor.peek)):
                token_kind, a, b = cursor.token()
                if token_kind == "VALUE_REF" and cursor.token(1)[0] == "COLON":
                    value = Value(text[a:b], region.owner, -1 - len(region.arguments))
                    region.arguments.append(self.define(value))
                cursor.take()
            self.can_end = True
        elif what == "alias":
            if len(self.frames) > 1:
                raise self.error("an alias definition must be at the top level, outside the module", start)
            cursor.take()
            cursor.take()  # the `=`
            self.current = self.stated = _Alias(text[start:end], start, cursor.token()[1])
            self.brackets = []
            self.can_end = False  # a value must follow
        else:  # metadata: a `{-# ... #-}` section, kept as text between statements
            cursor.take()

    def read_own_token(self, cursor: Cursor, kind: str, start: int, end: int) -> None:
        """One token of the current statement's own text: brackets, uses, definitions, a region's `{`."""
        current = self.current
        if current is not self.stated:
            self.explicit()
        brackets = self.brackets
        can_end = True
        if kind in OPENERS:
            if (
                kind == "LBRACE"
                and current.__class__ is not _Alias
                and (not brackets or brackets[-1] not in ("LSQB", "LESSTHAN"))
                and starts_region(cursor.peek(1), cursor.peek(2))
            ):
                cursor.take()
                self.open_region(current, start, end)
                return
            brackets.append(kind)
        elif kind in CLOSERS:
            if not brackets:
                raise self.error(f"unexpected {self.text[start]!r}: nothing is open", start)
            opener = brackets.pop()
            if OPENERS[opener] != kind:
                raise self.error(f"unexpected {self.text[start]!r}: {_OPENER_TEXT[opener]!r} is open", start)
        elif kind == "VALUE_REF":
            if current.__class__ is not _Alias:
                name = self.text[start:end]
                after = cursor.token(1)[0]
                if after == "EQUAL" or (after == "COLON" and brackets):
                    if self.header_definitions is None:
                        self.header_definitions = []
                    self.header_definitions.append(name)
                else:
                    self.use(current, name)
        elif kind in _CONTINUATIONS or (kind == "BARE_ID" and not may_end_after(kind, self.text[start:end])):
            can_end = False
        if self.segment_start is None:
            self.segment_start = start
        self.can_end = can_end
        current.end = end
        cursor.take()

    # -- aliases and the end ------------------------------------------------------------------------------
    def read_alias_block(self, start: int) -> bool:
        """When everything from `start` on is one-line alias definitions (a debug export's trailing `#loc`
        lines), record the block for the module to index on first use, and stop reading lines."""
        if not self.root.ops:
            return False  # aliases before the module: the module is still to come
        text = self.text
        lines = text.count("\n", start) + (0 if text.endswith("\n") else 1)
        # JAX's trailing block is nothing but `#locN = ...` lines: two counts decide that without a regular
        # expression walking 15 MB; anything else (blank lines, comments) takes the exact check.
        if not (text.count("\n#", start) + 1 == lines and text.count("=", start) == lines):
            if not self.lx.alias_block.fullmatch(text, start):
                return False
        block = text[start:]
        if any(map(_signature_delta, self.checked.signatures(block, start))):
            return False  # an unbalanced definition (a truncated file): the line-by-line path reports it
        self.module.alias_blocks.append((start, len(text)))
        return True

    def finish_input(self) -> None:
        current = self.current
        if current is not None and (self.brackets or not self.can_end):
            if isinstance(current, _Alias):
                raise self.error("unbalanced brackets in alias definition", current.at)
            raise ParseError(f"unexpected end of input: '{current.name}' is not closed", current.line, current.column)
        self.finish()
        if len(self.frames) > 1:
            frame = self.frames[-1]
            raise ParseError("unexpected end of input: region opened here is not closed", frame.line, frame.column)


_OPENER_TEXT = {"LPAR": "(", "LSQB": "[", "LESSTHAN": "<", "LBRACE": "{"}
# The kinds of token a statement can start with (`hlo_fix.ir.layout.statement_kind`), and those after which an
# op always goes on (`may_end_after`).
_MAY_START = frozenset(
    {"RBRACE", "BARE_ID", "VALUE_REF", "BLOCK_REF", "ATTR_REF", "TYPE_REF", "GENERIC_OP_NAME", "FILE_METADATA"}
)
_CONTINUATIONS = frozenset({"COMMA", "ARROW", "COLON", "EQUAL"})
_MAY_CONTINUE = frozenset(",:=>s")  # last characters of a line whose op may go on (`_line_may_end`)


def header_definitions(text: str) -> list[str]:
    """The value names an op's own text defines for its regions, after its name: `%x = ...` anywhere, `%x: type`
    inside brackets (`func.func @f(%arg0: tensor<f32>)`, `while(%i = %init)`). A function header holds
    thousands of arguments: the value references are found with one search over the text with its strings
    blanked, each one's depth from bracket counts and the token after it by one match; the tokenizer is used only
    where a comment or a metadata section could hide brackets or quotes."""
    lx = lexicon()
    head = lx.head.match(text)
    if head is None or "//" in text or "{-#" in text:
        tokens = tokenize(text, strict=False)
        name_at = next((i for i, tok in enumerate(tokens) if tok.type in ("BARE_ID", "GENERIC_OP_NAME")), 0)
        return [
            tok.value
            for tok, after in zip(tokens[name_at:], tokens[name_at + 1 :])
            if tok.type == "VALUE_REF" and (after.type == "EQUAL" or (after.type == "COLON" and tok.depth > 0))
        ]
    work = _blank_strings(text, keep_length=True) if '"' in text else text
    work = work.replace("->", "  ")
    names = []
    depth = 0  # brackets open before `at`
    at = head.end()
    for found in lx.use.finditer(work, at):
        start, end = found.span()
        if start > at:
            depth += (
                work.count("(", at, start)
                + work.count("[", at, start)
                + work.count("{", at, start)
                + work.count("<", at, start)
                - work.count(")", at, start)
                - work.count("]", at, start)
                - work.count("}", at, start)
                - work.count(">", at, start)
            )
        at = start
        after = token_kind_at(text, end)
        if after == "EQUAL" or (after == "COLON" and depth > 0):
            names.append(found.group())
    return names


def _blank_strings(line: str, keep_length: bool = False) -> str:
    """`lexicon().string.sub('""', line)` for text without a newline: each string emptied (or, keeping
    lengths, its contents blanked: `_blanked`). The regular expression takes a few nanoseconds a character
    inside a string, so a line with a long constant (`dense<"0x...">`) has its strings found with `str.find`
    instead, up to the first one with a backslash."""
    if keep_length:
        if "\n" in line or "\\" in line:
            return lexicon().string.sub(_blanked, line)
    elif len(line) < 256:
        return lexicon().string.sub('""', line)
    parts = []
    at = 0
    pos = line.find('"')
    while pos >= 0:
        close = line.find('"', pos + 1)
        if close < 0:
            break
        if line.find("\\", pos, close) >= 0:  # an escape: the terminal decides the rest
            parts.append(line[at:pos])
            parts.append(lexicon().string.sub('""', line[pos:]))
            return "".join(parts)
        parts.append(line[at:pos])
        parts.append('"' + " " * (close - pos - 1) + '"' if keep_length else '""')
        at = close + 1
        pos = line.find('"', at)
    parts.append(line[at:])
    return "".join(parts)


def _blanked(string: re.Match) -> str:
    """A string literal with its contents blanked: same length, no brackets or value names in it."""
    return '"' + " " * (len(string.group()) - 2) + '"'


def _bare_percent(line: str, pos: int) -> int:
    """Offset in `line` of the first `%` at or after `pos` that starts no value name."""
    at = line.find("%", pos)
    while at >= 0 and lexicon().use.match(line, at):
        at = line.find("%", at + 1)
    return max(at, 0)


def _bracket_stack(text: str, stack: list[str] | None = None) -> list[str] | None:
    """The brackets still open after `text` (strings and arrows left out), on top of `stack`; None where a
    bracket closes what is not open. Adjacent pairs are cancelled with `bytes.replace` first (a line's brackets
    mostly close where they open), so the loop sees only the few left."""
    signature = text.encode("utf-8", "surrogatepass").replace(b"->", b"  ").translate(None, _KEEP_NON_ASCII)
    if b"\n" in signature:
        signature = signature[: signature.index(b"\n")]
    if b'"' in signature:
        signature = _SIGNATURE_STRING_BYTES.sub(b"", signature)
    while signature:
        reduced = signature.replace(b"()", b"").replace(b"[]", b"").replace(b"<>", b"").replace(b"{}", b"")
        if len(reduced) == len(signature):
            break
        signature = reduced
    stack = [] if stack is None else stack
    for code in signature:
        kind = _BRACKET_KINDS.get(chr(code))
        if kind is None:
            continue
        if kind in OPENERS:
            stack.append(kind)
        elif not stack or OPENERS[stack.pop()] != kind:
            return None
    return stack


_BRACKET_KINDS = {"(": "LPAR", ")": "RPAR", "[": "LSQB", "]": "RSQB", "<": "LESSTHAN", ">": "MORETHAN",
                  "{": "LBRACE", "}": "RBRACE"}  # fmt: skip


def _line_may_end(line: str, end: int) -> bool:
    """Whether an op read whole from a line may end with it (not after a trailing `,` `:` `=` `->` or
    `applies`)."""
    last = line[end - 1]
    if last in ",:=":
        return False
    if last == ">":
        return line[end - 2 : end] != "->"
    return not (last == "s" and line[:end].endswith("applies") and not line[end - 8 : end - 7].isalnum())


def _shown(text: str, start: int, end: int) -> str:
    token = text[start : min(end, start + 40)]
    return repr(token.split()[0] if token.split() else token)


def read_module(text: str, filename: str = "<input>") -> Module:
    """Read a module (or bare top-level functions) from text; raises ParseError with line and column."""
    if not text or text.isspace():  # (`strip` would copy a 100 MB module)
        raise ParseError("empty input: expected a module or a function", 1, 1, filename)
    # The reader allocates a few objects per op and frees none: the cyclic collector would only rescan them
    # (it took half the time on large modules). Callers that go on working on the module keep it off too
    # (`hlo_fix.lint.checker.lint_text`).
    collecting = gc.isenabled()
    gc.disable()
    try:
        reader = _Reader(text, filename)
        module = reader.read()
        if reader.used_before_defined:
            # A value used before its definition: a graph region or a multi-block function, or a line that
            # holds a second op with results. Read again, asking every line.
            careful = _Reader(text, filename, careful=True)
            module = careful.read()
            _check_defined(module, careful.forward)
        if not module.ops:
            raise ParseError("no operation found: expected a module or a function", 1, 1)
        _check_location_aliases(module)
        check_dialects(module)
        check_bodies(module)
        check_dense_sizes(module)
        checked = reader.checked
        if checked.control or checked.upto < len(text):  # (else the blocks' signatures saw every character)
            _raise_earlier_control_character(text, filename, None, None)
    except ParseError as exc:
        exc.path = exc.path or filename
        _raise_earlier_control_character(text, filename, exc.line, exc.column)
        raise
    finally:
        if collecting:
            gc.enable()
    return module


def _control_free(text: str, start: int, end: int, piece: int = 1 << 20) -> bool:
    """Whether `text[start:end]` holds no control character, a megabyte at a time: the digits of each string
    (a weight constant's hex) are proved free by `binascii.unhexlify` at memory speed, the rest (and any
    string that is not hex digits) by `str.translate`. Where quotes pair up does not matter: every character is
    looked at one way or the other."""
    table = _CONTROL_TABLE
    pos = start
    while pos < end:
        quote = text.find('"', pos, end)
        stop = end if quote < 0 else quote + 1
        head = text[pos:stop]
        if len(head.translate(table)) != len(head):
            return False
        if quote < 0:
            return True
        close = text.find('"', stop, end)
        close = end if close < 0 else close
        body = stop + 2 if text.startswith("0x", stop, close) else stop
        for at in range(body, close, piece):
            digits = text[at : min(at + piece, close)]
            if len(digits) > _HEX_PIECE and digits.isascii():
                try:
                    unhexlify(digits)
                    continue
                except ValueError:  # (binascii.Error is one)
                    pass
            if len(digits.translate(table)) != len(digits):
                return False
        pos = close
    return True


def _raise_earlier_control_character(
    text: str, filename: str, line: int | None, column: int | None, chunk: int = 1 << 20
) -> None:
    """The line path does not lex op text, so control characters are looked for separately (the blocks'
    signature pass and `_Checked.line` usually prove there are none, and this does not run); the earlier of
    such a character and the reader's own error is reported. It runs a megabyte at a time, so it never copies
    a whole 100 MB module: a piece of nothing but hex digits (the bulk of a weight constant) is proved clean
    by `binascii.unhexlify` at memory speed; any other piece by `str.translate`, ten times faster than a
    regular expression."""
    table = _CONTROL_TABLE
    for pos in range(0, len(text), chunk):
        piece = text[pos : pos + chunk] if len(text) > chunk else text
        if len(piece) > _HEX_PIECE and piece.isascii():  # (a flag of the string: unhexlify takes ASCII only)
            try:
                unhexlify(piece)
                continue
            except ValueError:  # (binascii.Error is one)
                pass
        if len(piece.translate(table)) == len(piece):
            continue
        at = _CONTROL.search(text, pos).start()
        at_line = text.count("\n", 0, at) + 1
        at_column = at - (text.rfind("\n", 0, at) + 1) + 1
        if line is None or (at_line, at_column) <= (line, column):
            raise ParseError(f"unexpected character {text[at]!r}", at_line, at_column, filename)
        return


def _check_defined(module: Module, undefined: dict[str, Value]) -> None:
    """Values used but defined nowhere in scope (a typo, a line lost in an edit): MLIR's parser rejects them, and
    the rules would trace index math through a value that has no producer."""
    uses = [
        (value.users[0], name)
        for name, value in undefined.items()
        # (`func.func private @f(%a: tensor<f32>)`: a declaration's argument names are definitions of no region)
        if value.users and name not in header_definitions(value.users[0].own_text)
    ]
    if not uses:
        return
    op, name = min(uses, key=lambda use: use[0].start)
    line, column = module.position(_reference_offset(module.text, name, op.start, op.end))
    raise ParseError(f"use of undefined value {name}", line, column)


def _reference_offset(text: str, name: str, start: int, end: int) -> int:
    """Where `name` occurs as a whole value reference in `text[start:end]` (else `start`)."""
    at = text.find(name, start, end)
    while at >= 0:
        after = at + len(name)
        if after >= len(text) or (text[after] not in _NAME_CHARS and text[after] not in "#.-"):
            return at
        at = text.find(name, after, end)
    return start


def _check_location_aliases(module: Module) -> None:
    """A truncated file can lose the `#loc` definitions at its end; MLIR rejects the dangling references."""
    text = module.text
    if "#" not in text or find_word(text, "loc(#") < 0:  # (at memory speed over a weight constant)
        return
    missing = set(lexicon().loc_ref.findall(text)).difference(module.alias_names())
    # Only references outside strings count (`backend_config = "see loc(#loc9)"` is text).
    found = [at for name in missing for at in _occurrences(text, f"loc({name})") if not _in_string(text, at)]
    if found:
        first = min(found)
        line, column = module.position(first + 4)
        name = text[first + 4 : text.index(")", first)]
        raise ParseError(f"undefined location alias {name}", line, column)


def _occurrences(text: str, word: str):
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)


def _in_string(text: str, offset: int) -> bool:
    """Whether `offset` is inside a string literal (strings do not span lines; a `//` comment before it counts
    as outside)."""
    line_start = text.rfind("\n", 0, offset) + 1
    quotes = 0
    at = line_start
    while True:
        at = text.find('"', at, offset)
        if at < 0:
            return quotes % 2 == 1
        backslashes = 0
        while at - backslashes - 1 >= line_start and text[at - backslashes - 1] == "\\":
            backslashes += 1
        quotes += backslashes % 2 == 0
        at += 1
