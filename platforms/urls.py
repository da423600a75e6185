"""Shopper API routes of this app, mounted under /api/v1/."""

from django.urls import path

from platforms import api

urlpatterns = [
    path("notifications/grants/", api.GrantsView.as_view(), name="notification-grants"),
    path("notify/wechat/", api.WeChatPushView.as_view(), name="notify-wechat"),
]
