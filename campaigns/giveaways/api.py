"""Shopper API of giveaways under /api/v1/campaigns/: the list and a giveaway's page, entering,
the proof of a draw, the member's entries and claiming a prize. Another member's prize id
answers 404 `prize_not_found`; a draft giveaway 404 `giveaway_not_found`."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.giveaways import selectors, services
from campaigns.giveaways.errors import GiveawayNotFound
from campaigns.giveaways.serializers import (
    ClaimInputSerializer,
    EntryResultSerializer,
    GiveawayDetailSerializer,
    GiveawayListQuerySerializer,
    GiveawayPageSerializer,
    MyEntryPageSerializer,
    ProofSerializer,
    WinPageSerializer,
    WinSerializer,
)
from campaigns.giveaways.throttles import EntryIPThrottle, EntryMemberThrottle
from config.client import client_ip
from config.errors import KitError
from config.pagination import paginated

TAGS = ["giveaways"]


class GiveawayListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="giveaways_list",
        summary="Giveaways: active and past, newest first, with their prizes and what is left",
        parameters=[GiveawayListQuerySerializer],
        responses={200: GiveawayPageSerializer, 400: OpenApiResponse(description="`invalid_input`.")},
    )
    def get(self, request):
        query = GiveawayListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paginated(
            request,
            self,
            selectors.visible_giveaways(status=query.validated_data.get("status")),
            GiveawayPageSerializer,
        )


class GiveawayDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="giveaways_retrieve",
        summary="A giveaway: rules, prizes and how many are left, mode, the member's eligibility, commitment",
        responses={200: GiveawayDetailSerializer, 404: OpenApiResponse(description="`giveaway_not_found`.")},
    )
    def get(self, request, pk):
        giveaway = selectors.visible_giveaway(pk)
        if giveaway is None:
            raise GiveawayNotFound()
        standing = selectors.my_standing(giveaway, request.user)
        return Response(GiveawayDetailSerializer(giveaway, context={"standing": standing}).data)


class EntryView(APIView):
    throttle_classes = [EntryMemberThrottle, EntryIPThrottle]

    @extend_schema(
        tags=TAGS,
        operation_id="giveaways_entries_create",
        summary="Enter a giveaway",
        description=(
            "Answers `201 {id, result, prize}`: `won` (instant or first come, `win` is the prize to claim), "
            "`lost` (also when the prizes are gone: not an error) or `entered` (a scheduled draw). Safe to "
            "repeat: the same `Idempotency-Key` answers the first entry (200, `Idempotent-Replayed: true`)."
        ),
        request=None,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="1-64 characters chosen by the client per entry attempt.",
            )
        ],
        responses={
            201: EntryResultSerializer,
            200: OpenApiResponse(EntryResultSerializer, description="A replay of the same Idempotency-Key."),
            400: OpenApiResponse(description="`invalid_input`: an Idempotency-Key over 64 characters."),
            403: OpenApiResponse(
                description="`giveaway_not_eligible` (`error.reason`: phone_required, tier, new_members_only); "
                "`giveaway_risk_refused`."
            ),
            404: OpenApiResponse(description="`giveaway_not_found`."),
            409: OpenApiResponse(
                description="`giveaway_not_started`, `giveaway_ended`, `giveaway_entry_limit_reached` "
                "(`error.limit`: total or day), `giveaway_not_enough_points`, `giveaway_takes_no_entries`."
            ),
            429: OpenApiResponse(description="`rate_limited`."),
        },
    )
    def post(self, request, pk):
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if len(key) > 64:
            raise KitError(
                "The Idempotency-Key is at most 64 characters.",
                code="invalid_input",
                fields={"Idempotency-Key": "At most 64 characters."},
            )
        entry, created = services.enter(
            member=request.user, giveaway_id=pk, idempotency_key=key or None, client_ip=client_ip(request)
        )
        response = Response(EntryResultSerializer(entry).data, status=201 if created else 200)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


class ProofView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="giveaways_proof_retrieve",
        summary="The proof of a scheduled draw (algorithm hmac-sha256-rank-v1, see docs/giveaways.md)",
        responses={200: ProofSerializer, 404: OpenApiResponse(description="`giveaway_not_found`.")},
    )
    def get(self, request, pk):
        giveaway = selectors.visible_giveaway(pk)
        if giveaway is None:
            raise GiveawayNotFound()
        return Response(ProofSerializer(selectors.proof_of(giveaway)).data)


class MyEntryListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_me_entries_list",
        summary="The member's giveaway entries, newest first, with any prize won",
        responses={200: MyEntryPageSerializer},
    )
    def get(self, request):
        return paginated(request, self, selectors.entries_of(request.user), MyEntryPageSerializer)


class MyPrizeListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_me_prizes_list",
        summary="The member's prizes, newest first, with their claim and fulfilment state",
        description="A cash prize waiting for the shopper's confirmation carries `transfer` for wx.requestMerchantTransfer.",
        responses={200: WinPageSerializer},
    )
    def get(self, request):
        return paginated(request, self, selectors.wins_of(request.user), WinPageSerializer)


class ClaimView(APIView):
    throttle_classes = [EntryMemberThrottle]

    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_prizes_claim",
        summary="Claim a prize you won (a product prize names one of your addresses)",
        request=ClaimInputSerializer,
        responses={
            200: WinSerializer,
            400: OpenApiResponse(description="`invalid_input`; `prize_address_required`."),
            404: OpenApiResponse(description="`prize_not_found` (also another member's prize)."),
            409: OpenApiResponse(
                description="`prize_already_claimed`; `prize_claim_expired`; `prize_needs_wechat`; `out_of_stock`."
            ),
        },
    )
    def post(self, request, pk):
        body = ClaimInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        win = services.claim_prize(member=request.user, win_id=pk, address_id=body.validated_data.get("address_id"))
        return Response(WinSerializer(selectors.win_of(request.user, win.pk)).data)


urlpatterns = [
    path("giveaways/", GiveawayListView.as_view(), name="giveaways"),
    path("giveaways/<int:pk>/", GiveawayDetailView.as_view(), name="giveaway"),
    path("giveaways/<int:pk>/entries/", EntryView.as_view(), name="giveaway-entries"),
    path("giveaways/<int:pk>/proof/", ProofView.as_view(), name="giveaway-proof"),
    path("me/entries/", MyEntryListView.as_view(), name="my-giveaway-entries"),
    path("me/prizes/", MyPrizeListView.as_view(), name="my-giveaway-prizes"),
    path("prizes/<int:pk>/claim/", ClaimView.as_view(), name="prize-claim"),
]
