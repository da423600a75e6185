"""Loyalty data."""
