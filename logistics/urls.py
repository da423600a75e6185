"""Shopper API routes of this app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("shipments/<int:shipment_id>/", api.ShipmentDetailView.as_view(), name="shipment-detail"),
    path("notify/tracking/", api.TrackingPushView.as_view(), name="tracking-push"),
]
