"""The rules hlo-fix knows, in code order."""

from __future__ import annotations

from hlo_fix.rules.base import Rule


def all_rules() -> list[type[Rule]]:
    return []


def rule_by_code(code: str) -> type[Rule] | None:
    return next((rule for rule in all_rules() if rule.code == code), None)
