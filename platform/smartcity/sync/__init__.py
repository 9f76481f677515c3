"""Data sync: central reference data pushed into tenants; rosters pulled from SIASN."""
