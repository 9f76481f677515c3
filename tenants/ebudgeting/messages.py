"""e-Budgeting's messages: msgids of its own catalogue, with their values.

Services raise ``_m("... %(code)s ...", code=...)`` (a ``Message``), never a
sentence formatted in English, so a page or the API shows it in the reader's
language from ``translations/``. Extract with ``-k _m`` (see translations/babel.cfg).
"""

from __future__ import annotations

from smartcity.toolkit import messages_from, translations

#: A Message from e-Budgeting's catalogue (looked up when it is shown).
_m = messages_from(translations("ebudgeting").gettext)
