"""A JSON list of findings (`Finding.to_json()`), for scripts.

A finding whose source came out of a call chain (`loc(callsite(...))`) also gets `source.chain`: every frame,
innermost first, with its function where the exporter names it. Findings without a chain print as before.
"""

from __future__ import annotations

import json
from typing import Sequence

from hlo_fix.lint.report.context import ReportContext
from hlo_fix.rule_api.finding import Finding


def finding_json(finding: Finding) -> dict:
    data = finding.to_json()
    chain = getattr(finding.source, "chain", ())
    if len(chain) > 1:
        data["source"]["chain"] = [frame.to_json() for frame in chain]
    return data


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return json.dumps([finding_json(f) for f in findings], indent=2) + "\n"
