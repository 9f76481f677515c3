"""The operator console: Bandung's admins provision regencies and grant their apps."""
