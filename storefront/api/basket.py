"""Shopper API: basket."""

urlpatterns = []
