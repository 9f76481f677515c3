"""Errors as msgids with parameters: raised once, shown in the reader's language.

A core service raises :class:`smartcity.errors.Message` objects (a msgid and its
values), never a sentence formatted in English with an f-string: that could not
be translated where it is shown (``web/__init__.py`` once kept a list of regexes
to take such sentences apart again).
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path
from typing import Any

import smartcity
from babel.messages.pofile import read_po
from smartcity import errors

CORE = Path(smartcity.__file__).parent
CATALOGUE = CORE / "translations" / "id" / "LC_MESSAGES" / "messages.po"
SERVICE_ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.ServiceError)
}


def _core_modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text())) for p in sorted(CORE.rglob("*.py"))]


def _error_classes(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    """ServiceError and every class of the core derived from it (Gone, TooLarge, ...)."""
    names = set(SERVICE_ERRORS)
    grew = True
    while grew:
        grew = False
        for _path, tree in modules:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                    if bases & names:
                        names.add(node.name)
                        grew = True
    return names


def _f_strings(arg: ast.expr) -> list[ast.JoinedStr]:
    """The f-strings a person would read in an argument (a field's name may be one)."""
    keys = {id(k) for d in ast.walk(arg) if isinstance(d, ast.Dict) for k in d.keys if k}
    keys |= {id(c.key) for c in ast.walk(arg) if isinstance(c, ast.DictComp)}
    return [n for n in ast.walk(arg) if isinstance(n, ast.JoinedStr) and id(n) not in keys]


def test_no_core_service_error_is_built_from_an_f_string() -> None:
    modules = _core_modules()
    found = [
        f"{path.relative_to(CORE)}:{node.lineno}"
        for path, node in _calls_to(modules, _error_classes(modules))
        if any(_f_strings(arg) for arg in [*node.args, *(k.value for k in node.keywords)])
    ]
    assert found == []


def _catalogue() -> Any:
    with CATALOGUE.open("rb") as po:
        return read_po(po)


def _untranslated(catalogue: Any, text: object) -> bool:
    """Whether ``text`` (an AST node or a msgid) is a plain string without Indonesian text."""
    if isinstance(text, ast.Constant):
        text = text.value
    if not isinstance(text, str):
        return False
    found = catalogue.get(text)
    return not (found and found.string)


def _calls_to(
    modules: list[tuple[Path, ast.Module]], names: set[str]
) -> list[tuple[Path, ast.Call]]:
    """Every call, by its plain name, of one of ``names`` in the core."""
    return [
        (path, node)
        for path, tree in modules
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
    ]


def test_every_core_message_has_its_indonesian_text() -> None:
    catalogue = _catalogue()
    msgids = {
        call.args[0].value
        for _path, call in _calls_to(_core_modules(), {"Message"})
        if call.args and isinstance(call.args[0], ast.Constant)
    }
    assert len(msgids) > 50
    untranslated = sorted(m for m in msgids if _untranslated(catalogue, m))
    assert untranslated == []


def _module_constants(modules: list[tuple[Path, ast.Module]]) -> dict[str, tuple[Path, ast.expr]]:
    """Module-level ``NAME = value`` of the core (a message kept in a constant)."""
    return {
        target.id: (path, node.value)
        for path, tree in modules
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.isupper()
    }


def _argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _filled_into(
    modules: list[tuple[Path, ast.Module]], names: set[str]
) -> list[tuple[Path, ast.expr]]:
    """The values put into a dict of one of ``names``: by key, or as a literal or comprehension."""
    values: list[tuple[Path, ast.expr]] = []
    for path, tree in modules:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                if target.value.id in names:
                    values.append((path, node.value))
            elif isinstance(target, ast.Name) and target.id in names:
                if isinstance(node.value, ast.Dict):
                    values += [(path, value) for value in node.value.values]
                elif isinstance(node.value, ast.DictComp):
                    values.append((path, node.value.value))
    return values


def _refusal_texts(modules: list[tuple[Path, ast.Module]]) -> list[tuple[str, ast.expr]]:
    """What a person reads of a core refusal, as written: ``(where, expression)``.

    The message of each ServiceError (or a module constant it names), the values of
    a literal ``fields`` dict, and every value put into a dict passed as ``fields``
    by name: ``problems["x"] = ...`` and ``problems = {...}`` wherever a dict of that
    name is filled (the helpers that build one, such as ``staff_problems``, use the
    same name). A conditional expression counts by both its branches.
    """
    constants = _module_constants(modules)
    calls = _calls_to(modules, _error_classes(modules))
    texts: list[tuple[Path, ast.expr]] = []
    sinks: set[str] = set()
    for path, call in calls:
        message = _argument(call, 0, "message")
        if isinstance(message, ast.Name) and message.id in constants:
            texts.append(constants[message.id])
        elif message is not None:
            texts.append((path, message))
        fields = _argument(call, 1, "fields")
        if isinstance(fields, ast.Dict):
            texts += [(path, value) for value in fields.values]
        elif isinstance(fields, ast.Name):
            sinks.add(fields.id)
    texts += _filled_into(modules, sinks)
    found: list[tuple[str, ast.expr]] = []
    while texts:
        path, text = texts.pop()
        if isinstance(text, ast.IfExp):
            texts += [(path, text.body), (path, text.orelse)]
        else:
            found.append((f"{path.relative_to(CORE)}:{text.lineno}", text))
    return found


def _is_built(text: ast.expr) -> bool:
    """A sentence put together in English: an f-string, ``+``, ``%`` or ``.format``."""
    return (
        isinstance(text, ast.JoinedStr)
        or (
            isinstance(text, ast.BinOp)
            and any(isinstance(n, ast.Constant | ast.JoinedStr) for n in (text.left, text.right))
        )
        or (
            isinstance(text, ast.Call)
            and isinstance(text.func, ast.Attribute)
            and text.func.attr == "format"
        )
    )


def test_every_core_refusal_text_is_a_message_with_its_indonesian_text() -> None:
    """Plain strings given to a ServiceError are msgids too (``as_message``): each one
    needs its Indonesian text; a sentence built in English can never have one."""
    catalogue = _catalogue()
    texts = _refusal_texts(_core_modules())
    assert len(texts) > 100
    built = sorted(where for where, text in texts if _is_built(text))
    assert built == []
    untranslated = sorted(
        f"{where} {ast.unparse(text)}" for where, text in texts if _untranslated(catalogue, text)
    )
    assert untranslated == []


def _refusal_helpers(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    """Functions of the core that build a ServiceError for their caller to raise: named
    ``_refuse...`` or annotated to return one of the error classes (``-> InvalidInput``)."""
    classes = _error_classes(modules)
    return {
        node.name
        for _path, tree in modules
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (
            node.name.startswith("_refuse")
            or (isinstance(node.returns, ast.Name) and node.returns.id in classes)
        )
    }


def test_refusal_helpers_are_given_messages_not_english_sentences() -> None:
    """A helper such as ``_refuse(message, field)`` passes its first argument on as the
    ServiceError's message: an f-string or a string without Indonesian text given to it
    reaches the operator in English only, as directly given to the error would."""
    catalogue = _catalogue()
    modules = _core_modules()
    helpers = _refusal_helpers(modules)
    assert "_refuse" in helpers
    calls = _calls_to(modules, helpers)
    assert len(calls) > 20
    found = [
        f"{path.relative_to(CORE)}:{call.lineno}"
        for path, call in calls
        if (first := _argument(call, 0, "message")) is not None
        and (_is_built(first) or _untranslated(catalogue, first))
    ]
    assert found == []


def test_a_message_is_english_as_text_and_keeps_its_id_and_values() -> None:
    message = errors.Message("code %(code)s is already used", code="4.01")
    assert message == "code 4.01 is already used"
    assert (message.msgid, message.params) == ("code %(code)s is already used", {"code": "4.01"})
    error = errors.Conflict(message, {"code": "already used"})
    assert error.message_id == "code %(code)s is already used"
    assert error.params == {"code": "4.01"}
    assert error.fields["code"].msgid == "already used"


def test_an_app_raises_messages_from_its_own_catalogue(app) -> None:
    looked_up: list[tuple[str, dict[str, object]]] = []

    def app_gettext(msgid: str, **params: object) -> str:
        looked_up.append((msgid, params))
        return f"pagu {params['opd']} terlampaui"

    message = errors.messages_from(app_gettext)("pagu of %(opd)s exceeded", opd="Dinas")
    assert str(message) == "pagu of Dinas exceeded"
    with app.test_request_context("/?lang=id"):
        assert message.localized() == "pagu Dinas terlampaui"
    assert looked_up == [("pagu of %(opd)s exceeded", {"opd": "Dinas"})]


def test_a_month_reads_by_its_name_in_the_language_it_is_shown_in(app) -> None:
    """Raised once (in whatever request), a month says "Maret 2027" to an Indonesian
    reader and "March 2027" to an English one, never ``03/2027``."""
    message = errors.Message("%(month)s is locked", month=date(2027, 3, 1))
    assert str(message) == "March 2027 is locked"
    assert message.json_params() == {"month": "2027-03"}
    with app.test_request_context("/?lang=id"):
        assert errors.month_name(date(2027, 3, 1)) == "Maret 2027"
        later = errors.Message("after %(month_first)s", month_first=date(2027, 12, 1))
        assert later.localized() == "after Desember 2027"
    with app.test_request_context("/?lang=en"):
        assert message.localized() == "March 2027 is locked"
    # The document's own language, whoever reads; and a month stored as JSON comes back.
    assert errors.month_name(date(2027, 3, 1), "id") == "Maret 2027"
    stored = errors.Message(message.msgid, **message.json_params())
    assert str(stored) == "March 2027 is locked"
    with app.test_request_context("/?lang=id"):
        # No Indonesian msgid here, but the month is Indonesian all the same.
        assert stored.localized() == "Maret 2027 is locked"
    # Other parameters as before: a code shaped like a month but not named one stays.
    assert str(errors.Message("code %(code)s", code="2027-03")) == "code 2027-03"
