"""The catalogue of apps Bandung grants, one subpackage each.

An app is found through the ``smartcity.apps`` entry point group (or the
``SMARTCITY_APPS`` setting) and reaches the core only through its public API.
"""
