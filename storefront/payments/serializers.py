"""Serializers of the payments API: the pay call's input and answers, and the payments
block of an order detail."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.money import CURRENCY
from platforms.base import Platform
from storefront.payments.selectors import payments_of_order


class PayInputSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=Platform.choices)


class WeChatPayParamsSerializer(serializers.Serializer):
    """What `wx.requestPayment` takes."""

    timeStamp = serializers.CharField()  # noqa: N815  the platform's own field names
    nonceStr = serializers.CharField()  # noqa: N815
    package = serializers.CharField()
    signType = serializers.CharField()  # noqa: N815
    paySign = serializers.CharField()  # noqa: N815


class PayOutputSerializer(serializers.Serializer):
    """WeChat: `params` for wx.requestPayment. Alipay: `trade_no` for my.tradePay."""

    provider = serializers.CharField()
    params = WeChatPayParamsSerializer(required=False)
    trade_no = serializers.CharField(required=False)
    expires_at = serializers.DateTimeField(allow_null=True)

    @staticmethod
    def from_attempt(attempt) -> dict:
        data = {"provider": attempt.provider, "expires_at": attempt.expires_at}
        if attempt.provider == "wechat":
            data["params"] = {
                k: attempt.client_params.get(k, "") for k in ("timeStamp", "nonceStr", "package", "signType", "paySign")
            }
        else:
            data["trade_no"] = attempt.reference
        return data


class RefundSerializer(serializers.Serializer):
    out_refund_no = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.SerializerMethodField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.CharField())
    def get_currency(self, obj):
        return CURRENCY


class PaymentSerializer(serializers.Serializer):
    """One payment of an order, as the order detail shows it."""

    provider = serializers.CharField()
    transaction_id = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    status = serializers.CharField()
    paid_at = serializers.DateTimeField()
    refunds = RefundSerializer(many=True, source="refunds.all")


class PaymentStatusSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    paid = serializers.BooleanField()
    payments = PaymentSerializer(many=True)


def order_detail_payments(order) -> list:
    """The "payments" section of the order detail (settings.ORDER_DETAIL_SECTIONS): two queries."""
    return PaymentSerializer(payments_of_order(order), many=True).data
