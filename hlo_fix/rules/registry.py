"""The rules hlo-fix knows, in code order, found from the rule modules themselves: every `hfNNN_<name>.py` in
this package (not the `hfNNN_<name>_fix.py` next to it) defines exactly one `Rule`, and the rule declares its fix
(`Rule.fix`). Adding a module adds the rule; there is no list to update."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re

import hlo_fix.rules as _package
from hlo_fix.rule_api.rule import Rule

RULE_MODULE = re.compile(r"hf\d{3}_[a-z0-9_]+")
FIX_SUFFIX = "_fix"


def rule_module_names() -> list[str]:
    """The rule modules' names (`hf001_sharded_iota`, ...), in name order."""
    return sorted(
        info.name for info in pkgutil.iter_modules(_package.__path__)
        if RULE_MODULE.fullmatch(info.name) and not info.name.endswith(FIX_SUFFIX)
    )


def rule_of(module) -> type[Rule]:
    """The one Rule subclass a rule module defines."""
    found = [
        value for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__
    ]
    if len(found) != 1:
        raise TypeError(f"{module.__name__} must define exactly one Rule, not {len(found)}")
    return found[0]


@functools.cache
def _discovered() -> tuple[type[Rule], ...]:
    rules = [rule_of(importlib.import_module(f"{_package.__name__}.{name}")) for name in rule_module_names()]
    return tuple(sorted(rules, key=lambda rule: rule.code))


def all_rules() -> list[type[Rule]]:
    return list(_discovered())


def rule_for(code: str) -> type[Rule] | None:
    """The rule reporting `code`, or None."""
    return next((rule for rule in all_rules() if rule.code == code), None)
