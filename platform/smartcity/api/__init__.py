"""The JSON API: ``/platform/api/v1`` for operators, ``<tenant>/api/v1`` for tenant users."""
