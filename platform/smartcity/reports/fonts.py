"""The PDF font: Source Sans Pro, embedded, so every name prints as written.

reportlab's built-in Helvetica knows only Latin-1: "Ṣalāḥ", "Nguyễn" or
"Ōtsuka" come out as black boxes. Source Sans Pro (SIL Open Font License)
covers Latin with its extensions (Vietnamese included), Greek and Cyrillic, and
comes as TTF files inside the pinned ``font-source-sans-pro`` package, so no
system font is needed and CI machines need no Debian package. reportlab
embeds only the glyphs a document uses.
"""

from __future__ import annotations

import functools
from importlib.resources import files

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "SourceSans"
BOLD = "SourceSans-Bold"
_FILES = {REGULAR: "SourceSansPro-Regular.ttf", BOLD: "SourceSansPro-Bold.ttf"}


@functools.cache
def register_fonts() -> None:
    """Register the fonts with reportlab once per process (on first use, not at import)."""
    folder = files("font_source_sans_pro") / "files"
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
    # <b> in a Paragraph picks the bold face; there is no italic in use.
    for italic in (0, 1):
        addMapping(REGULAR, 0, italic, REGULAR)
        addMapping(REGULAR, 1, italic, BOLD)
