"""Shopper API routes of polls, mounted under /api/v1/campaigns/."""

from django.urls import path

from campaigns.polls import api

urlpatterns = [
    path("polls/", api.PollListView.as_view(), name="polls"),
    path("polls/<int:pk>/", api.PollDetailView.as_view(), name="poll"),
    path("polls/<int:pk>/responses/", api.RespondView.as_view(), name="poll-respond"),
]
