"""Shopper API: stores."""

urlpatterns = []
