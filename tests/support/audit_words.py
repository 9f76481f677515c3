"""Checks that an app's audit entries read as words: what its source records, and the log page.

An app names its audit codes in ``AppManifest.audit_labels``; a code it records
without naming shows humanised English ("Ekinerja · punch review") even to an
Indonesian admin. These helpers find the codes an app's source records, so a new
one without words fails its app's test, and read the regency's log in Indonesian.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

from smartcity.web.audit_words import ENTITIES, FIELDS, humanise

ROOT = Path(__file__).resolve().parents[2]


def _modules(app: str) -> Iterator[ast.Module]:
    for path in sorted((ROOT / "tenants" / app).rglob("*.py")):
        yield ast.parse(path.read_text())


def _strings(node: ast.expr) -> list[str]:
    """The string constants an argument can take (``"a" if x else "b"`` gives both)."""
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def recorded_codes(app: str) -> tuple[set[str], set[str], set[str], set[str]]:
    """What the app's source records: actions, entities and snapshot fields written as
    literals, and the prefixes of actions built at run time (``f"sakip.evaluation.{x}"``),
    which the caller expands.

    A record is a call with ``action=`` and ``entity=``; an action handed to a helper of
    the module (``_audit(session, actor, record, "ekinerja.machine_apply")``) counts too.
    """
    actions: set[str] = set()
    entities: set[str] = set()
    fields: set[str] = set()
    built: set[str] = set()
    for module in _modules(app):
        for call in (n for n in ast.walk(module) if isinstance(n, ast.Call)):
            words = {k.arg: k.value for k in call.keywords}
            if "audit" in _name(call):
                actions.update(s for a in call.args for s in _strings(a) if s.startswith(f"{app}."))
            if not {"action", "entity"} <= words.keys():
                continue
            action = words["action"]
            if isinstance(action, ast.JoinedStr):
                built.add("".join(_strings(action)))
            else:
                actions.update(_strings(action))
            entities.update(_strings(words["entity"]))
            for snapshot in (words.get("before"), words.get("after")):
                for node in ast.walk(snapshot) if snapshot is not None else ():
                    if isinstance(node, ast.Dict):
                        fields.update(
                            k.value
                            for k in node.keys
                            if isinstance(k, ast.Constant) and isinstance(k.value, str)
                        )
    return actions, entities, fields, built


def unnamed(
    labels: Mapping[str, str], actions: set[str], entities: set[str], fields: set[str]
) -> list[str]:
    """The codes neither the app nor the core names."""
    return sorted(
        {a for a in actions if a not in labels}
        | {e for e in entities if e not in labels and e not in ENTITIES}
        | {f for f in fields if f not in labels and f not in FIELDS}
    )


def audit_page(client, slug: str, query: str = "") -> str:  # type: ignore[no-untyped-def]
    """The regency's audit log in Indonesian (``query``: its filters, e.g. ``action=...``)."""
    response = client.get(f"/t/{slug}/admin/audit?lang=id&{query}")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def humanised_on(page: str, *codes: str) -> list[str]:
    """The codes the page shows humanised ("Sakip · plan · create") instead of in words."""
    return [code for code in codes if humanise(code) in page]
