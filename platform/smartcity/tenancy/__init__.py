"""Regencies as tenants: the registry, resolution, provisioning and lifecycle."""
