"""The sandbox's tracking provider, mounted at /sandbox/tracking/."""

from django.urls import path

from platforms.sandbox import tracking_views

urlpatterns = [
    # Kuaidi100's own paths under https://poll.kuaidi100.com/ (see platforms/tracking/kuaidi100.py).
    path("kuaidi100/poll/query.do", tracking_views.query, name="sandbox-kuaidi100-query"),
    path("kuaidi100/poll", tracking_views.subscribe, name="sandbox-kuaidi100-subscribe"),
    # Control endpoints for the demo and the tests.
    path("", tracking_views.page, name="sandbox-tracking-page"),
    path("parcels/", tracking_views.parcels, name="sandbox-tracking-parcels"),
    path("advance/", tracking_views.advance, name="sandbox-tracking-advance"),
    path("push/", tracking_views.push_due, name="sandbox-tracking-push"),
]
