"""`--plot`: per-shard PCC of every output as a bar chart; SVG inside a self-contained HTML page (pure Python), or
PNG when matplotlib is importable. Given two reports (original, fixed), each shard gets a pair of bars."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from typing import Sequence

from hlo_fix.simulate.errors import SimulateError
from hlo_fix.simulate.report import SimulationReport, shard_label

_COLOURS = ("#d1495b", "#2e86ab")
_BAR, _GAP, _GROUP_GAP, _HEIGHT, _LEFT, _TOP = 18, 4, 26, 220, 56, 40


def write_plot(path: str | Path, reports: Sequence[SimulationReport], labels: Sequence[str]) -> None:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        page = f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>hlo-fix simulate</title></head>" \
               f"<body>\n{svg_chart(reports, labels)}\n</body></html>\n"
        _write(path, page)
    elif suffix == ".svg":
        _write(path, svg_chart(reports, labels) + "\n")
    elif suffix == ".png":
        _png(path, reports, labels)
    else:
        raise SimulateError(f"--plot {path}: expected a .html, .svg or .png file name")


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise SimulateError(f"cannot write {path}: {error}") from None


def _bars(reports: Sequence[SimulationReport]):
    """(output, shard label, [pcc per report]) in the first report's order."""
    rows = []
    for output in reports[0].outputs:
        for shard in output.shards:
            key = shard_label(shard.shard)
            values = []
            for report in reports:
                match = next((s for o in report.outputs if o.index == output.index for s in o.shards
                              if shard_label(s.shard) == key), None)
                values.append(match.pcc if match is not None else None)
            rows.append((output.index, key, values))
    return rows


def svg_chart(reports: Sequence[SimulationReport], labels: Sequence[str]) -> str:
    rows = _bars(reports)
    per_group = len(reports) * _BAR + _GAP
    low = math.floor(10 * min([0.0] + [v for _, _, values in rows for v in values if v is not None])) / 10
    width = _LEFT + len(rows) * per_group + len({o for o, _, _ in rows}) * _GROUP_GAP + 20
    height = _TOP + _HEIGHT + 70

    def y(value: float) -> float:
        return _TOP + (1.0 - value) / (1.0 - low) * _HEIGHT

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="11">']
    names = [Path(report.module).name for report in reports]
    title = escape(names[0] if len(names) == 1 else f"{names[0]} vs {names[1]}")
    parts.append(f'<text x="{_LEFT}" y="16" font-size="13">PCC per shard: {title}</text>')
    for tick in sorted({low, 0.0, 0.5, 1.0}):
        if low <= tick <= 1.0:
            parts.append(f'<line x1="{_LEFT - 4}" x2="{width - 10}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                         f'stroke="#ccc"/><text x="{_LEFT - 8}" y="{y(tick) + 4:.1f}" '
                         f'text-anchor="end">{tick:g}</text>')
    x = _LEFT
    last_output = None
    for output, shard, values in rows:
        if output != last_output:
            x += _GROUP_GAP if last_output is not None else 4
            parts.append(f'<text x="{x}" y="{_TOP + _HEIGHT + 44}">output {output}</text>')
            last_output = output
        for k, value in enumerate(values):
            if value is None:
                continue
            top, base = y(max(value, low)), y(0.0) if value >= 0 else y(value)
            top, base = min(top, y(0.0)), max(top, y(0.0))
            parts.append(f'<rect x="{x + k * _BAR}" y="{top:.1f}" width="{_BAR - 2}" height="{max(base - top, 1):.1f}" '
                         f'fill="{_COLOURS[k % 2]}"><title>{escape(labels[k])} output {output} {escape(shard)}: '
                         f'PCC {value:.6f}</title></rect>')
        parts.append(f'<text x="{x}" y="{_TOP + _HEIGHT + 16}" font-size="9">{escape(shard)}</text>')
        x += per_group
    for k, label in enumerate(labels):
        parts.append(f'<rect x="{_LEFT + k * 140}" y="{height - 18}" width="10" height="10" fill="{_COLOURS[k % 2]}"/>'
                     f'<text x="{_LEFT + k * 140 + 14}" y="{height - 9}">{escape(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _png(path: Path, reports, labels) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        message = f"--plot {path}: a .png needs matplotlib, which is not installed; use a .html file"
        raise SimulateError(message) from None
    rows = _bars(reports)
    figure, axes = plt.subplots(figsize=(max(4, len(rows) * 0.5 * len(reports)), 3))
    width = 0.8 / len(reports)
    for k, label in enumerate(labels):
        axes.bar([i + k * width for i in range(len(rows))], [v[k] or 0 for _, _, v in rows], width, label=label,
                 color=_COLOURS[k % 2])
    axes.set_xticks([i + width * (len(reports) - 1) / 2 for i in range(len(rows))])
    axes.set_xticklabels([f"{o}:{s}" for o, s, _ in rows], rotation=90, fontsize=7)
    axes.set_ylabel("PCC")
    axes.legend()
    figure.tight_layout()
    try:
        figure.savefig(path)
    except OSError as error:
        raise SimulateError(f"cannot write {path}: {error}") from None
    finally:
        plt.close(figure)
