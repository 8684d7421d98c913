"""No app imports another app in a circle: imports flow one way, down the layers.

Every import counts, at module level or inside a function: a lazy import hides a circle from
Python, not from the design.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def local_apps() -> set[str]:
    return {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT) and "." not in config.name
    }


def imported_apps(path: Path, names: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found |= {module.split(".")[0] for module in modules} & names
    return found


def app_graph() -> dict[str, set[str]]:
    names = local_apps()
    graph = {}
    for name in names:
        edges = set()
        for path in (ROOT / name).rglob("*.py"):
            if "migrations" not in path.parts:
                edges |= imported_apps(path, names)
        graph[name] = edges - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_walk_sees_the_apps_and_their_imports():
    graph = app_graph()
    assert {"accounts", "engagements", "milestones", "transition"} <= set(graph)
    assert "engagements" in graph["milestones"]


def test_the_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_app_imports_another_in_a_circle():
    cycle = find_cycle(app_graph())
    assert cycle is None, "apps import each other in a circle: " + " -> ".join(cycle)
