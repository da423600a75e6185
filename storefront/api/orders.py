"""Shopper API: orders."""

urlpatterns = []
