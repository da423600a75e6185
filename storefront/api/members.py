"""Shopper API: members."""

urlpatterns = []
