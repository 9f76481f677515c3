"""Tenant export, restore, archive and purge: nothing is dropped without an export."""
