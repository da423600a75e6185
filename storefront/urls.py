"""Shopper API routes of the storefront, mounted under /api/v1/. Each concern keeps its
routes next to its views in storefront/<domain>/api.py."""

from django.urls import include, path

urlpatterns = [
    path("", include("storefront.members.api")),
    path("", include("storefront.catalog.api")),
    path("", include("storefront.stores.api")),
    path("", include("storefront.basket.api")),
    path("", include("storefront.checkout.api")),
    path("", include("storefront.orders.api")),
    path("", include("storefront.payments.api")),
]
