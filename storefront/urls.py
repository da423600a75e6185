"""Shopper API routes of the storefront, mounted under /api/v1/. Each concern keeps its
routes next to its views in storefront/api/<concern>.py."""

from django.urls import include, path

urlpatterns = [
    path("", include("storefront.api.members")),
    path("", include("storefront.api.catalog")),
    path("", include("storefront.api.stores")),
    path("", include("storefront.api.basket")),
    path("", include("storefront.api.checkout")),
    path("", include("storefront.api.orders")),
    path("", include("storefront.api.payments")),
]
