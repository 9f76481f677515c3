"""Celery: the app built from ``create_app``, the tenant-aware task base, beat fan-out."""
