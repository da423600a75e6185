"""Shopper API of loyalty under /api/v1/loyalty/: the member's account, ledger, daily
check-in and the tiers. Only the caller's own points: no route takes a member or entry id."""

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import PagePagination
from loyalty import selectors, services
from loyalty.serializers import AccountSerializer, CheckInSerializer, LedgerPageSerializer, TierListSerializer
from storefront.throttles import ShopperWriteThrottle

TAGS = ["loyalty"]


class AccountView(APIView):
    @extend_schema(
        tags=TAGS, summary="The member's points, tier and what expires soon", responses={200: AccountSerializer}
    )
    def get(self, request):
        return Response(AccountSerializer(selectors.account_summary(request.user)).data)


class LedgerView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="loyalty_ledger_list",
        summary="The member's points entries, newest first",
        responses={200: LedgerPageSerializer},
    )
    def get(self, request):
        paginator = PagePagination()
        page = paginator.paginate_queryset(selectors.ledger_of(request.user), request, view=self)
        response = paginator.get_paginated_response(page)
        response.data = LedgerPageSerializer(response.data).data
        return response


class CheckInView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Check in for today (Shanghai calendar day)",
        request=None,
        responses={
            201: CheckInSerializer,
            409: OpenApiResponse(
                description="`already_checked_in`: once a day; `error.check_in` has today's `awarded`, `streak`, `available`."
            ),
        },
    )
    def post(self, request):
        record = services.check_in(member=request.user)
        return Response(CheckInSerializer(record).data, status=201)


class TierListView(APIView):
    @extend_schema(tags=TAGS, summary="The tiers, their thresholds and benefits", responses={200: TierListSerializer})
    def get(self, request):
        return Response(TierListSerializer(selectors.tiers_for(request.user)).data)


urlpatterns = [
    path("loyalty/account/", AccountView.as_view(), name="loyalty-account"),
    path("loyalty/ledger/", LedgerView.as_view(), name="loyalty-ledger"),
    path("loyalty/check-in/", CheckInView.as_view(), name="loyalty-check-in"),
    path("loyalty/tiers/", TierListView.as_view(), name="loyalty-tiers"),
]
