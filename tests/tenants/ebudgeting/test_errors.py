"""e-Budgeting's refusals as Messages from its own catalogue, in Indonesian and English.

The same walk as the core's (tests/test_errors.py), over tenants/ebudgeting: a
service error, a budget rule's message or an import row's problem is a msgid with
its values, never an English f-string, and every msgid has its Indonesian text.
"""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.pofile import read_po
from smartcity import errors

import tenants.ebudgeting

APP = Path(tenants.ebudgeting.__file__).parent
CATALOGUE = APP / "translations" / "id" / "LC_MESSAGES" / "messages.po"
#: What a person reads besides service errors: a rule's message, an import row's problem.
READ_BY_PEOPLE = {"Violation", "Problem"}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (p, ast.parse(p.read_text()))
        for p in sorted(APP.rglob("*.py"))
        if "migrations" not in p.parts
    ]


def _error_classes(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    names = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.ServiceError)
    }
    grew = True
    while grew:
        grew = False
        for _path, tree in modules:
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in names
                    and {b.id for b in node.bases if isinstance(b, ast.Name)} & names
                ):
                    names.add(node.name)
                    grew = True
    return names | READ_BY_PEOPLE


def _f_strings(arg: ast.expr) -> list[ast.JoinedStr]:
    keys = {id(k) for d in ast.walk(arg) if isinstance(d, ast.Dict) for k in d.keys if k}
    keys |= {id(c.key) for c in ast.walk(arg) if isinstance(c, ast.DictComp)}
    return [n for n in ast.walk(arg) if isinstance(n, ast.JoinedStr) and id(n) not in keys]


def _called(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name):
            return node.func.id
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
    return None


def test_no_ebudgeting_refusal_is_built_from_an_f_string() -> None:
    modules = _modules()
    classes = _error_classes(modules)
    found = [
        f"{path.relative_to(APP)}:{node.lineno}"
        for path, tree in modules
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _called(node) in classes
        and any(_f_strings(arg) for arg in [*node.args, *(k.value for k in node.keywords)])
    ]
    assert found == []


def test_every_ebudgeting_message_has_its_indonesian_text() -> None:
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    msgids = set()
    for _path, tree in _modules():
        for node in ast.walk(tree):
            name = _called(node)
            if name == "_m" and node.args and isinstance(node.args[0], ast.Constant):
                msgids.add(node.args[0].value)
            if (
                name == "Violation"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
            ):
                msgids.add(node.args[1].value)
    assert len(msgids) > 60
    untranslated = sorted(m for m in msgids if not (catalogue.get(m) and catalogue.get(m).string))
    assert untranslated == []
