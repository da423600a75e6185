"""The sandbox's control endpoints (they stand in for the shopper's phone and the platforms'
back offices) and its page for a person at /sandbox/."""

from __future__ import annotations

import secrets

from django import forms
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import KitError, NotFound
from platforms.sandbox import delivery, faults, wechat_logistics
from platforms.sandbox.models import (
    ContentCheck,
    Delivery,
    PayTrade,
    SandboxAlipayOrder,
    SandboxTradeOrder,
    SandboxWaybill,
    ShippingUpload,
    SubscribeMessage,
    WeChatCode,
    WeChatUser,
)
from platforms.sandbox.wechat_views import expire_access_tokens
from platforms.sandbox.wechatpay_views import PaymentRefused, pay_trade, verify_pay_sign


class SandboxView(APIView):
    """Control endpoints are open: the sandbox is never mounted in production."""

    authentication_classes = []
    permission_classes = [AllowAny]


def _user(openid: str = "", *, unionid: str = "", phone: str = "") -> WeChatUser:
    user, _ = WeChatUser.objects.get_or_create(
        openid=openid or "o" + secrets.token_urlsafe(20),
        defaults={"unionid": unionid, "phone": phone, "session_key": secrets.token_urlsafe(16)},
    )
    changes = {
        name: value
        for name, value in (("unionid", unionid), ("phone", phone))
        if value and getattr(user, name) != value
    }
    if changes:
        for name, value in changes.items():
            setattr(user, name, value)
        user.save(update_fields=list(changes))
    return user


def issue_login_code(*, openid: str = "", unionid: str = "", phone: str = "") -> WeChatCode:
    """A one-time wx.login code for that WeChat user (a new one without openid)."""
    user = _user(openid, unionid=unionid, phone=phone)
    return WeChatCode.objects.create(kind=WeChatCode.Kind.LOGIN, code=secrets.token_hex(16), user=user)


def issue_phone_code(*, openid: str, phone: str) -> WeChatCode:
    user = _user(openid, phone=phone)
    return WeChatCode.objects.create(kind=WeChatCode.Kind.PHONE, code=secrets.token_hex(16), user=user, phone=phone)


class LoginCodeIn(serializers.Serializer):
    openid = serializers.CharField(required=False, allow_blank=True, max_length=64)
    unionid = serializers.CharField(required=False, allow_blank=True, max_length=64)
    phone = serializers.RegexField(r"^1\d{10}$", required=False, allow_blank=True)


class LoginCodeView(SandboxView):
    @extend_schema(exclude=True)
    def post(self, request):
        data = LoginCodeIn(data=request.data)
        data.is_valid(raise_exception=True)
        code = issue_login_code(**data.validated_data)
        return Response({"code": code.code, "openid": code.user.openid})


class PhoneCodeIn(serializers.Serializer):
    openid = serializers.CharField(max_length=64)
    phone = serializers.RegexField(r"^1\d{10}$")


class PhoneCodeView(SandboxView):
    @extend_schema(exclude=True)
    def post(self, request):
        data = PhoneCodeIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"code": issue_phone_code(**data.validated_data).code})


class ExpireTokensView(SandboxView):
    @extend_schema(exclude=True)
    def post(self, request):
        return Response({"revoked": expire_access_tokens()})


class CompleteIn(serializers.Serializer):
    """The prepay, or what the mini program passes to wx.requestPayment (its paySign is checked)."""

    prepay_id = serializers.CharField(max_length=64, required=False)
    result = serializers.ChoiceField(choices=["success", "fail"], default="success")
    timeStamp = serializers.CharField(required=False)  # noqa: N815 (wx.requestPayment's names)
    nonceStr = serializers.CharField(required=False)  # noqa: N815
    package = serializers.CharField(required=False)
    signType = serializers.CharField(required=False)  # noqa: N815
    paySign = serializers.CharField(required=False)  # noqa: N815

    def validate(self, attrs):
        if "package" in attrs:
            attrs.setdefault("prepay_id", attrs["package"].removeprefix("prepay_id="))
        if not attrs.get("prepay_id"):
            raise serializers.ValidationError({"prepay_id": "prepay_id or package is required"})
        return attrs


class WeChatPayCompleteView(SandboxView):
    """The payer confirms (or fails) the payment; the notification goes to the notify_url.

    With wx.requestPayment's parameters (package, paySign, ...) the paySign must verify, as
    WeChat checks it before showing the cashier; the /sandbox/ page's buttons (a person at the
    cashier) name the prepay_id only."""

    @extend_schema(exclude=True)
    def post(self, request):
        data = CompleteIn(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        trade = PayTrade.objects.filter(prepay_id=params["prepay_id"]).first()
        if trade is None:
            raise NotFound("No such prepay_id.", code="prepay_not_found")
        try:
            if "package" in params or "paySign" in params:
                verify_pay_sign(trade, params)
            trade = pay_trade(trade, success=params["result"] == "success")
        except PaymentRefused as refused:
            raise KitError(refused.message, code=refused.code) from refused
        if request.content_type != "application/json":  # a form of the /sandbox/ page
            return redirect("sandbox-index")  # the pay buttons of the /sandbox/ page
        return Response(
            {"out_trade_no": trade.out_trade_no, "trade_state": trade.state, "transaction_id": trade.transaction_id}
        )


class FaultIn(serializers.Serializer):
    platform = serializers.ChoiceField(choices=["wechat", "wechatpay"])
    mode = serializers.ChoiceField(choices=faults.MODES)
    times = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=1)


