"""Dependencies point down: every import in hlo_fix/, read with `ast` (module level, inside functions, and in
`if TYPE_CHECKING:` blocks alike), goes to the same layer or a lower one, and no set of modules imports itself in
a circle. Only the cli package talks to click, and the lint path never reaches jax or numpy.

The layer table below is the one place the order is declared (docs/adding-a-rule.md points here).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "hlo_fix"

# Lowest first. A module belongs to the layer of its longest matching prefix; it may import its own layer and
# the layers before it, never a later one.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("hlo_fix.errors", "hlo_fix.version")),
    ("equivalence oracle (XLA CPU, jax only here)", ("hlo_fix.verify",)),
    ("ir: reader, model, op accessors, locations", ("hlo_fix.ir",)),
    ("sharding model", ("hlo_fix.sharding",)),
    ("index tracing (loose and exact)", ("hlo_fix.index_tracing",)),
    ("rewrite building blocks", ("hlo_fix.rewrite",)),
    ("rule api", ("hlo_fix.rule_api",)),
    ("rules with their fixes", ("hlo_fix.rules",)),
    ("engine: lint and fix loops, settings", ("hlo_fix.lint", "hlo_fix.fix", "hlo_fix.simulate")),
    ("report formats", ("hlo_fix.lint.report",)),
    ("python api", ("hlo_fix.api", "hlo_fix")),
    ("cli", ("hlo_fix.cli", "hlo_fix.__main__")),
)

# Where `hlo-fix lint` and `hlo_fix.lint_text` start: nothing they can import, at any depth, may import these. The
# registry imports the rule modules by name (not visibly to `ast`), so each of them is an entry point too.
LINT_ENTRY_POINTS = ("hlo_fix.api", "hlo_fix.lint.checker", "hlo_fix.rules.registry", "hlo_fix.cli.lint") + tuple(
    sorted(p.stem for p in (PACKAGE / "rules").glob("hf*.py"))
)
NUMERIC = ("jax", "jaxlib", "numpy")



def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@cache
def imports_of(name: str) -> tuple[tuple[str, bool], ...]:
    """(imported module, runs at runtime) for every import statement of module `name`, wherever it sits. A
    `from package import name` that names a submodule counts as importing that submodule."""
    path = modules()[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            type_only.update(id(n) for child in node.body for n in ast.walk(child))
    found = []
    for node in ast.walk(tree):
        runtime = id(node) not in type_only
        if isinstance(node, ast.Import):
            found += [(alias.name, runtime) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.append((submodule if submodule in modules() else source, runtime))
    return tuple(found)


def internal_edges(runtime_only: bool = False) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name in modules():
        graph[name] = {
            target for target, runtime in imports_of(name)
            if target in modules() and target != name and (runtime or not runtime_only)
        }
    return graph


def layer_of(name: str) -> int | None:
    best, best_length = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            # The root package is only itself: `hlo_fix/__init__.py`, the lazy public facade.
            inside = name == prefix or (prefix != "hlo_fix" and name.startswith(prefix + "."))
            if inside and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    return best


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_reads_every_kind_of_import():
    """The parser under the test sees function-level and TYPE_CHECKING imports (a real module of each kind)."""
    kinds = {runtime for name in modules() for _, runtime in imports_of(name)}
    assert kinds == {True, False}
    graph = internal_edges()
    assert "hlo_fix.ir.model" in graph["hlo_fix.sharding.annotations"]  # a TYPE_CHECKING import
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_module_is_in_a_layer():
    assert [name for name in modules() if layer_of(name) is None] == []


def test_no_import_cycles():
    assert cycles(internal_edges()) == []


def test_imports_point_down():
    upward = [
        f"{source} ({LAYERS[layer_of(source)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for source, targets in sorted(internal_edges().items())
        for target in sorted(targets)
        if layer_of(source) is not None and layer_of(target) is not None and layer_of(target) > layer_of(source)
    ]
    assert upward == []


def test_only_the_cli_imports_click():
    offenders = [
        name for name in modules()
        if layer_of(name) != len(LAYERS) - 1 and any(t.split(".")[0] == "click" for t, _ in imports_of(name))
    ]
    assert offenders == []


@pytest.mark.parametrize("entry", LINT_ENTRY_POINTS)
def test_the_lint_path_never_imports_jax_or_numpy(entry):
    if entry.startswith("hf"):
        entry = f"hlo_fix.rules.{entry}"
    if entry not in modules():
        pytest.skip(f"{entry} does not exist")
    graph = internal_edges(runtime_only=True)
    seen, pending = set(), [entry]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(graph[name])
    numeric = sorted(
        f"{name} imports {target}"
        for name in seen for target, runtime in imports_of(name)
        if runtime and target.split(".")[0] in NUMERIC
    )
    assert numeric == []
