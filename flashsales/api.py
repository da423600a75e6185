"""Shopper API of flash sales under /api/v1/flash-sales/: the sales to come and running (anyone
may read them), and the fast path that places a one-SKU order at the sale price."""

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import KitError
from config.pagination import PagePagination
from flashsales import selectors, services
from flashsales.serializers import FlashSaleOrderInputSerializer, FlashSalePageSerializer
from storefront.checkout.serializers import PlacedOrderSerializer
from storefront.throttles import ShopperWriteThrottle

TAGS = ["flash sales"]


class FlashSaleListView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="flash_sales_list",
        summary="Flash sales running and to come, with the server time and what is left",
        responses={200: FlashSalePageSerializer},
    )
    def get(self, request):
        now = timezone.now()
        paginator = PagePagination()
        page = paginator.paginate_queryset(selectors.listed_sales(now=now), request, view=self)
        results = [selectors.sale_summary(sale, list(sale.items.all()), now=now) for sale in page]
        response = paginator.get_paginated_response(results)
        response.data = FlashSalePageSerializer({**response.data, "server_time": now}).data
        return response


class FlashSaleOrderView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=TAGS,
        operation_id="flash_sales_order_create",
        summary="Buy from a running flash sale",
        description=(
            "Places an order of one SKU at the sale price, waiting for payment until `pay_before` "
            "(sooner than a normal order). Buyers who cannot get a unit are answered at once with 409 "
            "`flash_sale_sold_out`. The same `Idempotency-Key` with the same body returns the same order."
        ),
        request=FlashSaleOrderInputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", str, location=OpenApiParameter.HEADER, required=True, description="1-64 characters."
            )
        ],
        responses={
            201: PlacedOrderSerializer,
            400: OpenApiResponse(
                description="`invalid_input`, `sku_not_in_flash_sale`, `flash_sale_quantity_over_limit` "
                "(`error.limit`), `delivery_required`, `unknown_shipping_method`, `pickup_unavailable`."
            ),
            404: OpenApiResponse(description="`flash_sale_not_found`, `address_not_found`, `store_not_found`."),
            409: OpenApiResponse(
                description="`flash_sale_sold_out`, `flash_sale_not_started` (`error.starts_at`), "
                "`flash_sale_ended`, `flash_sale_limit_reached`, `out_of_stock`, `idempotency_key_reused`."
            ),
        },
    )
    def post(self, request, sale_id):
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or len(key) > 64:
            raise KitError(
                "Send an Idempotency-Key header (1-64 characters).",
                code="idempotency_key_required",
                fields={"Idempotency-Key": "Required, at most 64 characters."},
            )
        data = FlashSaleOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = dict(data.validated_data)
        order, created = services.place_flash_sale_order(
            member=request.user,
            sale_id=sale_id,
            sku_id=body.pop("sku"),
            quantity=body.pop("quantity"),
            idempotency_key=key,
            **body,
        )
        response = Response(PlacedOrderSerializer(order).data, status=201)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


urlpatterns = [
    path("flash-sales/", FlashSaleListView.as_view(), name="flash-sales"),
    path("flash-sales/<int:sale_id>/orders/", FlashSaleOrderView.as_view(), name="flash-sale-order"),
]
