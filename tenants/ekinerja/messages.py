"""The app's messages: msgids in its own catalogue, translated where they are shown."""

from __future__ import annotations

from smartcity.toolkit import messages_from, translations

#: ``M("...", name=value)``: a refusal or notice, extracted with ``-k M``.
M = messages_from(translations("ekinerja").gettext)
_ = translations("ekinerja").gettext
