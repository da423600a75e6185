"""Shopper API: checkout preview and placing the order (Idempotency-Key required)."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import KitError
from storefront.basket.selectors import basket_summary
from storefront.checkout import services
from storefront.checkout.serializers import (
    CheckoutInputSerializer,
    PlacedOrderSerializer,
    PlaceOrderInputSerializer,
    PreviewSerializer,
)
from storefront.throttles import ShopperWriteThrottle

TAGS = ["checkout"]
_ERRORS = {
    400: OpenApiResponse(
        description="`basket_empty`, `invalid_input`, `delivery_required`, `unknown_shipping_method`, "
        "`pickup_unavailable`, `sku_unavailable`, `voucher_expired`, `voucher_used`, "
        "`points_exceed_balance`, `points_exceed_limit` (`error.max_usable`), `points_below_minimum` "
        "(`error.minimum`), `points_not_accepted`, `coupon_expired`, `coupon_not_started`, `coupon_not_applicable` "
        "(`error.min_spend`), `coupon_not_combinable` (a voucher code is on the basket)."
    ),
    404: OpenApiResponse(
        description="`address_not_found` (also another member's address), `store_not_found`, "
        "`coupon_not_found` (also another member's coupon)."
    ),
    409: OpenApiResponse(description="`out_of_stock` with `error.items`; `coupon_used`."),
}


def _preview_body(result):
    summary = basket_summary(result.basket)
    return {
        **result.totals.as_dict(),
        "shipping_method": result.delivery.method.code,
        "shipping_methods": result.shipping_methods,
        "lines": summary["lines"],
        "discounts": summary["discounts"],
        "points": result.points.as_dict(),
        "coupons": result.coupons.as_list(),
        "coupon_id": result.coupons.chosen_id,
    }


class PreviewView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Totals of the basket for a delivery choice",
        request=CheckoutInputSerializer,
        responses={200: PreviewSerializer, **_ERRORS},
    )
    def post(self, request):
        data = CheckoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.preview(member=request.user, **data.validated_data)
        return Response(PreviewSerializer(_preview_body(result)).data)


class PlaceOrderView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Place the order",
        description=(
            "Places the basket as an order waiting for payment until `pay_before`. Repeating the "
            "request with the same `Idempotency-Key` returns the same order (also at once)."
        ),
        request=PlaceOrderInputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                required=True,
                description="1-64 characters chosen by the client per order attempt (a UUID).",
            )
        ],
        responses={
            201: PlacedOrderSerializer,
            **_ERRORS,
            409: OpenApiResponse(
                description="`out_of_stock` (`error.items`), `price_changed` (`error.totals` has the new totals), "
                "`idempotency_key_reused` (same key, different body), `coupon_used`."
            ),
        },
    )
    def post(self, request):
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or len(key) > 64:
            raise KitError(
                "Send an Idempotency-Key header (1-64 characters).",
                code="idempotency_key_required",
                fields={"Idempotency-Key": "Required, at most 64 characters."},
            )
        data = PlaceOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order, created = services.place_order(member=request.user, idempotency_key=key, **data.validated_data)
        response = Response(PlacedOrderSerializer(order).data, status=201)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


urlpatterns = [
    path("checkout/preview/", PreviewView.as_view(), name="checkout-preview"),
    path("checkout/", PlaceOrderView.as_view(), name="checkout"),
]
