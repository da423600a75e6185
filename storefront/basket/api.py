"""Shopper API: the member's basket (lines by SKU, vouchers). Offers apply by themselves."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from storefront.basket import services
from storefront.basket.selectors import basket_for_member, basket_summary
from storefront.basket.serializers import (
    AddLineSerializer,
    BasketSerializer,
    ChangeLineSerializer,
    OptionalVoucherSerializer,
    VoucherSerializer,
)
from storefront.throttles import ShopperWriteThrottle

TAGS = ["basket"]
_LINE_ERRORS = {
    400: OpenApiResponse(
        description="`invalid_input` (quantity 0, negative, huge), `sku_unavailable` (not on sale), "
        "`quantity_limit_exceeded` (per-order limit of the SKU), `basket_full` (too many lines)."
    ),
    404: OpenApiResponse(description="`sku_not_found`, `basket_line_not_found` (also another member's line)."),
    409: OpenApiResponse(description="`out_of_stock`: `error.items` lists the SKU and the quantity available."),
}


def _basket_response(basket, status=200):
    return Response(BasketSerializer(basket_summary(basket)).data, status=status)


class BasketView(APIView):
    @extend_schema(tags=TAGS, summary="The member's basket with totals", responses={200: BasketSerializer})
    def get(self, request):
        return _basket_response(basket_for_member(request.user))


class BasketLinesView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Add a SKU to the basket",
        request=AddLineSerializer,
        responses={201: BasketSerializer, **_LINE_ERRORS},
    )
    def post(self, request):
        data = AddLineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        basket = services.add_line(
            member=request.user, sku_id=data.validated_data["sku"], quantity=data.validated_data["quantity"]
        )
        return _basket_response(basket, status=201)


class BasketLineView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Change a line's quantity",
        request=ChangeLineSerializer,
        responses={200: BasketSerializer, **_LINE_ERRORS},
    )
    def patch(self, request, line_id):
        data = ChangeLineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        basket = services.change_line(member=request.user, line_id=line_id, quantity=data.validated_data["quantity"])
        return _basket_response(basket)

    @extend_schema(
        tags=TAGS,
        summary="Remove a line",
        request=None,
        responses={200: BasketSerializer, 404: OpenApiResponse(description="`basket_line_not_found`.")},
    )
    def delete(self, request, line_id):
        return _basket_response(services.remove_line(member=request.user, line_id=line_id))


class BasketVoucherView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Use a voucher code",
        request=VoucherSerializer,
        responses={
            200: BasketSerializer,
            400: OpenApiResponse(
                description="`voucher_unknown`, `voucher_expired`, `voucher_not_applicable` "
                "(the basket does not qualify, or not valid yet), `voucher_used`."
            ),
        },
    )
    def post(self, request):
        data = VoucherSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _basket_response(services.apply_voucher(member=request.user, code=data.validated_data["code"]))

    @extend_schema(
        tags=TAGS,
        summary="Stop using a voucher (all vouchers without a code)",
        request=OptionalVoucherSerializer,
        parameters=[OpenApiParameter("code", str, required=False, description="The code to remove.")],
        responses={200: BasketSerializer, 404: OpenApiResponse(description="`voucher_not_in_basket`.")},
    )
    def delete(self, request):
        code = request.query_params.get("code") or (request.data.get("code") if hasattr(request.data, "get") else None)
        return _basket_response(services.remove_voucher(member=request.user, code=code or None))


urlpatterns = [
    path("basket/", BasketView.as_view(), name="basket"),
    path("basket/lines/", BasketLinesView.as_view(), name="basket-lines"),
    path("basket/lines/<int:line_id>/", BasketLineView.as_view(), name="basket-line"),
    path("basket/voucher/", BasketVoucherView.as_view(), name="basket-voucher"),
]
