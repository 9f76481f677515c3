"""The app's messages: msgids in its own catalogue, translated where they are shown."""

from __future__ import annotations

from smartcity.toolkit import messages_from, translations

#: ``M("...", name=value)``: a refusal or notice, extracted with ``-k M``.
M = messages_from(translations("ekinerja").gettext)
_ = translations("ekinerja").gettext

#: The language of the app's documents of record (the TPP lists): Indonesian, whoever asks.
DOCUMENT_LOCALE = "id"

# What a refusal says beside the field at fault (the API's ``fields`` values; the
# pages show them translated from this app's catalogue).
NOT_YOURS = M("not yours")
ALREADY_RECORDED = M("already recorded")
IN_USE = M("in use")
LAST_GENERAL_HOURS = M("the regency's last general hours")
MONTH_LOCKED = M("month locked")
NOT_LINKED = M("not linked")
