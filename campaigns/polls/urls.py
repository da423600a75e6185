"""Shopper API routes of polls, mounted under /api/v1/campaigns/."""

urlpatterns = []
