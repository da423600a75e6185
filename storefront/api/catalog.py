"""Shopper API: catalog."""

urlpatterns = []
