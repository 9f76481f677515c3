"""Pelayanan publik: service standards, complaints (SP4N-LAPOR! style) and the SKM survey."""
