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
