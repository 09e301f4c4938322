"""The fast reader: splits a module into statements line by line and links values, without a full parse.

Printed MLIR puts every operation on its own line; an op spans several lines only while a bracket is open or
where it opens regions (`{` at the end of a line). So the reader walks the lines once, reads each op's head
(results and name) and its value uses with regular expressions assembled from the grammar's terminals
(`grammar/stablehlo.lark`), and leaves types, attributes and locations to be decoded on demand.
`hlo_fix.ir.strict` parses the same text with the complete grammar; the tests check that both agree.

Speed matters here (a pre-commit hook on a 40 MB export): bracket balance comes from one `str.translate` of the
whole text, the common one-line op is handled inline, and nothing that a rule may never ask about is decoded.
"""

from __future__ import annotations

import functools
import gc
import re
from sys import intern
from collections import defaultdict

from hlo_fix.errors import ParseError
from hlo_fix.ir.grammar import terminal_patterns
from hlo_fix.ir.model import Module, Op, Region, Value
from hlo_fix.ir.layout import continues_op, starts_region


class _Lexicon:
    """Compiled patterns, each assembled from the grammar's terminal definitions."""

    def __init__(self) -> None:
        t = terminal_patterns()
        value, string, bare = t["VALUE_REF"], t["STRING"], t["BARE_ID"]
        result = rf"{value}(?::[0-9]+)?"
        self.head = re.compile(
            rf"(?:(?P<results>{result}(?:[ \t]*,[ \t]*{result})*)[ \t]*=[ \t]*)?"
            rf"(?:(?P<generic>{t['GENERIC_OP_NAME']})|(?P<name>{bare}))"
        )
        self.result = re.compile(rf"({value})(?::([0-9]+))?")
        # Every value reference after an op's head is taken as a use; the definitions a region header makes
        # (`%arg0: type`, `%iterArg = %init`) are taken back when the region opens (`open_region`, `unuse`),
        # which keeps this pattern simple: lookarounds would make it four times slower.
        self.use = re.compile(value)
        # In a block label `^bb0(%a: t, %b: t)` every value reference is a definition.
        self.label_definition = re.compile(rf"((?>{value}))[ \t]*:(?!:)")
        # Cheap test before a header is tokenized: could it define anything at all?
        self.maybe_definition = re.compile(rf"(?>{value})[ \t]*(?::(?!:)|=(?!=))")
        self.string = re.compile(string)
        self.alias = re.compile(rf"({t['ATTR_REF']}|{t['TYPE_REF']})[ \t]*=[ \t]*")
        self.first_token = re.compile(
            rf"[ \t]*(?:(?P<VALUE_REF>{value})|(?P<BLOCK_REF>{t['BLOCK_REF']})"
            rf"|(?P<GENERIC_OP_NAME>{t['GENERIC_OP_NAME']})|(?P<ATTR_KEY>{t['ATTR_KEY']})|(?P<STRING>{string})"
            rf"|(?P<BARE_ID>{bare})[ \t]*(?P<after>.?))"
        )
        self.loc_ref = re.compile(rf"loc\(({t['ATTR_REF']})\)")
        alias_name = rf"(?:{t['ATTR_REF']}|{t['TYPE_REF']})"
        self.alias_line = re.compile(rf"^({alias_name})[ \t]*=[ \t]*([^\n]*)", re.M)
        self.alias_name_line = re.compile(rf"^({alias_name})[ \t]*=", re.M)
        # The rest of a file that is only one-line alias definitions, blank lines and comments.
        self.alias_block = re.compile(rf"(?:[ \t]*(?:{alias_name}[ \t]*=[^\n]*|//[^\n]*)?(?:\n|\Z))*")


@functools.cache
def lexicon() -> _Lexicon:
    return _Lexicon()


