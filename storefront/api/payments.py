"""Shopper API: payments."""

urlpatterns = []
