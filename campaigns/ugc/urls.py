"""Shopper API routes of ugc, mounted under /api/v1/campaigns/."""

urlpatterns = []
