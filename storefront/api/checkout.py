"""Shopper API: checkout."""

urlpatterns = []
