"""Shopper API routes of ugc, mounted under /api/v1/campaigns/."""

from django.urls import path

from campaigns.ugc import api

urlpatterns = [
    path("ugc/", api.CampaignListView.as_view(), name="ugc-campaigns"),
    path("ugc/<int:pk>/", api.CampaignDetailView.as_view(), name="ugc-campaign"),
    path("ugc/<int:pk>/submissions/", api.SubmitView.as_view(), name="ugc-submit"),
    path("ugc/<int:pk>/gallery/", api.GalleryView.as_view(), name="ugc-gallery"),
    path("me/submissions/", api.MySubmissionsView.as_view(), name="ugc-my-submissions"),
    path("submissions/<int:pk>/votes/", api.VoteView.as_view(), name="ugc-vote"),
]
