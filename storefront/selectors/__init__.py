"""Storefront selectors, one module per concern."""
