"""Reading the files reports produce."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """The text of a PDF's pages, for searching (through the fonts' ToUnicode maps: the
    embedded TrueType subsets write glyph numbers, not letters)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
