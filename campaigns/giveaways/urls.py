"""Shopper API routes of giveaways, mounted under /api/v1/campaigns/."""

urlpatterns = []
