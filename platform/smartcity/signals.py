"""Core events that apps may subscribe to, so the core never has to import them.

Every signal is sent inside the transaction that made the change, with the
session as a keyword argument. A receiver that writes (an app keeping its own
copy of the org tree, say) therefore writes in the same transaction: the change
and its consequences commit or roll back together, and the request still has
exactly one commit. Receivers must never commit or roll back themselves.

Signals about a regency's own data (staff, org units) are sent with the tenant
session as ``sender``; signals about the regency itself (apps switched on or
off, suspension) are sent with the regency's slug as ``sender``.
"""

from __future__ import annotations

from blinker import Namespace

_core = Namespace()

#: kwargs: ``session`` (tenant), ``nips`` (tuple of NIPs: the identity every app
#: and SIASN share), ``action`` ("created", "updated" or "imported").
staff_changed = _core.signal("staff-changed")

#: kwargs: ``session`` (tenant), ``org_unit_ids`` (tuple of ids), ``action``
#: ("created" or "updated").
org_unit_changed = _core.signal("org-unit-changed")

#: kwargs: ``session`` (platform), ``tenant_session`` (the regency's, same
#: transaction), ``app``. Sent after the app's tables and hook have run.
app_enabled = _core.signal("app-enabled")

#: kwargs: ``session`` (platform), ``tenant_session``, ``app``. The app's data stays.
app_disabled = _core.signal("app-disabled")

#: kwargs: ``session`` (platform). Sent when an operator suspends a regency.
tenant_suspended = _core.signal("tenant-suspended")

#: kwargs: ``session`` (platform). Sent when a suspended regency is resumed.
tenant_resumed = _core.signal("tenant-resumed")
