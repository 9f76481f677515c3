"""The browser-side walls every response carries: CSP, HSTS, no sniffing, no framing.

One regency's page must not become a way into another's, or into the console,
which share one host on ``/t/<slug>/``. So:

- ``Content-Security-Policy``: scripts only from our own static files. No page has
  an inline script or an ``on*=`` handler (page data travels in
  ``<script type="application/json">`` blocks, which are never executed), so no
  nonce is needed and ``script-src 'self'`` holds without exceptions; a test walks
  the pages to keep it so. ``style-src`` is ``'self'`` for stylesheets and
  ``<style>`` elements; only *attributes* (``style-src-attr``) may be inline,
  because progress bars and chart boxes size themselves with ``style="width: N%"``
  from server data. A style attribute cannot run script, and it cannot read the
  page (CSS exfiltration needs selectors, i.e. a ``<style>`` element or a
  stylesheet, which stay refused).
- ``Strict-Transport-Security`` once cookies are ``Secure``
  (``SMARTCITY_SECURE_COOKIES``), i.e. the deployment is behind HTTPS; without
  ``includeSubDomains``, since the base domain may host things that are not ours.

A few fixed headers in one ``after_request`` rather than a library: Flask-Talisman,
the usual one, has had no release since 2023 and would also take over HTTPS
redirects and cookie flags, which the configuration already owns.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)
#: One year, what browsers' preload lists expect.
HSTS_SECONDS = 31_536_000


def init_app(app: Flask, *, https: bool) -> None:
    """Add the headers to every response; ``https``: send HSTS as well."""
    fixed = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",  # for browsers without frame-ancestors
        "Referrer-Policy": "same-origin",
    }
    if https:
        fixed["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}"

    def add_headers(response: Response) -> Response:
        for name, value in fixed.items():
            response.headers.setdefault(name, value)
        return response

    app.after_request(add_headers)
