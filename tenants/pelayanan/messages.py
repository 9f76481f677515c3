"""The app's messages: ``M`` makes a :class:`Message` from the app's own catalogue;
``_`` translates now (pages); ``N_`` marks a msgid for extraction only."""

from __future__ import annotations

from smartcity.toolkit import N_, messages_from, translations

APP = "pelayanan"
_ = translations(APP).gettext
M = messages_from(_)

__all__ = ["APP", "N_", "M", "_"]
