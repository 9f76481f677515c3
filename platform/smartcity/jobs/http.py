"""Serving a stored file over HTTP (the API and the pages share it)."""

from __future__ import annotations

from io import BytesIO

from flask import Response, send_file

from smartcity.jobs.models import StoredFile


def file_response(stored: StoredFile) -> Response:
    """A stored file as a download, never kept by shared caches."""
    response = send_file(
        BytesIO(stored.data),
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-SHA256"] = stored.sha256
    return response
