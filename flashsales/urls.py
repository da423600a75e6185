"""Shopper API routes of this app, mounted under /api/v1/ (the views and their routes are in
flashsales/api.py)."""

from django.urls import include, path

urlpatterns = [path("", include("flashsales.api"))]
