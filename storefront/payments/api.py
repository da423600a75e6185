"""Shopper API: paying an order, asking whether it is paid, and the providers' payment callbacks.

The callbacks are not shopper endpoints: no token, the provider's own request format in and
its own acknowledgement out (see PLATFORMS.md); the services decide what to answer.
"""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.client import client_ip
from storefront.payments import notifications
from storefront.payments import selectors as payment_selectors
from storefront.payments import services as payment_services
from storefront.payments.serializers import (
    PayInputSerializer,
    PaymentStatusSerializer,
    PayOutputSerializer,
)
from storefront.throttles import ShopperWriteThrottle


class PayView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        operation_id="orders_pay",
        tags=["orders"],
        summary="Pay an order with WeChat Pay or Alipay",
        description=(
            "Answers what the mini program needs to open the wallet: WeChat `params` for "
            "`wx.requestPayment`, Alipay `trade_no` for `my.tradePay`. Calling again while the "
            "prepay is still valid answers the same prepay. Errors: 404 `order_not_found` (also "
            "for another shopper's order), 409 `invalid_order_state` (not waiting for payment), "
            "409 `payment_expired` (past pay_before), 400 `no_platform_identity` (the member never "
            "logged in on that platform), 503 `platform_unavailable` (the provider is not "
            "answering; nothing changed, try again)."
        ),
        request=PayInputSerializer,
        responses={
            200: PayOutputSerializer,
            409: OpenApiResponse(description="invalid_order_state or payment_expired"),
            503: OpenApiResponse(description="platform_unavailable"),
        },
    )
    def post(self, request, number):
        data = PayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = payment_selectors.order_of_member(member=request.user, number=number)
        attempt = payment_services.start_payment(
            order=order, member=request.user, provider=data.validated_data["provider"]
        )
        return Response(PayOutputSerializer(PayOutputSerializer.from_attempt(attempt)).data)


class PaymentStatusView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        operation_id="orders_payment_status",
        tags=["orders"],
        summary="Ask the provider whether the order is paid",
        description=(
            "For the mini program returning from the wallet: the kit asks the provider once, so "
            "the order shows `paid` even before the provider's notification arrives. Same as "
            "`GET orders/{number}/?refresh=1`."
        ),
        request=None,
        responses={200: PaymentStatusSerializer},
    )
    def post(self, request, number):
        order = payment_selectors.order_of_member(member=request.user, number=number)
        order = payment_services.refresh_payment_status(order)
        payments = payment_selectors.payments_of_order(order)
        return Response(
            PaymentStatusSerializer(
                {
                    "number": order.number,
                    "status": order.status,
                    "paid": any(p.status == "paid" for p in payments),
                    "payments": payments,
                }
            ).data
        )


class RawBodyParser(BaseParser):
    """Leaves the body untouched: the signature covers the exact bytes."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


class NotificationView(APIView):
    provider = ""
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [RawBodyParser]

    def post(self, request):
        return notifications.handle_notification(
            provider=self.provider, headers=request.headers, body=request.body, client=client_ip(request)
        )


class WeChatPayNotificationView(NotificationView):
    provider = "wechat"

    @extend_schema(
        operation_id="notify_wechatpay",
        tags=["notify"],
        summary="WeChat Pay notification (called by WeChat Pay)",
        description=(
            "WeChat Pay API v3 callback: signed headers (Wechatpay-Timestamp, -Nonce, -Signature, "
            "-Serial) and an AEAD_AES_256_GCM encrypted resource. Answers 204 when handled, or a "
            '4xx/5xx `{"code": "FAIL", "message"}` that makes WeChat Pay retry.'
        ),
        auth=[],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            204: OpenApiResponse(description="handled"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="FAIL: invalid or unknown, not applied"),
            413: OpenApiResponse(OpenApiTypes.OBJECT, description="FAIL: larger than any real notification, not read"),
            429: OpenApiResponse(OpenApiTypes.OBJECT, description="FAIL: too many refused from this address"),
            500: OpenApiResponse(OpenApiTypes.OBJECT, description="FAIL: processing failed, retry"),
        },
    )
    def post(self, request):
        return super().post(request)


class AlipayNotificationView(NotificationView):
    provider = "alipay"

    @extend_schema(
        operation_id="notify_alipay",
        tags=["notify"],
        summary="Alipay notification (called by Alipay)",
        description=(
            "Alipay asynchronous notification: a form with an RSA2 signature. Answers the plain "
            "text `success` when handled; anything else (`fail`) makes Alipay retry."
        ),
        auth=[],
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={
            (200, "text/plain"): OpenApiResponse(
                OpenApiTypes.STR,
                description="`success`: handled",
                examples=[OpenApiExample("handled", value="success")],
            ),
            (400, "text/plain"): OpenApiResponse(
                OpenApiTypes.STR,
                description="`fail`: invalid, unknown or failed; Alipay retries",
                examples=[OpenApiExample("refused", value="fail")],
            ),
            (413, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="`fail`: too large, not read"),
            (429, "text/plain"): OpenApiResponse(
                OpenApiTypes.STR, description="`fail`: too many refused from this address"
            ),
        },
    )
    def post(self, request):
        return super().post(request)


urlpatterns = [
    path("orders/<str:number>/pay/", PayView.as_view(), name="orders-pay"),
    path("orders/<str:number>/payment-status/", PaymentStatusView.as_view(), name="orders-payment-status"),
    path("notify/wechatpay/", WeChatPayNotificationView.as_view(), name="payments-notify-wechatpay"),
    path("notify/alipay/", AlipayNotificationView.as_view(), name="payments-notify-alipay"),
]