# Ops MLIR prints without a dialect prefix: the builtin module, and the func dialect's ops inside a func.func
# (its default dialect). Any other bare word where an op belongs is not MLIR.
_BARE_OP_NAMES = frozenset({"module", "return", "call", "call_indirect", "constant"})
_PUNCT_TYPES = {",": "COMMA", "}": "RBRACE", "{": "LBRACE", "(": "LPAR"}
# Keeps what decides bracket balance: brackets, and quotes and backslashes to recognise strings. Arrows `->`
# are blanked first so that `<`/`>` can be counted as brackets too.
_SIGNATURE = {c: None for c in range(128) if chr(c) not in '()[]{}<>"\\\n'}
_SIGNATURE_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def signatures(text: str) -> list[str]:
    """Per line, the characters that decide its bracket balance."""
    return text.replace("->", "  ").translate(_SIGNATURE).split("\n")


@functools.lru_cache(maxsize=8192)
def _signature_delta(signature: str) -> int:
    """Bracket balance of one line, from its signature (strings removed first)."""
    if '"' in signature:
        signature = _SIGNATURE_STRING.sub("", signature)
    return (
        signature.count("(")
        + signature.count("[")
        + signature.count("{")
        + signature.count("<")
        - signature.count(")")
        - signature.count("]")
        - signature.count("}")
        - signature.count(">")
    )


def _lines_with_deltas(text: str, chunk: int = 1 << 20):
    """Each line with its bracket balance, split a megabyte at a time: holding all lines of a 40 MB module as
    strings at once would cost more memory than the IR itself."""
    pos = 0
    size = len(text)
    while pos <= size:
        end = text.find("\n", min(pos + chunk, size))
        end = size if end < 0 else end
        block = text[pos:end]
        yield from zip(block.split("\n"), map(_signature_delta, signatures(block)))
        pos = end + 1


def _line_delta(work: str) -> int:
    return _signature_delta(signatures(work)[0])


def _blank_strings(work: str) -> str:
    """Strings blanked to the same length, so offsets stay valid and their brackets and `//` do not count."""
    return _STRING_BODY.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', work)


def _code(work: str) -> str:
    """A line without a trailing `//` comment (strings already blanked)."""
    cut = work.find("//")
    return work if cut < 0 else work[:cut]


_STRING_BODY = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_TABLE = {c: None for c in (*range(0, 9), 11, 12, *range(14, 32), 127)}


class _Frame:
    """An open region: what it defines is forgotten when it closes (MLIR forbids redefinition in nested
    regions, so nothing is shadowed; sibling regions reuse names)."""

    __slots__ = ("region", "defined", "line", "column", "owner_depth")

    def __init__(self, region: Region, line: int, column: int, owner_depth: int):
        self.region = region
        self.defined: list[str] = []
        self.line = line
        self.column = column
        self.owner_depth = owner_depth


