"""The test suite's own rules: helpers live in support modules, not in other test modules."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_test_module_imports_another():
    """Shared helpers go to tests/support/ (or conftest fixtures): a test module that
    imports another one runs that module's fixtures and couples their edits."""
    offending = [
        f"{path.name}:{node.lineno} imports {node.module}"
        for path in sorted(TESTS.rglob("test_*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").split(".")[-1].startswith("test_")
    ]
    assert offending == []


def test_test_modules_mirror_the_source_tree():
    """A module's tests sit where the module does: tests/smartcity/<package>/,
    tests/tenants/<app>/, tests/worker/; only the suite-wide checks stay at the top."""
    root = TESTS.parent
    misplaced = []
    for path in sorted(TESTS.rglob("test_*.py")):
        relative = path.relative_to(TESTS)
        if len(relative.parts) == 1:
            if path.stem not in {"test_import_contracts", "test_suite_layout"}:
                misplaced.append(str(relative))
            continue
        source = root / ("platform" if relative.parts[0] == "smartcity" else "")
        if not (source / Path(*relative.parts[:-1])).is_dir():
            misplaced.append(str(relative))
    assert misplaced == []
