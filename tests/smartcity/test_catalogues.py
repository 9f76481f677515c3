"""Every text a page, a form or a service can show has its Indonesian words.

The texts are found the way the catalogues are made (babel's extraction with the
keywords each babel.cfg names), over the core and every app, so a string new in a
template or a module fails here, before someone reads English on an Indonesian page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
#: The keywords of the extraction commands in babel.cfg and the apps' own babel.cfg.
APP_KEYWORDS = {"_l": None, "N_": None, "M": None, "lazy_gettext": None}
CATALOGUES = {
    "core": (ROOT / "platform/smartcity", ROOT / "babel.cfg", {"_l": None}, "messages"),
    "ebudgeting": (
        ROOT / "tenants/ebudgeting",
        ROOT / "tenants/ebudgeting/translations/babel.cfg",
        {"_l": None, "N_": None, "_m": None, "Violation": (2,)},
        "messages",
    ),
    **{
        app: (ROOT / "tenants" / app, ROOT / "babel.cfg", APP_KEYWORDS, app)
        for app in ("sakip", "ekinerja", "pelayanan")
    },
}


def _translations(source: Path, domain: str) -> dict[str, bool]:
    """Each msgid of the Indonesian catalogue, and whether every form of it has words."""
    with (source / "translations/id/LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        catalogue = read_po(po)
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): all(
            [m.string] if isinstance(m.string, str) else m.string
        )
        for m in catalogue
        if m.id
    }


def test_every_app_with_a_catalogue_is_checked() -> None:
    apps = {p.parents[2].name for p in (ROOT / "tenants").glob("*/translations/id/LC_MESSAGES")}
    assert apps and apps <= set(CATALOGUES)


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_every_extracted_text_has_its_indonesian_words(name: str) -> None:
    source, config, keywords, domain = CATALOGUES[name]
    with config.open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {
        (message if isinstance(message, str) else message[0])
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(source),
            method_map,
            options_map,
            keywords={**DEFAULT_KEYWORDS, **keywords},
        )
        if message
    }
    assert len(found) > 300  # the extraction itself worked
    translated = _translations(source, domain)
    assert sorted(m for m in found if not translated.get(m)) == []
