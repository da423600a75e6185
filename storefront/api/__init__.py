"""Storefront api, one module per concern."""
