"""Debug locations: `loc(#loc12)` resolved through `#locN = loc(...)` aliases down to the Python line.

JAX prints `#loc97 = loc("jit(f)/gather"(#loc65))`, `#loc65 = loc(callsite(#loc45 at #loc28))`,
`#loc45 = loc("router"(#loc21))`, `#loc21 = loc("model.py":18:8 to :37)`. A location unrolls into a chain of frames,
innermost first: a name's child, a call site's callee then its caller, a fused location's first part that has a
file. The line a user wants is the innermost frame outside the frameworks: torchax prints its own dispatch frames
(`torchax/ops/jaten.py`, `torch/nn/modules/module.py`) inside the model's, so the first frame is rarely the model's.
PyTorch/XLA prints locations only with `XLA_HLO_DEBUG=1`: XLA's HLO importer turns each op's metadata into
`loc(fused["aten__gather", "model.py":153:0])` (op type, then the Python frame torch_xla recorded, column 0), or
into `loc("aten__gather"(callsite(...)))` when the HLO carries a stack-frame index; both read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import functools
import re

from hlo_fix.errors import ParseError
from hlo_fix.ir.grammar import terminal_patterns
from hlo_fix.ir.tokens import Token, matching_close, tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.views import ModuleView, OpView


@dataclass(frozen=True)
class SourceLocation:
    """The Python line that produced an op, from the module's debug locations (what a finding's `source` names)."""

    file: str
    line: int
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")


@dataclass(frozen=True)
class Location:
    """A resolved location: `kind` is file, name, callsite, fused or unknown."""

    kind: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    name: str | None = None
    children: tuple["Location", ...] = ()

    def python_source(self) -> SourceLocation | None:
        """The first frame of `frames()` outside the frameworks (see `user_frame`), as a SourceChain that can give
        the whole chain; a plain SourceLocation for a bare file location."""
        innermost = self._innermost_file()
        if innermost is None:
            return None
        if self.kind == "file":
            return SourceLocation(innermost.file, innermost.line, innermost.column)
        # JAX's own frames never appear (it drops them): the innermost is the user's, and the chain is not walked.
        if frame_role(innermost.file) in USER_ROLES:
            return SourceChain(innermost.file, innermost.line, innermost.column, location=self)
        chosen = user_frame(self.frames())
        return SourceChain(chosen.file, chosen.line, chosen.column, location=self)

    def _innermost_file(self) -> "Location | None":
        if self.kind == "file":
            return self if self.file is not None and self.line is not None else None
        for child in self.children:
            found = child._innermost_file()
            if found is not None:
                return found
        return None

    def frames(self) -> tuple["SourceFrame", ...]:
        """Every file frame reachable from here, innermost first (callee before caller)."""
        found: list[SourceFrame] = []
        self._collect(found, None)
        return tuple(found)

    def _collect(self, found: list, function: str | None) -> None:
        if self.kind == "file":
            if self.file is not None and self.line is not None:
                found.append(SourceFrame(self.file, self.line, self.column, function))
        elif self.kind == "name":
            # `"Module.forward"("model.py":3:4)`: a frame's function name sits right around its file location.
            for child in self.children:
                child._collect(found, self.name if child.kind == "file" else None)
        elif self.kind == "callsite":
            for child in self.children:
                child._collect(found, None)
        elif self.kind == "fused":
            for child in self.children:
                before = len(found)
                child._collect(found, None)
                if len(found) > before:
                    break


@dataclass(frozen=True)
class SourceFrame:
    """One frame of a location's call chain; `function` when the exporter names it (torchax, JAX's name stack)."""

    file: str
    line: int
    column: int | None = None
    function: str | None = None

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column, "function": self.function}


@dataclass(frozen=True, eq=False)
class SourceChain(SourceLocation):
    """A finding's source that came out of a call chain: the chosen frame, and the location it was chosen from, for
    JSON reports' `chain` (unrolled only when asked: lint builds thousands of sources, reports rarely want chains).
    Equal to (and hashed as) the plain SourceLocation of the chosen frame, so the chain changes no comparison."""

    location: Location | None = field(default=None, repr=False)

    @property
    def chain(self) -> tuple[SourceFrame, ...]:
        return self.location.frames() if self.location is not None else ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceLocation):
            return NotImplemented
        return (self.file, self.line, self.column) == (other.file, other.line, other.column)

    def __hash__(self) -> int:
        return hash((self.file, self.line, self.column))


# Packages whose frames are never the user's line (matched as a directory of the frame's file).
FRAMEWORK_PACKAGES = frozenset({"jax", "jaxlib", "torchax", "torch", "torch_xla", "flax"})
# transformers' own helpers (`transformers/integrations/moe.py`) are skipped when a model file
# (`transformers/models/...`) is further out in the chain.
HELPER_PACKAGE, HELPER_MODELS = "transformers", "models"


USER_ROLES = frozenset({"user", "model"})


@functools.lru_cache(maxsize=4096)
def frame_role(file: str) -> str:
    """`framework`, `helper` (transformers outside its models), `model` (transformers/models) or `user`."""
    directories = file.replace("\\", "/").split("/")[:-1]
    for at, directory in enumerate(directories):
        if directory in FRAMEWORK_PACKAGES:
            return "framework"
        if directory == HELPER_PACKAGE:
            inside_models = at + 1 < len(directories) and directories[at + 1] == HELPER_MODELS
            return "model" if inside_models else "helper"
    return "user"


def user_frame(chain: tuple[SourceFrame, ...]) -> SourceFrame:
    """The first frame outside the frameworks (and outside transformers' helpers when a model file is further out);
    the innermost frame when every one is a framework's."""
    roles = [frame_role(frame.file) for frame in chain]
    for at, role in enumerate(roles):
        if role == "framework":
            continue
        if role == "helper" and "model" in roles[at + 1 :]:
            continue
        return chain[at]
    return chain[0]


UNKNOWN = Location("unknown")


class _CommonForms:
    """`loc("name"(#locN))`, `loc(callsite(#locA at #locB))`, `loc("file.py":L:C to :C2)`, assembled from the
    grammar's terminals."""

    def __init__(self) -> None:
        t = terminal_patterns()
        string, ref, number = t["STRING"], t["ATTR_REF"], t["INT"]
        self.named = re.compile(rf"loc\(({string})\(({ref})\)\)")
        self.callsite = re.compile(rf"loc\(callsite\(({ref}) at ({ref})\)\)")
        self.file = re.compile(rf"loc\(({string}):({number}):({number})(?: to (?:{number})?:{number})?\)")


@functools.cache
def _common_forms() -> _CommonForms:
    return _CommonForms()


def _unquote(text: str) -> str:
    from hlo_fix.ir.attributes import parse_string

    return parse_string(text) if "\\" in text else text[1:-1]


def op_location(op: "OpView") -> Location | None:
    """The location printed after the op (`loc(...)` at the end of its own text), None when it has none."""
    text = op.module.text[op.segments[-1][0] : op.segments[-1][1]]
    at = text.rfind("loc(")
    if at < 0:
        return None
    resolver = _Resolver(op.module)
    try:
        if text.startswith("loc(#", at) and text.endswith(")") and text.find(")", at) == len(text) - 1:
            # The common `loc(#loc12)`: straight to the alias table.
            return resolver.alias(text[at + 4 : -1])
        tokens = tokenize(text[at:], strict=False)
        return resolver.location(tokens, 0)[0]
    except (ParseError, IndexError, ValueError):
        # A damaged location is no reason to fail a lint: the finding just names no Python line.
        return None


class _Resolver:
    def __init__(self, module: "ModuleView"):
        self.module = module
        cache = getattr(module, "_location_cache", None)
        if cache is None:
            cache = module._location_cache = {}
        self.cache: dict[str, Location] = cache

    def alias(self, name: str, seen: frozenset = frozenset()) -> Location:
        if name in self.cache:
            return self.cache[name]
        text = self.module.alias_text(name)
        if text is None or name in seen:
            return UNKNOWN
        result = self.common_form(text, seen | {name})
        if result is None:
            tokens = tokenize(text, strict=False)
            result = self.location(tokens, 0, seen | {name})[0] if tokens else UNKNOWN
        self.cache[name] = result
        return result

    def common_form(self, text: str, seen: frozenset) -> Location | None:
        """The three forms JAX prints for nearly every alias, matched whole (a large export has one alias per op,
        so tokenizing each would dominate the time findings take); None for anything else."""
        forms = _common_forms()
        match = forms.named.fullmatch(text)
        if match is not None:
            return Location("name", name=_unquote(match.group(1)), children=(self.alias(match.group(2), seen),))
        match = forms.callsite.fullmatch(text)
        if match is not None:
            return Location("callsite", children=(self.alias(match.group(1), seen), self.alias(match.group(2), seen)))
        match = forms.file.fullmatch(text)
        if match is not None:
            return Location("file", file=_unquote(match.group(1)), line=int(match.group(2)), column=int(match.group(3)))
        return None

    def location(self, tokens: list[Token], i: int, seen: frozenset = frozenset()) -> tuple[Location, int]:
        """Parse `loc(...)` at tokens[i] (or a bare inner location); returns it and the index after it."""
        tok = tokens[i]
        if tok.type == "BARE_ID" and tok.value == "loc":
            close = matching_close(tokens, i + 1)
            inner, _ = self.inner(tokens, i + 2, seen)
            return inner, close + 1
        return self.inner(tokens, i, seen)

    def inner(self, tokens: list[Token], i: int, seen: frozenset) -> tuple[Location, int]:
        tok = tokens[i]
        if tok.type == "ATTR_REF":
            return self.alias(tok.value, seen), i + 1
        if tok.type == "BARE_ID" and tok.value == "unknown":
            return UNKNOWN, i + 1
        if tok.type == "BARE_ID" and tok.value == "callsite":
            close = matching_close(tokens, i + 1)
            callee, j = self.inner(tokens, i + 2, seen)
            caller = UNKNOWN
            if j < close and tokens[j].type == "BARE_ID" and tokens[j].value == "at":
                caller, _ = self.inner(tokens, j + 1, seen)
            return Location("callsite", children=(callee, caller)), close + 1
        if tok.type == "BARE_ID" and tok.value == "fused":
            j = i + 1
            if j < len(tokens) and tokens[j].type == "LESSTHAN":
                j = matching_close(tokens, j) + 1
            close = matching_close(tokens, j)
            parts = []
            k = j + 1
            while k < close:
                part, k = self.inner(tokens, k, seen)
                parts.append(part)
                if k < close and tokens[k].type == "COMMA":
                    k += 1
            return Location("fused", children=tuple(parts)), close + 1
        if tok.type in ("STRING", "GENERIC_OP_NAME"):
            label = tok.value[1:-1]
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and nxt.type == "COLON":
                line = int(tokens[i + 2].value)
                column = None
                j = i + 3
                if j + 1 < len(tokens) and tokens[j].type == "COLON" and tokens[j + 1].type == "INT":
                    column = int(tokens[j + 1].value)
                    j += 2
                # `to :C2` / `to L2:C2` range ends carry nothing a report needs.
                while j < len(tokens) and tokens[j].type in ("BARE_ID", "COLON", "INT") and tokens[j].value != "at":
                    j += 1
                return Location("file", file=label, line=line, column=column), j
            if nxt is not None and nxt.type == "LPAR":
                close = matching_close(tokens, i + 1)
                child, _ = self.inner(tokens, i + 2, seen)
                return Location("name", name=label, children=(child,)), close + 1
            return Location("name", name=label), i + 1
        raise ValueError(f"unexpected location token {tok.value!r}")