class _Reader:
    """One pass over the lines of a module; see the module docstring."""

    def __init__(self, text: str, filename: str):
        self.lx = lexicon()
        self.text = text
        self.module = Module(text, filename)

        self.scope: dict[str, Value] = {}
        self.forward: dict[str, Value] = {}
        self.root = Region(None)
        self.frames = [_Frame(self.root, 0, 0, 0)]
        # The op whose own text is being read over several lines, and its open-bracket depth.
        self.current: Op | None = None
        self.depth = 0
        # The last op finished at the current level: a `cond {` / `reducer(...) {` line continues it.
        self.last_op: Op | None = None

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
        if value is None:
            value = self.forward.get(name)
            if value is None:
                value = self.forward[name] = Value(name, None, 0)
        value.users.append(op)
        op.operands.append(value)

    def define_results(self, op: Op, results: str) -> None:
        values = op.results
        for name, count in self.lx.result.findall(results):
            if count:
                for i in range(int(count)):
                    values.append(Value(f"{name}#{i}", op, len(values)))
            else:
                values.append(Value(name, op, len(values)))
        for value in values:
            self.define(value)

    # -- an op's own text over several lines --------------------------------------------------------------
    def read_own_text(self, op: Op, seg_start: int, seg_end: int, index: int) -> None:
        """Account one line's piece of an op's own text: value uses, brackets, and whether it opens a region."""
        work = self.text[seg_start:seg_end]
        if '"' in work:
            work = _blank_strings(work)
        if "//" in work:
            work = _code(work)
            seg_end = seg_start + len(work.rstrip())
        op.add_segment(seg_start, seg_end)
        if "%" in work:
            for name in self.lx.use.findall(work):
                self.use(op, name)
        depth = self.depth
        for ch in signatures(work)[0]:
            depth += 1 if ch in "([{<" else -1 if ch in ")]}>" else 0
            if depth < 0:
                column = seg_start - self.line_start + 1 + _closer_offset(work, self.depth)
                raise ParseError(f"unexpected {ch!r}: nothing is open", index + 1, column)
        self.depth = depth
        op.end = max(op.end, seg_end)
        if depth == 0:
            self.current = None
            self.last_op = op
        elif work.rstrip().endswith("{") and self.next_line_starts_region(index):
            self.open_region(op, seg_start + work.rstrip().rindex("{"), index)
        else:
            self.current = op

    def region_arguments(self, op: Op) -> list[str]:
        """Names an op's header defines for its regions: `%arg0: type` inside brackets (function, reducer,
        manual computation arguments) and `%iterArg = %init` (while)."""
        from hlo_fix.ir.tokens import tokenize

        text = op.own_text
        if not self.lx.maybe_definition.search(text):
            return []
        # Results (`%0 = ...`) sit at depth 0; arguments are always inside brackets.
        tokens = tokenize(text, strict=False)
        names = []
        for tok, nxt in zip(tokens, tokens[1:]):
            if tok.type == "VALUE_REF" and tok.depth > 0 and nxt.type in ("COLON", "EQUAL"):
                names.append(tok.value)
        return names

    def open_region(self, op: Op, brace: int, index: int) -> None:
        op.trim_last_segment(brace)  # the braces belong to no segment
        region = Region(op)
        if not op.regions:
            op.regions = []
        op.regions.append(region)
        frame = _Frame(region, index + 1, brace - self.line_start + 1, self.depth - 1)
        names = self.region_arguments(op)
        if names:
            self.unuse(op, set(names))
        self.frames.append(frame)
        for i, name in enumerate(names):
            region.arguments.append(self.define(Value(name, op, -1 - i)))
        self.current = None
        self.last_op = None

    def unuse(self, op: Op, names: set[str]) -> None:
        """Take back header references that turned out to be region-argument definitions."""
        kept = []
        for value in op.operands:
            if value.name in names:
                value.users.remove(op)
            else:
                kept.append(value)
        op.operands = kept

    def close_region(self, line: str, index: int, start: int, indent: int) -> None:
        if len(self.frames) == 1:
            raise ParseError("unexpected '}': no region is open", index + 1, indent + 1)
        frame = self.frames.pop()
        scope = self.scope
        if len(frame.defined) == len(scope):
            scope.clear()  # a function closing at module level: everything in scope was its own
        else:
            for name in frame.defined:
                scope.pop(name, None)
        op = frame.region.owner
        self.depth = frame.owner_depth
        self.read_own_text(op, start + indent + 1, start + len(line), index)

    def next_line_starts_region(self, index: int) -> bool:
        """Whether the next line with code starts with what can begin an op or a block (else the `{` that ends
        this line opens an attribute dictionary)."""
        text = self.text
        pos = text.find("\n", self.line_start)
        while pos >= 0:
            end = text.find("\n", pos + 1)
            stripped = text[pos + 1 : end if end >= 0 else len(text)].lstrip()
            pos = end
            if not stripped or stripped.startswith("//"):
                continue
            match = self.lx.first_token.match(stripped)
            if match is None:
                return False
            kind = match.lastgroup if match.lastgroup != "after" else "BARE_ID"
            second = _PUNCT_TYPES.get(match.group("after") or "", "OTHER") if kind == "BARE_ID" else None
            return starts_region(kind, second)
        return False

    # -- statements ---------------------------------------------------------------------------------------
    def read(self) -> Module:
        lx = self.lx
        module = self.module
        head_match = lx.head.match
        use_findall = lx.use.findall
        string_sub = lx.string.sub
        by_name: defaultdict[str, list[Op]] = defaultdict(list)
        alias_match = lx.alias.match
        aliases = module._aliases
        scope = self.scope
        frames = self.frames
        forward = self.forward
        skip_until = -1
        offset = 0
        for index, (line, delta) in enumerate(_lines_with_deltas(self.text)):
            start = offset
            offset += len(line) + 1
            if start < skip_until:
                continue
            stripped = line.lstrip(" \t")
            if not stripped:
                continue
            first = stripped[0]
            if first == "/" and stripped.startswith("//"):
                continue
            indent = len(line) - len(stripped)
            if first == "#" or first == "!":
                if len(frames) > 1 or self.current is not None:
                    raise ParseError("an alias definition must be at the top level, outside the module", index + 1, indent + 1)
                if len(frames) == 1 and self.read_alias_block(start):
                    break
                alias = alias_match(line, indent)
                if alias is not None and delta == 0:
                    aliases[alias.group(1)] = (start + alias.end(), start + len(line))
                else:
                    skip_until = self.read_alias(line, index, start, indent)
                continue
            self.line_start = start
            if self.current is not None:
                self.read_own_text(self.current, start + indent, start + len(line), index)
                continue
            if first == "}":
                self.close_region(line, index, start, indent)
                continue
            if first == "^":
                self.read_block_label(stripped, index, indent)
                continue
            match = head_match(line, indent)
            if match is None:
                raise ParseError(f"expected an operation, found {_shown(stripped)}", index + 1, indent + 1)
            results, generic, name = match.groups()
            head_end = match.end()
            if name is None:
                name = generic[1:-1]
            elif results is None and self.last_op is not None and "." not in name:
                after = line[head_end:].lstrip(" \t")[:1]
                if continues_op("BARE_ID", name, _PUNCT_TYPES.get(after)):
                    self.depth = 0
                    self.read_own_text(self.last_op, start + indent, start + len(line), index)
                    continue
            name = intern(name)  # one string per op name, not one per op
            if "." not in name and name not in _BARE_OP_NAMES and generic is None:
                raise ParseError(f"unknown operation {name!r}: expected `dialect.op`", index + 1, indent + 1)
            frame = frames[-1]
            region = frame.region
            op = Op(module, name, region, index + 1, indent + 1, start + indent)
            region.ops.append(op)
            by_name[name].append(op)
            if results is not None:
                if "," in results or ":" in results:
                    self.define_results(op, results)
                else:
                    value = Value(results, op, 0)
                    op.results.append(value)
                    scope[results] = value
                    frame.defined.append(results)
                    if forward:
                        self.define(value)
            if delta == 0 and "//" not in line:
                # The common case, inlined: a whole op on one line.
                op.end = start + len(line)
                if "%" in line:
                    operands = op.operands
                    uses = use_findall(string_sub('""', line[head_end:])) if '"' in line else use_findall(line, head_end)
                    for use in uses:
                        value = scope.get(use)
                        if value is None:
                            self.use(op, use)
                            continue
                        value.users.append(op)
                        operands.append(value)
                self.last_op = op
                continue
            self.depth = 0
            self.read_own_text(op, start + head_end, start + len(line), index)
            op.widen_first_segment(start + indent)
        self.check_closed()
        module.ops = self.root.ops
        module.ops_by_name = dict(by_name)
        return module

    def read_block_label(self, stripped: str, index: int, indent: int) -> None:
        region = self.frames[-1].region
        work = _code(_blank_strings(stripped) if '"' in stripped else stripped)
        if _line_delta(work) != 0:
            raise ParseError("a block label's arguments must close on its line", index + 1, indent + 1)
        for name in self.lx.label_definition.findall(work):
            value = Value(name, region.owner, -1 - len(region.arguments))
            region.arguments.append(self.define(value))

    def read_alias_block(self, start: int) -> bool:
        """When everything from `start` on is one-line alias definitions (a debug export's trailing `#loc`
        lines), record the block for the module to index on first use, and stop reading lines."""
        if not self.root.ops:
            return False  # aliases before the module: the module is still to come
        text = self.text
        lines = text.count("\n", start) + (0 if text.endswith("\n") else 1)
        # JAX's trailing block is nothing but `#locN = ...` lines: two counts decide that without a regular
        # expression walking 15 MB; anything else (blank lines, comments) takes the exact check.
        if not (text.count("\n#", start) + 1 == lines and text.count("=", start) >= lines):
            if not self.lx.alias_block.fullmatch(text, start):
                return False
        block = text[start:]
        if any(map(_signature_delta, signatures(block))):
            return False  # an unbalanced definition (a truncated file): the line-by-line path reports it
        self.module.alias_blocks.append((start, len(text)))
        return True

    def read_alias(self, line: str, index: int, start: int, indent: int) -> int:
        """Record `#name = ...` / `!name = ...`, which may continue over the next lines while a bracket is open;
        returns the offset where reading resumes."""
        match = self.lx.alias.match(line, indent)
        if match is None:
            raise ParseError(f"expected an alias definition, found {_shown(line[indent:])}", index + 1, indent + 1)
        text = self.text
        end = start + len(line)
        depth = _line_delta(line)
        while depth > 0 and end < len(text):
            nxt = text.find("\n", end + 1)
            nxt = len(text) if nxt < 0 else nxt
            depth += _line_delta(text[end + 1 : nxt])
            end = nxt
        if depth != 0:
            raise ParseError("unbalanced brackets in alias definition", index + 1, indent + 1)
        self.module._aliases[match.group(1)] = (start + match.end(), end)
        return end + 1

    def check_closed(self) -> None:
        if self.current is not None:
            op = self.current
            raise ParseError(f"unexpected end of input: '{op.name}' is not closed", op.line, op.column)
        if len(self.frames) > 1:
            frame = self.frames[-1]
            raise ParseError("unexpected end of input: region opened here is not closed", frame.line, frame.column)


