"""Shopper API routes of giveaways, mounted under /api/v1/campaigns/ (the views are in api.py)."""

from django.urls import include, path

urlpatterns = [path("", include("campaigns.giveaways.api"))]
