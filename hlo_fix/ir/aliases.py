"""The names of alias definitions (`#loc12 = loc(...)`, `!tok = !stablehlo.token`), read from a block of one-line
definitions without decoding their values: `Module.alias_names` asks, and the reader leaves such blocks unindexed
until a value is wanted. The patterns come from the grammar's `ATTR_REF` and `TYPE_REF` terminals."""

from __future__ import annotations

import functools
import re

from hlo_fix.ir.grammar import terminal_patterns


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    t = terminal_patterns()
    alias_name = rf"(?:{t['ATTR_REF']}|{t['TYPE_REF']})"
    at_line_start = re.compile(rf"^({alias_name})[ \t]*=", re.M)
    # The same after a newline: a literal first character makes the search three times faster.
    after_newline = re.compile(rf"\n({alias_name})[ \t]*=")
    return at_line_start, after_newline


def alias_names_in(text: str, start: int, end: int) -> list[str]:
    """The names defined by the one-line alias definitions in `text[start:end]`, which starts a line."""
    at_line_start, after_newline = _patterns()
    if start == 0:
        first = at_line_start.match(text, 0, end)
        return ([first.group(1)] if first else []) + after_newline.findall(text, 0, end)
    return after_newline.findall(text, start - 1, end)
