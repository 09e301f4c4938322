"""What a rule reports: one hazard at one op, with where it came from in Python and whether it can be fixed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from hlo_fix.ir.locations import SourceLocation

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op

Severity = Literal["error", "warning"]
Applicability = Literal["safe", "unsafe"]


@dataclass(frozen=True)
class Fix:
    """A rewrite `hlo-fix fix` can apply; `unsafe` ones need `--unsafe-fixes` (ruff's split)."""

    applicability: Applicability
    message: str


@dataclass(frozen=True)
class Finding:
    """One hazard. Rows and columns are 1-based and point at the op's own text in the module."""

    code: str
    name: str
    message: str
    severity: Severity
    filename: str
    row: int
    column: int
    end_row: int
    end_column: int
    fix: Fix | None = None
    source: SourceLocation | None = None
    # Stable across renumbered SSA values and shifted lines (baselines key on it).
    fingerprint: str = ""
    # Free-form extra facts for rewriters and tests (not printed).
    data: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    # Character offset of (row, column) in the module text, when known: reports cut the line there directly.
    offset: int | None = field(default=None, compare=False, hash=False, repr=False)
    # The op itself, while its module is alive (None for findings read back from the result cache): the fix
    # engine rewrites it without looking it up again.
    op: "Op | None" = field(default=None, compare=False, hash=False, repr=False)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity,
            "filename": self.filename,
            "location": {"row": self.row, "column": self.column},
            "end_location": {"row": self.end_row, "column": self.end_column},
            "fix": None if self.fix is None else {"applicability": self.fix.applicability, "message": self.fix.message},
            "source": None
            if self.source is None
            else {"file": self.source.file, "line": self.source.line, "column": self.source.column},
        }
