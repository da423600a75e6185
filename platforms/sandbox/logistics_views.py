"""Control endpoints of the emulated logistics component, order-shipping management and order
center: what WeChat's side does on its own (a parcel moves, the money settles, a reminder goes
out) and the switches of the mini program console. Forms of the /sandbox/ page post here too."""

from __future__ import annotations

from django.shortcuts import redirect
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from config.errors import NotFound
from platforms.sandbox import wechat_logistics
from platforms.sandbox.models import PayTrade, SandboxWaybill
from platforms.sandbox.views import SandboxView

PUSHES = {
    "settlement": "trade_manage_order_settlement",
    "remind_shipping": "trade_manage_remind_shipping",
    "remind_access_api": "trade_manage_remind_access_api",
}


def _answer(request, payload):
    if request.content_type != "application/json":  # a form of the /sandbox/ page
        return redirect("sandbox-index")
    return Response(payload)


class TradePushIn(serializers.Serializer):
    event = serializers.ChoiceField(choices=list(PUSHES))
    transaction_id = serializers.CharField(required=False, allow_blank=True, max_length=32)
    out_trade_no = serializers.CharField(required=False, allow_blank=True, max_length=32)
    confirm_receive_method = serializers.ChoiceField(choices=[1, 2], default=1)


class TradePushView(SandboxView):
    """POST {event: settlement | remind_shipping | remind_access_api, transaction_id or out_trade_no}."""

    @extend_schema(exclude=True)
    def post(self, request):
        data = TradePushIn(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        if params["event"] == "remind_access_api":
            return _answer(request, wechat_logistics.push_remind_access_api())
        trade = None
        if params.get("transaction_id"):
            trade = PayTrade.objects.filter(transaction_id=params["transaction_id"]).first()
        elif params.get("out_trade_no"):
            trade = PayTrade.objects.filter(out_trade_no=params["out_trade_no"]).first()
        if trade is None or not trade.transaction_id:
            raise NotFound("No paid WeChat Pay trade with that id.", code="trade_not_found")
        if params["event"] == "settlement":
            message = wechat_logistics.push_settlement(trade, confirm_receive_method=params["confirm_receive_method"])
        else:
            message = wechat_logistics.push_remind_shipping(trade)
        return _answer(request, message)


class WaybillStatusIn(serializers.Serializer):
    waybill_token = serializers.CharField(max_length=64)
    status = serializers.ChoiceField(choices=list(wechat_logistics.TRACE_STATES))


class WaybillStatusView(SandboxView):
    """POST {waybill_token, status 0-6}: the carrier moved the parcel."""

    @extend_schema(exclude=True)
    def post(self, request):
        data = WaybillStatusIn(data=request.data)
        data.is_valid(raise_exception=True)
        if not SandboxWaybill.objects.filter(token=data.validated_data["waybill_token"]).exists():
            raise NotFound("No such waybill token.", code="waybill_not_found")
        row = wechat_logistics.move_waybill(data.validated_data["waybill_token"], data.validated_data["status"])
        return _answer(request, {"waybill_token": row.token, "status": row.status})


class ConsoleIn(serializers.Serializer):
    trade_managed = serializers.BooleanField(required=False)
    settlement_confirmed = serializers.BooleanField(required=False)
    logistics_component = serializers.BooleanField(required=False)


class ConsoleView(SandboxView):
    """GET the console switches; POST some of them."""

    @extend_schema(exclude=True)
    def get(self, request):
        return Response(_console())

    @extend_schema(exclude=True)
    def post(self, request):
        data = ConsoleIn(data=request.data)
        data.is_valid(raise_exception=True)
        wechat_logistics.set_console(**data.validated_data)
        return _answer(request, _console())


def _console() -> dict:
    row = wechat_logistics.console()
    return {
        "trade_managed": row.trade_managed,
        "settlement_confirmed": row.settlement_confirmed,
        "logistics_component": row.logistics_component,
        "msg_jump_path": row.msg_jump_path,
    }
