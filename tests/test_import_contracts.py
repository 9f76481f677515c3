"""The import structure: no cycles, and a facade that offers everything apps use.

import-linter (``lint-imports``, run by ``dev.py test``) enforces the layers and
the "apps import only smartcity.toolkit" contract from pyproject.toml; these
tests keep that configuration honest and check what it cannot express.
"""

from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path
from types import ModuleType

import grimp
import pytest
import smartcity
from smartcity import toolkit

ROOT = Path(__file__).resolve().parents[1]
CORE = Path(smartcity.__file__).parent
APP_SOURCES = [ROOT / "tenants", ROOT / "tests" / "apps"]
#: Cycles another change removes; each entry names it (drop it with the cycle).
KNOWN_CYCLES: set[frozenset[str]] = set()
#: Core names apps use today that the facade replaces by a narrower one.
REPLACED = {
    # e-Budgeting's reports read ``platform_state().registry.permissions`` only.
    "smartcity.state.platform_state": "permissions_for",
}


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    imported = sorted(graph.find_modules_directly_imported_by(child))
                    work.append((child, iter(imported)))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(group)
    return found


def test_no_module_imports_itself_through_others() -> None:
    """A cycle hidden in a function-local import is still a cycle (grimp sees those too)."""
    graph = grimp.build_graph(
        "smartcity",
        "tenants",
        "worker",
        include_external_packages=False,
        # as in the import-linter contracts: an annotation-only import is no dependency
        exclude_type_checking_imports=True,
    )
    cycles = [sorted(c) for c in _cycles(graph) if frozenset(c) not in KNOWN_CYCLES]
    assert cycles == []


def test_the_facade_contract_names_every_core_module_but_the_facade() -> None:
    """A core module added later is forbidden to apps the day it is added."""
    core = {
        f"smartcity.{p.stem}"
        for p in CORE.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.stem != "__init__"
    }
    contract = _contracts()["Apps import the core only through smartcity.toolkit"]
    assert set(contract["forbidden_modules"]) == core - {"smartcity.toolkit"}  # type: ignore[arg-type]
    assert set(contract["source_modules"]) == {"tenants", "tests.apps"}  # type: ignore[arg-type]


def _core_names_used(path: Path) -> list[tuple[str, object]]:
    """(what, object) for every core name an app module imports, and each attribute
    it reads from a core module it imports (``audit.record``)."""
    tree = ast.parse(path.read_text())
    used: list[tuple[str, object]] = []
    modules: dict[str, ModuleType] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("smartcity"):
            continue
        source = importlib.import_module(node.module or "")
        for alias in node.names:
            value = getattr(source, alias.name)
            if isinstance(value, ModuleType):
                modules[alias.asname or alias.name] = value
            else:
                used.append((f"{node.module}.{alias.name}", value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            module = modules[node.value.id]
            used.append((f"{module.__name__}.{node.attr}", getattr(module, node.attr)))
    return used


def test_the_facade_offers_every_core_name_the_apps_use() -> None:
    """Moving an app onto the facade is then a change of imports, nothing more."""
    offered = {id(getattr(toolkit, name)) for name in toolkit.__all__}
    # A namespace the facade hands out whole (``access``, ``signals``) offers its names.
    namespaces = tuple(
        f"{value.__name__}."
        for value in (getattr(toolkit, name) for name in toolkit.__all__)
        if isinstance(value, ModuleType)
    )
    missing = sorted(
        {
            f"{path.relative_to(ROOT)}: {what}"
            for source in APP_SOURCES
            for path in source.rglob("*.py")
            for what, value in _core_names_used(path)
            if id(value) not in offered
            and not what.startswith(namespaces)
            and not hasattr(toolkit, REPLACED.get(what, "-"))
        }
    )
    assert missing == []


@pytest.mark.parametrize("name", toolkit.__all__)
def test_every_facade_name_is_documented(name: str) -> None:
    """Each name is named in the module's guide (by topic), so an app author finds it."""
    assert toolkit.__doc__ is not None
    assert name in toolkit.__doc__
