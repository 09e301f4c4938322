"""A JSON list of findings (`Finding.to_json()`), for scripts."""

from __future__ import annotations

import json
from typing import Sequence

from hlo_fix.lint.finding import Finding
from hlo_fix.lint.report import ReportContext


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return json.dumps([f.to_json() for f in findings], indent=2) + "\n"