def _closer_offset(work: str, depth: int) -> int:
    """Offset in `work` of the closing bracket that takes the depth below zero."""
    blanked = work.replace("->", "  ")
    for i, ch in enumerate(blanked):
        depth += 1 if ch in "([{<" else -1 if ch in ")]}>" else 0
        if depth < 0:
            return i
    return 0


def _shown(text: str) -> str:
    token = text.split()[0] if text.split() else text
    return repr(token[:40])


def read_module(text: str, filename: str = "<input>") -> Module:
    """Read a module (or bare top-level functions) from text; raises ParseError with line and column."""
    if not text.strip():
        raise ParseError("empty input: expected a module or a function", 1, 1, filename)
    # The reader allocates a few objects per op and frees none: the cyclic collector would only rescan them
    # (it took half the time on large modules). Callers that go on working on the module keep it off too
    # (`hlo_fix.lint.checker.lint_text`).
    collecting = gc.isenabled()
    gc.disable()
    try:
        module = _Reader(text, filename).read()
        if not module.ops:
            raise ParseError("no operation found: expected a module or a function", 1, 1)
        _check_location_aliases(module)
        _raise_earlier_control_character(text, filename, None, None)
    except ParseError as exc:
        exc.path = exc.path or filename
        _raise_earlier_control_character(text, filename, exc.line, exc.column)
        raise
    finally:
        if collecting:
            gc.enable()
    return module


def _raise_earlier_control_character(text: str, filename: str, line: int | None, column: int | None) -> None:
    """The reader does not lex op text, so control characters are looked for separately; the earlier of such
    a character and the reader's own error is reported."""
    if len(text.translate(_CONTROL_TABLE)) == len(text):
        return  # translate is ten times faster than a regular-expression scan of a large module
    control = _CONTROL.search(text)
    at_line = text.count("\n", 0, control.start()) + 1
    at_column = control.start() - (text.rfind("\n", 0, control.start()) + 1) + 1
    if line is None or (at_line, at_column) <= (line, column):
        raise ParseError(f"unexpected character {control.group()!r}", at_line, at_column, filename)


def _check_location_aliases(module: Module) -> None:
    """A truncated file can lose the `#loc` definitions at its end; MLIR rejects the dangling references."""
    if "loc(#" not in module.text:
        return
    missing = set(lexicon().loc_ref.findall(module.text)).difference(module.alias_names())
    if missing:
        first = min(module.text.find(f"loc({name})") for name in missing)
        line, column = module.position(first + 4)
        name = module.text[first + 4 : module.text.index(")", first)]
        raise ParseError(f"undefined location alias {name}", line, column)
