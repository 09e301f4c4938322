"""The default format, after ruff and rustc: a header line, the offending line under a line-number gutter with
`^` under the op, then notes for the Python source and the fix."""

from __future__ import annotations

from typing import Sequence

from hlo_fix.lint.report.concise import finding_line
from hlo_fix.lint.report.context import ReportContext
from hlo_fix.lint.report.fixes import fix_is_applicable, fix_is_hidden
from hlo_fix.lint.report.style import BLUE, BOLD, RED, paint
from hlo_fix.lint.report.summary import summary_lines
from hlo_fix.rule_api.finding import Finding

# StableHLO lines (a gather with its attributes and types) often run to hundreds of characters; show a window.
MAX_SNIPPET_WIDTH = 120
CONTEXT_BEFORE_SPAN = 16
ELLIPSIS = "..."


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = SourceLines(context.sources)
    blocks = [finding_block(f, context, lines) + "\n" for f in findings]
    summary = summary_lines(findings, context)
    return "".join(f"{block}\n" for block in blocks) + "".join(f"{line}\n" for line in summary)


_WINDOW = 4096  # characters of a long line kept on each side of a finding's op


class SourceLines:
    """A file's line `row`, found by walking newlines from the nearest row already seen. Findings come sorted,
    so a report walks each file once, without holding a second copy of a 40 MB module as a list of lines."""

    def __init__(self, sources):
        self.sources = sources
        self.cursor: dict[str, tuple[int, int]] = {}  # filename -> (row, offset of that row's start)

    def line(self, filename: str, row: int, offset: int | None = None) -> tuple[str, bool, bool] | None:
        """The finding's line, or only the part within `_WINDOW` characters of its op on a very long line (a
        module printed on one line), and whether it was cut on the left and on the right."""
        text = self.sources.get(filename)
        if text is None or row < 1:
            return None
        if offset is not None and 0 <= offset <= len(text):
            # The checker knows where the finding's op starts: cut its line out directly.
            low = max(0, offset - _WINDOW)
            start = text.rfind("\n", low, offset) + 1 or low
            high = min(len(text), offset + _WINDOW)
            end = text.find("\n", offset, high)
            end = high if end < 0 else end
            return text[start:end], start > 0 and text[start - 1] != "\n", end < len(text) and text[end] != "\n"
        at_row, offset = self.cursor.get(filename, (1, 0))
        if row < at_row:
            at_row, offset = 1, 0
        find = text.find
        while at_row < row:
            offset = find("\n", offset) + 1
            if offset == 0:
                return None
            at_row += 1
        self.cursor[filename] = (at_row, offset)
        end = find("\n", offset)
        # Rows count "\n" only, as the reader does (splitlines would also split at \x0c, \x1c...).
        return text[offset : end if end >= 0 else len(text)], False, False


def finding_block(finding: Finding, context: ReportContext, source: SourceLines | None = None) -> str:
    lines = [finding_line(finding, context.unsafe_fixes, context.color)]
    gutter = " " * (len(str(finding.row)) + 1)
    line = (source or SourceLines(context.sources)).line(finding.filename, finding.row, finding.offset)
    lines += snippet(finding, line, gutter, context.color)
    if finding.source is not None:
        lines.append(f"{gutter}= source: {finding.source}")
    if finding.fix is not None:
        note = f"{gutter}= help: {finding.fix.message}"
        if fix_is_hidden(finding, context.unsafe_fixes):
            note += " (unsafe fix, available with `hlo-fix fix --unsafe-fixes`)" if context.audience != "python" \
                else " (unsafe fix: `hlo-fix fix --unsafe-fixes` on the exported module)"
        lines.append(note)
    return "\n".join(lines)


def snippet(finding: Finding, source_line: tuple[str, bool, bool] | None, gutter: str, color: bool = False) -> list[str]:
    """The finding's first line with carets under its span; nothing when the text is not at hand."""
    if source_line is None:
        return []
    text, cut_left, cut_right = source_line
    line = text.rstrip()
    # Columns of a line that was cut on the left count from the finding's op, which starts `_WINDOW` in.
    shift = finding.column - 1 - _WINDOW if cut_left else 0
    start = min(finding.column - 1 - shift, len(line))
    # end_column is exclusive (one past the span); a span that runs onto later lines is underlined to line end.
    end = finding.end_column - 1 - shift if finding.end_row == finding.row else len(line)
    end = max(min(end, len(line)) if cut_right else end, start + 1)
    shown, start, end = crop(line, start, end, cut_left=cut_left, cut_right=cut_right)
    bar = paint("|", BOLD + BLUE, color)
    number = paint(str(finding.row), BOLD + BLUE, color)
    return [
        f"{gutter}{bar}",
        f"{number} {bar} {shown}".rstrip(),
        f"{gutter}{bar} {' ' * start}{paint('^' * (end - start), BOLD + RED, color)}",
        f"{gutter}{bar}",
    ]


def crop(
    line: str, start: int, end: int, width: int = MAX_SNIPPET_WIDTH, cut_left: bool = False, cut_right: bool = False
) -> tuple[str, int, int]:
    """A window of `line` around [start, end) that fits `width`, with `...` where it was cut (or where `line`
    itself was cut from a longer one); span re-based."""
    if len(line) <= width and not cut_left and not cut_right:
        return line, start, end
    left = max(0, min(start - CONTEXT_BEFORE_SPAN, len(line) - width))
    right = min(len(line), left + width)
    prefix = ELLIPSIS if left or cut_left else ""
    suffix = ELLIPSIS if right < len(line) or cut_right else ""
    shift = len(prefix) - left
    return prefix + line[left:right] + suffix, start + shift, min(end, right + len(suffix)) + shift
