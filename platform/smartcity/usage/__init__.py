"""Adoption: who uses which app, per tenant, so Bandung sees which grants are used."""
