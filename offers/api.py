"""Shopper API of coupons under /api/v1/: the coupon center, claiming, and the member's own
coupons. A member's coupon id of another member answers 404 `coupon_not_found`."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import KitError
from config.pagination import paginated
from offers import selectors, services
from offers.errors import CouponNotFound
from offers.serializers import (
    ClaimablePageSerializer,
    CouponListQuerySerializer,
    MemberCouponPageSerializer,
    MemberCouponSerializer,
    MyCouponsQuerySerializer,
)
from storefront.throttles import ShopperWriteThrottle

TAGS = ["coupons"]


class CouponListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="coupons_list",
        summary="Coupons the member can claim now (the coupon center), soonest ending first",
        parameters=[CouponListQuerySerializer],
        responses={200: ClaimablePageSerializer, 400: OpenApiResponse(description="`invalid_input`.")},
    )
    def get(self, request):
        query = CouponListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        batches = selectors.claimable_batches(request.user, product_id=query.validated_data.get("product"))
        return paginated(request, self, batches, ClaimablePageSerializer)


class ClaimView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Claim one coupon of a batch",
        description=(
            "Safe to repeat: the same `Idempotency-Key` returns the first claim (200, header "
            "`Idempotent-Replayed: true`). Without a key a repeat claims another coupon while the "
            "member's limit allows, then answers 409 `coupon_limit_reached`."
        ),
        request=None,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="1-64 characters chosen by the client per claim attempt.",
            )
        ],
        responses={
            201: MemberCouponSerializer,
            200: OpenApiResponse(MemberCouponSerializer, description="A replay of the same Idempotency-Key."),
            400: OpenApiResponse(description="`invalid_input`: an Idempotency-Key over 64 characters."),
            403: OpenApiResponse(description="`coupon_not_eligible`: for new members or a tier (`error.audience`)."),
            404: OpenApiResponse(description="`coupon_not_found`: no such batch, or not claimable by shoppers."),
            409: OpenApiResponse(
                description="`coupon_sold_out`; `coupon_limit_reached` (`error.coupon_ids`: the member's coupons "
                "of this batch); `coupon_not_claimable` (outside the claim window)."
            ),
        },
    )
    def post(self, request, batch_id):
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if len(key) > 64:
            raise KitError(
                "The Idempotency-Key is at most 64 characters.",
                code="invalid_input",
                fields={"Idempotency-Key": "At most 64 characters."},
            )
        coupon, created = services.claim_coupon(member=request.user, batch_id=batch_id, idempotency_key=key or None)
        response = Response(MemberCouponSerializer(coupon).data, status=201 if created else 200)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


class MyCouponListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="me_coupons_list",
        summary="The member's coupons, newest first",
        parameters=[MyCouponsQuerySerializer],
        responses={200: MemberCouponPageSerializer, 400: OpenApiResponse(description="`invalid_input`.")},
    )
    def get(self, request):
        query = MyCouponsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        coupons = selectors.coupons_of(request.user, status=query.validated_data.get("status"))
        return paginated(request, self, coupons, MemberCouponPageSerializer)


class MyCouponDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="me_coupons_retrieve",
        summary="One of the member's coupons",
        responses={200: MemberCouponSerializer, 404: OpenApiResponse(description="`coupon_not_found`.")},
    )
    def get(self, request, coupon_id):
        coupon = selectors.coupon_of(request.user, coupon_id)
        if coupon is None:
            raise CouponNotFound()
        return Response(MemberCouponSerializer(coupon).data)


urlpatterns = [
    path("coupons/", CouponListView.as_view(), name="coupons"),
    path("coupons/<int:batch_id>/claim/", ClaimView.as_view(), name="coupon-claim"),
    path("me/coupons/", MyCouponListView.as_view(), name="my-coupons"),
    path("me/coupons/<int:coupon_id>/", MyCouponDetailView.as_view(), name="my-coupon"),
]
