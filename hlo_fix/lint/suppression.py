"""Suppression comments, hlo-fix's `noqa`: an exported module is generated, so a finding is silenced where its
cause is written.

- `# hlo-fix: ignore[HF002]` (or a bare `# hlo-fix: ignore`) on the Python line a finding's `source` names;
- `// hlo-fix: ignore[HF002]` on the op's own line(s) in hand-written MLIR.

Codes are selectors (`HF00` covers HF002). A listed code that silenced nothing is reported as unused: always for
MLIR comments; for a Python comment when findings point at its line (a Python line that produced no finding in
this run may feed a module that was not linted, so it cannot be judged).
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from hlo_fix.ir.source import find_word
from hlo_fix.lint.settings import ALL, best_match, normalize_selectors
from hlo_fix.rule_api.finding import Finding

# The directive inside a comment (the comment itself is found by the tokenizer, or by `//` in MLIR).
DIRECTIVE = re.compile(r"hlo-fix:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)
MLIR_MARKER = "hlo-fix:"


@dataclass
class Suppression:
    """One comment: where it is, the selectors it lists (`ALL` for the bare form), and the ones that matched."""

    path: str
    line: int
    column: int
    selectors: tuple[str, ...]
    used: set[str] = field(default_factory=set)

    def covers(self, code: str) -> bool:
        matched = [s for s in self.selectors if best_match(code, (s,)) >= 0]
        self.used.update(matched)
        return bool(matched)

    def unused(self) -> list[str]:
        return [s for s in self.selectors if s not in self.used]

    def describe(self, selectors: Sequence[str]) -> str:
        listed = "" if selectors == (ALL,) or list(selectors) == [ALL] else f"[{', '.join(selectors)}]"
        return f"unused suppression `hlo-fix: ignore{listed}`"


def parse_directive(comment: str) -> tuple[str, ...] | None:
    match = DIRECTIVE.search(comment)
    if match is None:
        return None
    if match[1] is None:
        return (ALL,)
    return normalize_selectors(match[1].split(",")) or (ALL,)


def mlir_suppressions(text: str, filename: str) -> dict[int, Suppression]:
    """`// hlo-fix: ignore[...]` comments of a module, by line (one scan for the marker, not per line, at
    memory speed over a weight constant: `find_word`)."""
    found: dict[int, Suppression] = {}
    position = find_word(text, MLIR_MARKER)
    line, counted = 1, 0
    while position >= 0:
        start = text.rfind("\n", 0, position) + 1
        slashes = text.rfind("//", start, position)
        if slashes >= 0:
            end = text.find("\n", position)
            selectors = parse_directive(text[slashes : end if end >= 0 else len(text)])
            if selectors is not None:
                line += text.count("\n", counted, start)
                counted = start
                found[line] = Suppression(filename, line, slashes - start + 1, selectors)
        position = find_word(text, MLIR_MARKER, position + len(MLIR_MARKER))
    return found


class PythonComments:
    """`# hlo-fix: ignore` comments of the Python files findings point at, each file tokenized once."""

    def __init__(self):
        self._files: dict[str, dict[int, Suppression] | None] = {}
        self._seen: dict[int, Suppression] = {}
        self._resolved: dict[tuple, str | None] = {}

    def resolve(self, name: str, module_path: str | None, project_root: str | None) -> str | None:
        """`resolve_python_file`, once per name and module (a module's findings share a few source files)."""
        key = (name, module_path, project_root)
        if key not in self._resolved:
            self._resolved[key] = resolve_python_file(name, module_path, project_root)
        return self._resolved[key]

    def at(self, path: str | None, line: int) -> Suppression | None:
        if path is None:
            return None
        if path not in self._files:
            self._files[path] = self._read(path)
        comments = self._files[path]
        comment = comments.get(line) if comments else None
        if comment is not None:
            self._seen[id(comment)] = comment
        return comment

    def unused(self) -> list[tuple[Suppression, list[str]]]:
        """Comments on lines findings pointed at, with the selectors that silenced none of them (end of a run)."""
        return [(c, c.unused()) for c in self._seen.values() if c.unused()]

    @staticmethod
    def _read(path: str) -> dict[int, Suppression] | None:
        try:
            with open(path, "rb") as stream:
                source = stream.read()
        except OSError:
            return None
        found: dict[int, Suppression] = {}
        try:
            for token in tokenize.tokenize(io.BytesIO(source).readline):
                if token.type == tokenize.COMMENT:
                    selectors = parse_directive(token.string)
                    if selectors is not None:
                        row, column = token.start
                        found[row] = Suppression(path, row, column + 1, selectors)
        except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
            return None  # not Python we can read: no suppressions from it
        return found


def resolve_python_file(name: str, module_path: str | None, project_root: str | None) -> str | None:
    """The file a debug location names: absolute as written, else relative to the working directory, the linted
    module's directory or one above it, or the project root."""
    if os.path.isabs(name):
        return name if os.path.isfile(name) else None
    bases = [os.getcwd()]
    if module_path:
        directory = Path(os.path.abspath(module_path)).parent
        bases += [str(directory), *map(str, directory.parents)]
    if project_root:
        bases.append(project_root)
    for base in bases:
        candidate = os.path.join(base, name)
        if os.path.isfile(candidate):
            return candidate
    return None


@dataclass
class Suppressed:
    kept: list[Finding]
    # The module's own comments with selectors that silenced nothing (Python ones: `PythonComments.unused`).
    unused: list[tuple[Suppression, list[str]]]


def apply_suppressions(findings: Sequence[Finding], text: str, filename: str, module_path: str | None = None,
                       project_root: str | None = None, python: PythonComments | None = None) -> Suppressed:
    """The findings no comment silences, and the module's comments whose selectors silenced none of them."""
    python = python if python is not None else PythonComments()
    in_module = mlir_suppressions(text, filename)
    kept = []
    for finding in findings:
        comments = [in_module[row] for row in range(finding.row, finding.end_row + 1) if row in in_module]
        source = finding.source
        if source is not None:
            comment = python.at(python.resolve(source.file, module_path, project_root), source.line)
            if comment is not None:
                comments.append(comment)
        silenced = False
        for comment in comments:
            silenced = comment.covers(finding.code) or silenced
        if not silenced:
            kept.append(finding)
    return Suppressed(kept, [(c, c.unused()) for c in in_module.values() if c.unused()])


def unused_warning(comment: Suppression, selectors: Sequence[str]) -> str:
    """One located line: `path:line:col: warning: unused suppression ...`."""
    return f"{comment.path}:{comment.line}:{comment.column}: warning: {comment.describe(tuple(selectors))}"
