"""Shopper API routes of this app, mounted under /api/v1/ (the views and their routes are in
campaigns/api.py); giveaways, UGC and polls answer under /api/v1/campaigns/."""

from django.urls import include, path

urlpatterns = [
    path("", include("campaigns.api")),
    path("campaigns/", include("campaigns.giveaways.urls")),
    path("campaigns/", include("campaigns.ugc.urls")),
    path("campaigns/", include("campaigns.polls.urls")),
]
