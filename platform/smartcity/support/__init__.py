"""Support access: an operator enters a tenant for a limited time, audited on both sides."""
