"""The default format, after ruff and rustc: a header line, the offending line under a line-number gutter with
`^` under the op, then notes for the Python source and the fix."""

from __future__ import annotations

from typing import Sequence

from hlo_fix.lint.finding import Finding
from hlo_fix.lint.report import ReportContext
from hlo_fix.lint.report.fixes import fix_is_applicable, fix_is_hidden
from hlo_fix.lint.report.summary import summary_lines

# StableHLO lines (a gather with its attributes and types) often run to hundreds of characters; show a window.
MAX_SNIPPET_WIDTH = 120
CONTEXT_BEFORE_SPAN = 16
ELLIPSIS = "..."


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = SourceLines(context.sources)
    blocks = [finding_block(f, context, lines) + "\n" for f in findings]
    summary = summary_lines(findings, context)
    return "".join(f"{block}\n" for block in blocks) + "".join(f"{line}\n" for line in summary)


class SourceLines:
    """A file's line `row`, found by walking newlines from the nearest row already seen. Findings come sorted,
    so a report walks each file once, without holding a second copy of a 40 MB module as a list of lines."""

    def __init__(self, sources):
        self.sources = sources
        self.cursor: dict[str, tuple[int, int]] = {}  # filename -> (row, offset of that row's start)

    def line(self, filename: str, row: int, offset: int | None = None) -> str | None:
        text = self.sources.get(filename)
        if text is None or row < 1:
            return None
        if offset is not None and 0 <= offset <= len(text):
            # The checker knows where the finding's op starts: cut its line out directly.
            end = text.find("\n", offset)
            return text[text.rfind("\n", 0, offset) + 1 : end if end >= 0 else len(text)]
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
        return text[offset : end if end >= 0 else len(text)]


def finding_block(finding: Finding, context: ReportContext, source: SourceLines | None = None) -> str:
    marker = "[*] " if fix_is_applicable(finding, context.unsafe_fixes) else ""
    lines = [f"{finding.filename}:{finding.row}:{finding.column}: {finding.code} {marker}{finding.message}"]
    gutter = " " * (len(str(finding.row)) + 1)
    line = (source or SourceLines(context.sources)).line(finding.filename, finding.row, finding.offset)
    lines += snippet(finding, line, gutter)
    if finding.source is not None:
        lines.append(f"{gutter}= source: {finding.source}")
    if finding.fix is not None:
        note = f"{gutter}= help: {finding.fix.message}"
        if fix_is_hidden(finding, context.unsafe_fixes):
            note += " (unsafe fix, available with `hlo-fix fix --unsafe-fixes`)"
        lines.append(note)
    return "\n".join(lines)


def snippet(finding: Finding, source_line: str | None, gutter: str) -> list[str]:
    """The finding's first line with carets under its span; nothing when the text is not at hand."""
    if source_line is None:
        return []
    line = source_line.rstrip()
    start = min(finding.column - 1, len(line))
    # end_column is exclusive (one past the span); a span that runs onto later lines is underlined to line end.
    end = finding.end_column - 1 if finding.end_row == finding.row else len(line)
    end = max(end, start + 1)
    shown, start, end = crop(line, start, end)
    return [
        f"{gutter}|",
        f"{finding.row} | {shown}".rstrip(),
        f"{gutter}| {' ' * start}{'^' * (end - start)}",
        f"{gutter}|",
    ]


def crop(line: str, start: int, end: int, width: int = MAX_SNIPPET_WIDTH) -> tuple[str, int, int]:
    """A window of `line` around [start, end) that fits `width`, with `...` where it was cut; span re-based."""
    if len(line) <= width:
        return line, start, end
    left = max(0, min(start - CONTEXT_BEFORE_SPAN, len(line) - width))
    right = min(len(line), left + width)
    prefix = ELLIPSIS if left else ""
    suffix = ELLIPSIS if right < len(line) else ""
    shift = len(prefix) - left
    return prefix + line[left:right] + suffix, start + shift, min(end, right + len(suffix)) + shift
