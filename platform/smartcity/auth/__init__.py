"""Operators (schema ``platform``) and tenant users (tenant schema): two populations."""
