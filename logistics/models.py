"""Logistics data."""
