"""Imports flow one way, down the layers, and no file imports another in a circle.

The whole tree is read (the kernel, every app, the project package and the benches; tests and
migrations aside) and every import counts, at module level or inside a function, and under
``TYPE_CHECKING`` too: a lazy import hides a circle from Python, not from the design.
``docs/architecture.md`` explains the layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# From the ground up. A package may import itself and any package below it, never one above:
# a domain that a higher one needs offers it through a registry in the kernel instead.
LAYERS = (
    "kernel",
    "accounts",
    "health",
    "audit",
    "engagements",
    # The API kit and the API app's own resources: below the domains, which declare theirs in
    # ``<app>/api.py`` with it.
    "api",
    # Below every domain that has reminders: it reads their occasions from the registry.
    "notifications",
    # Below every domain too: it reads their exports and calendar events from the registries.
    "exports",
    # Below every domain too: it reads their search documents from the registry.
    "search",
    "milestones",
    "registers",
    "governance",
    # Saved copies of the plan's dates: reads milestones, phases and gates; the reports read it.
    "baselines",
    "reporting",
    # The readiness roster: it reads the gates' phases, never the gates.
    "roster",
    # The go-live forecast: reads engagements, milestones and gates; shown by transition.
    "forecast",
    "transition",
    # Plans from a spreadsheet: it creates engagements through transition's services.
    "plans",
    "bpo_transition",
    # The API's fuzz configuration (scripts/schemathesis.sh): it names every domain's objects.
    "fuzz",
    "bench",
)
SKIPPED_FOLDERS = {"tests", "migrations", ".venv", "node_modules", "static", "templates"}


def source_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the tree by dotted name (a package by its own name)."""
    modules = {}
    for package in LAYERS:
        for path in (root / package).rglob("*.py"):
            if SKIPPED_FOLDERS & set(path.relative_to(root).parts):
                continue
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def imported_names(module: str, path: Path) -> set[str]:
    """The dotted names ``path`` imports, relative imports resolved."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names.add(target)
            names |= {f"{target}.{alias.name}" for alias in node.names}
    return names


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the modules of this tree it imports (a name resolves to its nearest module)."""
    modules = source_files(root)

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in modules.items():
        targets = {resolve(name) for name in imported_names(module, path)}
        graph[module] = {target for target in targets if target and target != module}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other in a loop (Tarjan's strongly connected
    components of more than one module), each sorted, in order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def layer_of(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if layer_of(target) > layer_of(module)
    )


def test_the_walk_reads_the_whole_tree():
    graph = import_graph()
    assert {"kernel.tenancy", "accounts.middleware", "bpo_transition.urls"} <= set(graph)
    assert "kernel.tenancy" in graph["kernel.background"]
    assert "engagements.models" in graph["milestones.models"]
    assert not any(module.startswith("tests.") for module in graph)


def test_every_top_level_package_has_a_layer():
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in SKIPPED_FOLDERS
    }
    assert packages <= set(LAYERS), f"give these a layer: {sorted(packages - set(LAYERS))}"


def test_the_circle_finder_finds_planted_circles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert circles(graph) == [["a", "b", "c"], ["d", "e"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_layer_check_finds_a_planted_upward_import():
    assert upward_imports({"kernel.errors": {"accounts.models"}}) == [
        "kernel.errors -> accounts.models"
    ]
    assert upward_imports({"accounts.models": {"kernel.errors"}}) == []


def test_no_file_imports_another_in_a_circle():
    found = circles(import_graph())
    assert not found, "files import each other in a circle: " + "; ".join(
        " <-> ".join(group) for group in found
    )


def test_no_import_runs_up_the_layers():
    found = upward_imports(import_graph())
    assert not found, "imports running up the layers: " + "; ".join(found)


def test_the_kernel_imports_no_app():
    graph = import_graph()
    found = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.startswith("kernel")
        for target in targets
        if not target.startswith("kernel")
    )
    assert not found, found
