"""Walking a regency's pages as a signed-in user, and posting every form found with
hostile values, the way someone probing the site with a valid account would."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from flask.testing import FlaskClient

#: What a prober types into every field of a form at once, one post per value: digits
#: ``int()`` refuses, beyond bigint, negative, overflowing floats, long text, nothing,
#: an impossible date, markup, a mix of scripts.
HOSTILE = (
    "²",
    "99999999999999999999",
    "-1",
    "1e309",
    "x" * 3000,
    "",
    "2026-02-30",
    "<b>'\"&",
    "١٢٣",
)

#: Links never followed: signing out ends the walk; files are not pages.
SKIPPED = re.compile(r"logout|sign-?out|/static/|\.(pdf|xlsx|csv|png|jpe?g|json)$|/download")


@dataclass
class Form:
    """A POST form as the page shows it: where it goes and the names of its fields."""

    action: str
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[str, tuple[str, ...]]:
        """The same form on another record (another id in the URL) counts once."""
        path = urlsplit(self.action).path
        return (re.sub(r"/\d+", "/N", path), tuple(sorted(self.fields)))


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            method = a.get("method", "get").lower()
            self._form = Form(a.get("action", "")) if method == "post" else None
            if self._form is not None:
                self.forms.append(self._form)
        elif self._form is not None and tag in {"input", "select", "textarea", "button"}:
            name = a.get("name")
            if not name:
                return
            if a.get("type") == "file":
                self._form.files.append(name)
            else:
                self._form.fields.setdefault(name, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def _page_key(url: str) -> str:
    """Pages that differ only by ids or query values are one page to the walk."""
    parts = urlsplit(url)
    keys = sorted(k for k, _ in parse_qsl(parts.query) if k != "lang")
    return re.sub(r"/\d+", "/N", parts.path) + "?" + "&".join(keys)


def walk(client: FlaskClient, start: str, prefix: str, limit: int) -> tuple[dict[str, Form], list]:
    """Every page under ``prefix`` reachable from ``start`` by links (one of each kind, at
    most ``limit``), and the POST forms on them by shape. Returns the forms and the
    server errors met on the way (``(url, status)``)."""
    seen: set[str] = set()
    queue = [start]
    forms: dict[str, Form] = {}
    errors: list[tuple[str, int]] = []
    while queue and len(seen) < limit:
        url = queue.pop(0)
        key = _page_key(url)
        if not url.startswith(prefix) or SKIPPED.search(urlsplit(url).path):
            continue
        if key in seen:
            continue
        seen.add(key)
        response = client.get(url)
        if response.status_code >= 500:
            errors.append((url, response.status_code))
        if response.status_code in {301, 302, 303, 307, 308}:
            location = urlsplit(response.headers.get("Location", ""))
            if not location.netloc or location.netloc == "localhost":
                queue.append(location.path + (f"?{location.query}" if location.query else ""))
            continue
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        parser = _PageParser()
        parser.feed(response.get_data(as_text=True))
        for href in parser.links:
            path = urlsplit(href)
            target = path.path + (f"?{path.query}" if path.query else "")
            if path.netloc or not target.startswith(prefix) or SKIPPED.search(path.path):
                continue
            if "lang=" in path.query:  # the same page in the other language
                continue
            queue.append(target)
        for form in parser.forms:
            form.action = form.action or url
            if not form.action.startswith(prefix) or SKIPPED.search(form.action):
                continue
            forms.setdefault(repr(form.shape), form)
    return forms, errors


def probe(client: FlaskClient, form: Form) -> list[tuple[str, str, int]]:
    """Post ``form`` once per hostile value (in every field but the CSRF token, files as a
    few junk bytes); the ``(action, value, status)`` of each answer that was a 5xx."""
    failures = []
    for value in HOSTILE:
        data: dict[str, object] = {
            name: (original if name.endswith("csrf_token") else value)
            for name, original in form.fields.items()
        }
        for name in form.files:
            data[name] = (io.BytesIO(b"%PDF-not really\x00"), "bukti.pdf")
        response = client.post(form.action, data=data)
        if response.status_code >= 500:
            failures.append((form.action, value[:20], response.status_code))
    return failures