class FaultsView(SandboxView):
    """GET the active faults, POST one {platform, mode, times (null: until cleared)}, DELETE all."""

    @extend_schema(exclude=True)
    def get(self, request):
        return Response(faults.active_faults())

    @extend_schema(exclude=True)
    def post(self, request):
        data = FaultIn(data=request.data)
        data.is_valid(raise_exception=True)
        faults.set_fault(**data.validated_data)
        return Response(faults.active_faults())

    @extend_schema(exclude=True)
    def delete(self, request):
        faults.clear_faults()
        return Response({})


class FlushDeliveriesView(SandboxView):
    """Send the held and delayed notifications now."""

    @extend_schema(exclude=True)
    def post(self, request):
        sent = delivery.flush()
        if request.content_type != "application/json":  # a form of the /sandbox/ page
            return redirect("sandbox-index")
        return Response({"sent": sent})


FAULT_LABELS = {
    "timeout": "超时（不回答）",
    "http_500": "服务器错误（HTTP 500）",
    "busy": "系统繁忙（-1 / SYSTEM_ERROR）",
    "wrong_signature": "签名错误",
    "duplicate_notification": "重复通知",
    "delayed_notification": "延迟通知",
    "out_of_order": "通知乱序",
    "refund_pending": "退款未到账（支付宝 fund_change=N）",
}


class LoginCodeForm(forms.Form):
    """The page's form for a WeChat login code (the same as POST wechat/login-code/)."""

    openid = forms.CharField(label="openid（留空则为新用户）", required=False, max_length=64)
    phone = forms.RegexField(
        label="手机号（可选）", regex=r"^1\d{10}$", required=False, error_messages={"invalid": "请填写 11 位手机号"}
    )


class FaultForm(forms.Form):
    """The page's form to switch a fault on (the same as POST faults/)."""

    platform = forms.ChoiceField(
        label="平台", choices=[("wechat", "微信"), ("wechatpay", "微信支付"), ("alipay", "支付宝")]
    )
    mode = forms.ChoiceField(label="故障", choices=[(mode, FAULT_LABELS.get(mode, mode)) for mode in faults.MODES])
    times = forms.IntegerField(label="次数（留空则直到清除）", required=False, min_value=1, initial=1)


def page_login_code(request):
    """The login-code form of the /sandbox/ page: the code is shown on the page."""
    form = LoginCodeForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        code = issue_login_code(openid=form.cleaned_data["openid"], phone=form.cleaned_data["phone"])
        issued = {"code": code.code, "openid": code.user.openid}
    return index(request, login_form=form, issued=issued)


def page_faults(request):
    """The fault form of the /sandbox/ page: switch one on, or clear them all."""
    if request.method != "POST":
        return redirect("sandbox-index")
    if "clear" in request.POST:
        faults.clear_faults()
        return redirect("sandbox-index")
    form = FaultForm(request.POST)
    if not form.is_valid():
        return index(request, fault_form=form)
    faults.set_fault(form.cleaned_data["platform"], form.cleaned_data["mode"], times=form.cleaned_data["times"])
    return redirect("sandbox-index")


def index(request, *, login_form=None, issued=None, fault_form=None):
    """What the emulated platforms hold, with buttons to pay pending WeChat Pay trades and
    forms for login codes and faults, in Chinese for a person trying the kit."""
    from platforms.sandbox import alipay_views  # it imports SandboxView from here

    context = {
        "login_form": login_form or LoginCodeForm(),
        "issued": issued,
        "fault_form": fault_form or FaultForm(),
        "fault_labels": FAULT_LABELS,
        "pending": PayTrade.objects.filter(state=PayTrade.State.NOTPAY)[:50],
        "trades": PayTrade.objects.filter(~Q(state=PayTrade.State.NOTPAY))[:20],
        "messages": SubscribeMessage.objects.all()[:20],
        "shipping": ShippingUpload.objects.all()[:20],
        "checks": ContentCheck.objects.all()[:20],
        "deliveries": Delivery.objects.all()[:20],
        "faults": faults.active_faults(),
        "alipay": alipay_views.overview(),
        "tracking_url": reverse("sandbox-tracking-page"),
        # The logistics tracking component, order-shipping management and Alipay's order center.
        "waybills": SandboxWaybill.objects.all()[:20],
        "trade_orders": SandboxTradeOrder.objects.all()[:20],
        "paid_trades": PayTrade.objects.filter(state=PayTrade.State.SUCCESS).exclude(transaction_id="")[:10],
        "trade_pushes": Delivery.objects.filter(platform="wechat", event_type__startswith="trade_manage")[:20],
        "order_center": SandboxAlipayOrder.objects.all()[:20],
        "console": wechat_logistics.console(),
    }
    return render(request, "sandbox/index.html", context)
