"""SAKIP's own message catalogue (translation domain ``sakip``).

``M`` makes a :class:`~smartcity.toolkit.Message` that translates from this
catalogue wherever it is shown (a page, the API's ``localized``); ``N_`` marks a
phrase for extraction that is translated when shown; ``_`` translates now.
Extract with ``pybabel extract -k M -k N_ -k _``.
"""

from __future__ import annotations

from smartcity.toolkit import messages_from, translations

_ = translations("sakip").gettext
M = messages_from(_)


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts
    """Mark an English phrase for the app's catalogue; pages translate it when shown."""
    return message
