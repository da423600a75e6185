"""Shopper API: the member's orders (list with counts per status, detail), cancel, confirm
receipt, refund requests, and the pickup code's QR image. Another member's order number
answers 404 everywhere."""

import io
import json

import qrcode
from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import KitError
from config.pagination import PagePagination
from storefront.orders import after_sales, selectors, services
from storefront.orders.errors import InvalidOrderState
from storefront.orders.serializers import (
    AfterSalesSerializer,
    OrderDetailSerializer,
    OrderListQuerySerializer,
    OrderPageSerializer,
    RefundRequestInputSerializer,
)
from storefront.payments import services as payments
from storefront.payments import unpaid
from storefront.throttles import ShopperWriteThrottle, UploadThrottle

TAGS = ["orders"]
_NOT_FOUND = OpenApiResponse(description="`order_not_found` (also another member's order).")
_STATE = OpenApiResponse(description="`invalid_order_state`: the order cannot do that in its status.")


class PNGRenderer(renderers.BaseRenderer):
    media_type = "image/png"
    format = "png"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def _detail_response(request, order, status=200):
    # The request is in the context: photo URLs are signed for the shopper who asked.
    return Response(
        OrderDetailSerializer(selectors.order_detail(order), context={"request": request}).data, status=status
    )


class OrderListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="orders_list",
        summary="The member's orders, newest first, with counts per status",
        parameters=[OrderListQuerySerializer],
        responses={200: OrderPageSerializer},
    )
    def get(self, request):
        query = OrderListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = PagePagination()
        orders = selectors.orders_of_member(request.user, status=query.validated_data.get("status"))
        page = paginator.paginate_queryset(orders, request, view=self)
        response = paginator.get_paginated_response([selectors.order_summary(o) for o in page])
        response.data["counts"] = selectors.order_counts_of_member(request.user)
        response.data = OrderPageSerializer(response.data).data
        return response


class OrderDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="One of the member's orders",
        parameters=[
            OpenApiParameter(
                "refresh",
                int,
                required=False,
                description="1 when back from paying: asks the payment provider once before answering.",
            )
        ],
        responses={200: OrderDetailSerializer, 404: _NOT_FOUND},
    )
    def get(self, request, number):
        order = selectors.order_of_member(request.user, number)
        if request.query_params.get("refresh") == "1" and order.status == "pending_payment":
            payments.refresh_payment_status(order)
            order = selectors.order_of_member(request.user, number)
        return _detail_response(request, order)


class CancelOrderView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Cancel an unpaid order (stock and vouchers are released)",
        request=None,
        responses={200: OrderDetailSerializer, 404: _NOT_FOUND, 409: _STATE},
    )
    def post(self, request, number):
        order = selectors.order_of_member(request.user, number)
        unpaid.cancel_unpaid_order(order=order, actor=request.user, reason="cancelled by the shopper")
        return _detail_response(request, selectors.order_of_member(request.user, number))


class ConfirmReceiptView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Confirm receipt of a shipped order (completes it)",
        request=None,
        responses={200: OrderDetailSerializer, 404: _NOT_FOUND, 409: _STATE},
    )
    def post(self, request, number):
        order = selectors.order_of_member(request.user, number)
        services.confirm_receipt(order=order, member=request.user)
        return _detail_response(request, selectors.order_of_member(request.user, number))


class RefundRequestView(APIView):
    throttle_classes = [UploadThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Ask for a refund (refund only, or return and refund)",
        description=(
            "JSON, or multipart with `photos` files and `lines` as a JSON string. Photos are checked and "
            "re-encoded (no EXIF, no GPS, a random name) and kept private: the answer's `photos[].url` "
            "works for this shopper only and expires (PRIVATE_MEDIA_URL_SECONDS)."
        ),
        request={"application/json": RefundRequestInputSerializer, "multipart/form-data": RefundRequestInputSerializer},
        responses={
            201: AfterSalesSerializer,
            400: OpenApiResponse(
                description="`invalid_input`; `invalid_image` (a photo is not JPEG/PNG/WebP), `image_too_large` "
                "(bytes or pixels); `fields` names the photo as `photos.<index>`."
            ),
            404: _NOT_FOUND,
            409: OpenApiResponse(description="`invalid_order_state` (not paid), `after_sales_pending`."),
        },
    )
    def post(self, request, number):
        order = selectors.order_of_member(request.user, number)
        data = RefundRequestInputSerializer(data=_refund_input(request))
        data.is_valid(raise_exception=True)
        created = after_sales.request_refund(
            order=order,
            member=request.user,
            kind=data.validated_data["type"],
            reason=data.validated_data["reason"],
            lines=data.validated_data.get("lines"),
            photos=data.validated_data.get("photos", []),
        )
        summary = selectors.after_sales_summary(created)
        return Response(AfterSalesSerializer(summary, context={"request": request}).data, status=201)


def _refund_input(request):
    if request.content_type.startswith("multipart/"):
        lines = request.data.get("lines")
        try:
            lines = json.loads(lines) if lines else None
        except ValueError:
            raise KitError("lines must be a JSON list.", code="invalid_input", fields={"lines": "Not valid JSON."})
        data = {
            "type": request.data.get("type"),
            "reason": request.data.get("reason"),
            "photos": request.FILES.getlist("photos"),
        }
        if lines is not None:
            data["lines"] = lines
        return data
    return request.data


class PickupQRView(APIView):
    renderer_classes = [renderers.JSONRenderer, PNGRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # The image is an HttpResponse of its own; whatever DRF renders here is an error, and
        # an error is JSON even when the mini program asked for ?format=png.
        if isinstance(response, Response):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="The pickup code as a QR image (PNG) for staff to scan",
        responses={(200, "image/png"): OpenApiTypes.BINARY, 404: _NOT_FOUND, 409: _STATE},
    )
    def get(self, request, number):
        order = selectors.order_of_member(request.user, number)
        code = selectors.pickup_code(order)
        if not code:
            raise InvalidOrderState("The pickup code is shown once a pickup order is paid.")
        image = qrcode.make(code, box_size=8, border=2)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        response = HttpResponse(buffer.getvalue(), content_type="image/png")
        response["Cache-Control"] = "private, max-age=300"
        return response


urlpatterns = [
    path("orders/", OrderListView.as_view(), name="orders"),
    path("orders/<str:number>/", OrderDetailView.as_view(), name="order-detail"),
    path("orders/<str:number>/cancel/", CancelOrderView.as_view(), name="order-cancel"),
    path("orders/<str:number>/confirm-receipt/", ConfirmReceiptView.as_view(), name="order-confirm-receipt"),
    path("orders/<str:number>/refund-request/", RefundRequestView.as_view(), name="order-refund-request"),
    path("orders/<str:number>/pickup-qr/", PickupQRView.as_view(), name="order-pickup-qr"),
]
