"""Fresh SSA names for the ops a rewrite inserts.

MLIR rejects a redefinition, and a name that shadows one in another function or region would still confuse a
reader, so a new name must not appear anywhere in the module. Every `%name` of the text is collected once (a
superset of the defined names: uses, region arguments and even names inside strings count), and `%hf0`,
`%hf1`, ... are handed out skipping the taken ones.
"""

from __future__ import annotations

import re

from hlo_fix.ir.grammar import terminal_patterns

PREFIX = "hf"


def _value_name_pattern() -> re.Pattern[str]:
    return re.compile(terminal_patterns()["VALUE_REF"])


class NameAllocator:
    """Hands out names that clash with nothing in the module text nor with each other."""

    def __init__(self, text: str):
        self.taken = {match.split("#", 1)[0] for match in _value_name_pattern().findall(text)}
        self.counter = 0
        self._last: tuple[str | None, int] = (None, 0)

    def fresh(self) -> str:
        while True:
            name = f"%{PREFIX}{self.counter}"
            self.counter += 1
            if name not in self.taken:
                self.taken.add(name)
                self._last = (name, self.counter - 1)
                return name

    def give_back(self, name: str) -> None:
        """Return the most recent name unused (the op that was to define it took an existing name instead)."""
        if self._last[0] == name:
            self.taken.discard(name)
            self.counter = self._last[1]
            self._last = (None, 0)
