"""Platforms data."""
