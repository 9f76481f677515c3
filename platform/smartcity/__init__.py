"""The smart-city platform core: tenancy, auth, apps registry, consoles and API.

Imported as ``smartcity``; it lives under ``platform/`` (a source root, not a
package) so that Python's own ``platform`` module is never shadowed.
"""
