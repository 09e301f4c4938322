"""What a wheel ships. The tests run from an editable install, which maps the whole hlo_fix/ directory, so a
package missing from pyproject.toml's list goes unnoticed here and breaks `pip install hlo-fix` (the console
script cannot import `hlo_fix.cli`)."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _packages_on_disk() -> set[str]:
    found = {".".join(init.parent.relative_to(REPO).parts) for init in (REPO / "hlo_fix").rglob("__init__.py")}
    modules_without_init = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "hlo_fix").rglob("*.py")
        if not (path.parent / "__init__.py").exists()
    }
    assert not modules_without_init, f"directories with modules but no __init__.py: {sorted(modules_without_init)}"
    return found


def test_every_package_ships():
    config = _config()
    listed = set(config["packages"])
    mapped = {name for name in config.get("package-dir", {}) if name}
    assert listed - mapped == _packages_on_disk()


def test_the_grammar_ships_with_its_files():
    config = _config()
    assert config["package-dir"]["hlo_fix.grammar"] == "grammar"
    assert "hlo_fix.grammar" in config["packages"]
    patterns = config["package-data"]["hlo_fix.grammar"]
    shipped = {p.name for pattern in patterns for p in (REPO / "grammar").glob(pattern)}
    assert shipped == {p.name for p in (REPO / "grammar").glob("*.lark")} and "stablehlo.lark" in shipped
