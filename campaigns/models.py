"""Campaigns data."""
