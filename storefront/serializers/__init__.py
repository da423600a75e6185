"""Storefront serializers, one module per concern."""
