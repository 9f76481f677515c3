"""Jobs of record: a row per background job in the tenant's schema, and its stored files."""
