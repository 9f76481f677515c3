"""Data every regency has, whatever apps it chose."""
