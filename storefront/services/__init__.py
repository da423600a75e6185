"""Storefront services, one module per concern."""
