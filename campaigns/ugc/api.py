"""Shopper API of UGC campaigns under /api/v1/campaigns/: campaigns, entries (multipart),
the gallery, the member's own entries and votes. Thin views: input serializer, one service or
selector, output serializer."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from campaigns.ugc import selectors, services
from campaigns.ugc.errors import CampaignNotFound
from campaigns.ugc.models import Submission
from campaigns.ugc.serializers import (
    CampaignDetailSerializer,
    CampaignPageSerializer,
    GalleryPageSerializer,
    GalleryQuerySerializer,
    SubmissionPageSerializer,
    SubmissionSerializer,
    SubmitSerializer,
    VoteSerializer,
)
from config.pagination import PagePagination, paginated
from storefront.throttles import ClientAddressMixin

TAGS = ["campaigns"]


class VoteThrottle(ClientAddressMixin, UserRateThrottle):
    scope = "ugc_votes"


class SubmissionThrottle(ClientAddressMixin, UserRateThrottle):
    scope = "ugc_submissions"


class CampaignListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="ugc_list",
        summary="UGC campaigns, newest first",
        responses={200: CampaignPageSerializer},
    )
    def get(self, request):
        response = paginated(request, self, selectors.campaigns(), CampaignPageSerializer, {"request": request})
        return response


class CampaignDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="ugc_retrieve",
        summary="One UGC campaign with its leaderboard and what the caller may still send",
        responses={200: CampaignDetailSerializer, 404: OpenApiResponse(description="`ugc_campaign_not_found`.")},
    )
    def get(self, request, pk):
        campaign = selectors.campaign(pk)
        if campaign is None:
            raise CampaignNotFound()
        campaign.entries_left = selectors.entries_left(campaign, request.user)
        campaign.leaderboard = selectors.leaderboard(campaign) if campaign.voting_enabled else []
        return Response(CampaignDetailSerializer(campaign, context={"request": request}).data)


class SubmitView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [SubmissionThrottle]

    @extend_schema(
        tags=TAGS,
        operation_id="ugc_submissions_create",
        summary="Send an entry: text, images and consent (multipart)",
        description=(
            "The text goes through the platform's text check and each image through its image check. "
            "The answer says where the entry stands: `pending` (being checked, or waiting for a moderator), "
            "`approved` (in the gallery), or `rejected` with `reason` and `risky_words`."
        ),
        request={"multipart/form-data": SubmitSerializer},
        responses={
            201: SubmissionSerializer,
            400: OpenApiResponse(
                description="`consent_required`, `empty_submission`, `text_too_long`, `too_many_images`, "
                "`invalid_image`, `image_too_large`, `invalid_input`."
            ),
            404: OpenApiResponse(description="`ugc_campaign_not_found`."),
            409: OpenApiResponse(
                description="`submissions_closed` (before the start or after the deadline), "
                "`submission_limit_reached`, `app_login_required`."
            ),
            429: OpenApiResponse(description="`rate_limited`."),
        },
    )
    def post(self, request, pk):
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.submit_entry(
            member=request.user,
            campaign_id=pk,
            text=data.validated_data["text"],
            images=data.validated_data["images"],
            consent=data.validated_data["consent"],
        )
        submission = selectors.entries_of(request.user).get(pk=submission.pk)
        return Response(SubmissionSerializer(submission, context={"request": request}).data, status=201)


class GalleryView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="ugc_gallery",
        summary="Approved entries of a campaign, newest (featured first) or most voted",
        parameters=[GalleryQuerySerializer],
        responses={200: GalleryPageSerializer, 404: OpenApiResponse(description="`ugc_campaign_not_found`.")},
    )
    def get(self, request, pk):
        campaign = selectors.campaign(pk)
        if campaign is None:
            raise CampaignNotFound()
        query = GalleryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = selectors.gallery(campaign, ordering=query.validated_data["ordering"])
        paginator = PagePagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        voted = selectors.voted_ids(request.user, [entry.pk for entry in page])
        response = paginator.get_paginated_response(page)
        response.data = GalleryPageSerializer(response.data, context={"request": request, "voted": voted}).data
        return response


class MySubmissionsView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="me_submissions_list",
        summary="The member's own entries in every campaign, newest first",
        responses={200: SubmissionPageSerializer},
    )
    def get(self, request):
        response = paginated(
            request, self, selectors.entries_of(request.user), SubmissionPageSerializer, {"request": request}
        )
        return response


class VoteView(APIView):
    throttle_classes = [VoteThrottle]

    @extend_schema(
        tags=TAGS,
        operation_id="submissions_votes_create",
        summary="Vote for an approved entry",
        request=None,
        responses={
            201: VoteSerializer,
            403: OpenApiResponse(description="`cannot_vote_own`."),
            404: OpenApiResponse(description="`submission_not_found`."),
            409: OpenApiResponse(description="`already_voted`, `entry_not_approved`, `voting_closed`."),
            429: OpenApiResponse(description="`daily_votes_used` (the campaign's daily allowance), `rate_limited`."),
        },
    )
    def post(self, request, pk):
        vote = services.cast_vote(member=request.user, submission_id=pk)
        campaign = vote.campaign
        left = None
        if campaign.daily_votes:
            used = campaign.votes.filter(voter=request.user, day=vote.day, slot__isnull=False).count()
            left = max(0, campaign.daily_votes - used)
        count = Submission.objects.filter(pk=pk).values_list("vote_count", flat=True).first() or 0
        return Response(
            VoteSerializer({"submission_id": pk, "vote_count": count, "votes_left_today": left}).data, status=201
        )
