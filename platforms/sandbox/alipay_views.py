"""The emulated Alipay: its open platform gateway, the files it serves (mini program QR codes,
daily bills), the control endpoints that stand in for the shopper's phone and Alipay's back
office, and `overview()` for the /sandbox/ page.

The gateway checks what Alipay checks (app id, RSA2 request signature with the app public key,
a known method), answers in Alipay's JSON signed with the sandbox's Alipay key, and shows the
shared fault modes for platform "alipay": timeout, http_500, busy (20000 "Service Currently
Unavailable", or 40004 aop.ACQ.SYSTEM_ERROR on trade methods) and wrong_signature.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import quote

import qrcode
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from config.errors import Conflict, NotFound
from config.money import yuan_str
from platforms.sandbox import faults
from platforms.sandbox.alipay_gateway import (
    HANDLERS,
    PLATFORM,
    GatewayFailure,
    business_failed,
    encrypted_phone_response,
    invalid_arguments,
    issue_login_code,
    request_content,
    signed_response,
    verify_app_signature,
)
from platforms.sandbox.alipay_models import AlipayMessage, AlipayRefund, AlipayTrade, AlipayUser
from platforms.sandbox.alipay_notify import TradeStateError, pay_trade, settle_refunds
from platforms.sandbox.models import Delivery
from platforms.sandbox.views import SandboxView

# --- the gateway ------------------------------------------------------------------------------------------
REQUIRED_PARAMS = {
    "app_id": "isv.missing-app-id",
    "method": "isv.missing-method",
    "sign_type": "isv.missing-signature-type",
    "sign": "isv.missing-signature",
    "timestamp": "isv.missing-timestamp",
    "version": "isv.missing-version",
}


def _check_request(params: dict) -> None:
    for name, sub_code in REQUIRED_PARAMS.items():
        if not params.get(name):
            raise GatewayFailure("40001", "Missing Required Arguments", sub_code, f"缺少{name}参数")
    if params["app_id"] != settings.ALIPAY_APP_ID:
        raise invalid_arguments("isv.invalid-app-id", "无效的AppID参数")
    if params["sign_type"] != "RSA2":
        raise invalid_arguments("isv.invalid-signature-type", "无效的签名类型")
    if params.get("charset", "utf-8").lower() != "utf-8":
        raise invalid_arguments("isv.invalid-charset", "字符集错误")
    try:
        datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise invalid_arguments("isv.invalid-timestamp", "非法的时间戳参数") from None
    if not verify_app_signature(request_content(params), params["sign"]):
        raise invalid_arguments("isv.invalid-signature", "验签出错")
    if params["method"] not in HANDLERS:
        raise invalid_arguments("isv.invalid-method", "不存在的方法名", key="error_response")


def _busy(method: str) -> GatewayFailure:
    if method.startswith("alipay.trade."):
        return business_failed("aop.ACQ.SYSTEM_ERROR", "系统错误")
    return GatewayFailure("20000", "Service Currently Unavailable", "isp.unknow-error", "系统繁忙")


@csrf_exempt
def gateway(request):
    """gateway.do: common parameters in the query string (or the form), biz_content as JSON."""
    fault = faults.take_fault(PLATFORM, faults.CALL_MODES)
    if fault == "timeout":
        return faults.timeout_response()
    if fault == "http_500":
        return faults.bad_gateway_response()
    params = request.GET.dict()
    params.update(request.POST.dict())
    method = params.get("method", "")
    key = method.replace(".", "_") + "_response" if method in HANDLERS else "error_response"
    try:
        if fault == "busy":
            raise _busy(method)
        _check_request(params)
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            raise invalid_arguments("isv.invalid-parameter", "biz_content不是合法的JSON") from None
        if not isinstance(biz, dict):
            raise invalid_arguments("isv.invalid-parameter", "biz_content不是合法的JSON")
        body = HANDLERS[method](params, biz)
    except GatewayFailure as failure:
        body, key = failure.body, failure.key or key
    wrong = faults.take_fault(PLATFORM, ("wrong_signature",)) is not None
    return HttpResponse(signed_response(key, body, impostor=wrong), content_type="application/json;charset=utf-8")


# --- files Alipay serves ---------------------------------------------------------------------------------
def qrcode_png(request):
    """The image behind qr_code_url: a real QR code of the scheme that opens the page."""
    target = (
        f"alipays://platformapi/startapp?appId={settings.ALIPAY_APP_ID}"
        f"&page={quote(request.GET.get('page', ''), safe='/')}&query={quote(request.GET.get('query', ''), safe='')}"
    )
    buffer = io.BytesIO()
    qrcode.make(target).save(buffer, format="PNG")
    return HttpResponse(buffer.getvalue(), content_type="image/png")


BILL_HEADER = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
]


def _fmt(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def bill_rows(day: date) -> list[list[str]]:
    """The day's payments and refunds as rows of Alipay's business detail bill."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    end = start + timedelta(days=1)
    rows = []
    for trade in AlipayTrade.objects.filter(
        paid_at__gte=start, paid_at__lt=end, app_id=settings.ALIPAY_APP_ID
    ).order_by("paid_at"):
        amount = yuan_str(trade.total_amount)
        rows.append(
            [
                trade.trade_no,
                trade.out_trade_no,
                "交易",
                trade.subject,
                _fmt(trade.created_at),
                _fmt(trade.paid_at),
                "",
                "",
                "",
                "",
                trade.buyer_id or trade.buyer_open_id,
                amount,
                amount,
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "",
                "0.00",
                "0.00",
                "",
                "0.00",
                "0.00",
                "",
            ]
        )
    # A refund is on the bill of the day its money moved (fund_change=N ones once they settle).
    refunds = (
        AlipayRefund.objects.select_related("trade")
        .filter(settled_at__gte=start, settled_at__lt=end, trade__app_id=settings.ALIPAY_APP_ID)
        .order_by("settled_at")
    )
    for refund in refunds:
        trade, amount = refund.trade, "-" + yuan_str(refund.refund_amount)
        rows.append(
            [
                trade.trade_no,
                trade.out_trade_no,
                "退款",
                trade.subject,
                _fmt(trade.created_at),
                _fmt(refund.settled_at),
                "",
                "",
                "",
                "",
                trade.buyer_id or trade.buyer_open_id,
                amount,
                amount,
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "",
                "0.00",
                "0.00",
                refund.out_request_no,
                "0.00",
                "0.00",
                refund.reason,
            ]
        )
    return rows


def bill_csv(day: date) -> str:
    """Alipay's detail bill: '#' comment lines around a CSV whose fields end in tabs."""
    rows = bill_rows(day)
    out = io.StringIO()
    out.write("#支付宝业务明细查询\n")
    out.write(f"#账号：[{settings.ALIPAY_SELLER_ID}0156]\n")
    out.write(
        f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{day + timedelta(days=1):%Y年%m月%d日} 00:00:00]\n"
    )
    out.write("#-----------------------------------------业务明细列表----------------------------------------\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BILL_HEADER)
    for row in rows:
        writer.writerow([f"{cell}\t" for cell in row])
    out.write("#-----------------------------------------业务明细列表结束------------------------------------\n")
    payments = sum(1 for row in rows if row[2] == "交易")
    out.write(f"#交易合计：{payments}笔，退款合计：{len(rows) - payments}笔\n")
    out.write(f"#导出时间：[{timezone.localtime():%Y年%m月%d日 %H:%M:%S}]\n")
    return out.getvalue()


SUMMARY_HEADER = [
    "门店编号",
    "门店名称",
    "交易订单总笔数",
    "退款订单总笔数",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "卡消费金额（元）",
    "服务费（元）",
    "分润（元）",
    "实收净额（元）",
]


def bill_summary_csv(day: date) -> str:
    """The summary file next to the detail: one total row per store, then the overall total."""
    rows = bill_rows(day)
    payments = [row for row in rows if row[2] == "交易"]
    total = sum((Decimal(row[11]) for row in rows), Decimal("0.00"))
    out = io.StringIO()
    out.write("#支付宝业务汇总查询\n")
    out.write(f"#账号：[{settings.ALIPAY_SELLER_ID}0156]\n")
    out.write(
        f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{day + timedelta(days=1):%Y年%m月%d日} 00:00:00]\n"
    )
    out.write("#-----------------------------------------业务汇总列表----------------------------------------\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SUMMARY_HEADER)
    counts = [str(len(payments)), str(len(rows) - len(payments))]
    amounts = [yuan_str(total), yuan_str(total), "0.00", "0.00", "0.00", "0.00", "0.00", yuan_str(total)]
    writer.writerow(["", "", *counts, *amounts])
    writer.writerow(["合计", "", *counts, *amounts])
    out.write("#-----------------------------------------业务汇总列表结束------------------------------------\n")
    out.write(f"#导出时间：[{timezone.localtime():%Y年%m月%d日 %H:%M:%S}]\n")
    return out.getvalue()


class GbkNamedEntry(zipfile.ZipInfo):
    """A zip entry whose name is stored in GBK with the UTF-8 flag (bit 0x800) off, as in the
    bill zips Alipay serves (zipfile itself would write UTF-8 and set the flag)."""

    def _encodeFilenameFlags(self):  # zipfile's hook for the stored name and flags
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def bill_zip(day: date) -> tuple[str, bytes]:
    """(file name, zip bytes): the summary and the detail CSV, GBK names and content, the summary
    first so that a reader relying on entry order or UTF-8 names gets it wrong."""
    name = f"{settings.ALIPAY_SELLER_ID}0156_{day:%Y%m%d}"
    buffer = io.BytesIO()
    now = timezone.localtime().timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, text in (
            (f"{name}_业务明细(汇总).csv", bill_summary_csv(day)),
            (f"{name}_业务明细.csv", bill_csv(day)),
        ):
            info = GbkNamedEntry(entry, date_time=now)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("gbk"))
    return f"{name}.csv.zip", buffer.getvalue()


def bill_download(request):
    """The bill_download_url file: a zip of GBK-named, GBK-encoded CSVs, as Alipay serves it."""
    try:
        day = date.fromisoformat(request.GET.get("bill_date", ""))
    except ValueError:
        return HttpResponse("bad bill_date", status=404, content_type="text/plain")
    name, content = bill_zip(day)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- control endpoints ---------------------------------------------------------------------------------------
PHONE = serializers.RegexField(r"^1\d{10}$", required=False, allow_blank=True)


class LoginCodeIn(serializers.Serializer):
    user_id = serializers.RegexField(r"^2088\d{12}$", required=False, allow_blank=True)
    open_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    phone = PHONE


class LoginCodeView(SandboxView):
    """A one-time my.getAuthCode code; with only open_id the token answer carries no user_id
    (a newer app, as Alipay has them)."""

    @extend_schema(exclude=True)
    def post(self, request):
        data = LoginCodeIn(data=request.data)
        data.is_valid(raise_exception=True)
        code = issue_login_code(**data.validated_data)
        return Response({"code": code.code, "user_id": code.user.user_id, "open_id": code.user.open_id})


class PhoneResponseIn(serializers.Serializer):
    user_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    open_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    phone = PHONE


class PhoneResponseView(SandboxView):
    """What my.getPhoneNumber gives the mini program for that user: {"response": "<the JSON
    string to send to me/phone/>"}."""

    @extend_schema(exclude=True)
    def post(self, request):
        data = PhoneResponseIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("user_id"):
            user = AlipayUser.objects.filter(user_id=values["user_id"]).first()
        else:
            user = AlipayUser.objects.filter(open_id=values.get("open_id") or "-").first()
        if user is None:
            raise NotFound("No such Alipay user.", code="user_not_found")
        if values.get("phone"):
            user.phone = values["phone"]
            user.save(update_fields=["phone"])
        if not user.phone:
            raise ValidationError({"phone": "This user has no phone number yet: give one."})
        return Response({"response": encrypted_phone_response(user.phone)})


class CompleteIn(serializers.Serializer):
    trade_no = serializers.CharField(max_length=64)
    result = serializers.ChoiceField(choices=["success", "fail"], default="success")


class CompleteView(SandboxView):
    """The payer pays (or gives up); the signed notification goes to the trade's notify_url."""

    @extend_schema(exclude=True)
    def post(self, request):
        data = CompleteIn(data=request.data)
        data.is_valid(raise_exception=True)
        if not AlipayTrade.objects.filter(trade_no=data.validated_data["trade_no"]).exists():
            raise NotFound("No such trade_no.", code="trade_not_found")
        try:
            trade = pay_trade(data.validated_data["trade_no"], result=data.validated_data["result"])
        except TradeStateError as exc:
            raise Conflict(f"This trade cannot be paid: {exc}.", code="trade_not_payable") from exc
        if request.content_type.split(";")[0] in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return redirect("sandbox-index")  # the pay buttons of the /sandbox/ page
        return Response({"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "trade_status": trade.status})


class SettleRefundsIn(serializers.Serializer):
    out_request_no = serializers.CharField(required=False, allow_blank=True, max_length=64)
    trade_no = serializers.CharField(required=False, allow_blank=True, max_length=64)


class SettleRefundsView(SandboxView):
    """Alipay finishes refunds it answered with fund_change=N (the "refund_pending" fault): all
    of them, or those of `trade_no` / `out_request_no`. Each then answers REFUND_SUCCESS to the
    refund query and sends its notification."""

    @extend_schema(exclude=True)
    def post(self, request):
        data = SettleRefundsIn(data=request.data)
        data.is_valid(raise_exception=True)
        settled = settle_refunds(**data.validated_data)
        if request.content_type.split(";")[0] in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return redirect("sandbox-index")  # the settle buttons of the /sandbox/ page
        return Response({"settled": [r.out_request_no for r in settled]})


class FaultIn(serializers.Serializer):
    mode = serializers.ChoiceField(choices=faults.MODES)
    times = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=1)


class FaultsView(SandboxView):
    """Alipay's faults: GET the active ones, POST {mode, times (null: until cleared)}, DELETE all."""

    @extend_schema(exclude=True)
    def get(self, request):
        return Response(faults.active_faults(PLATFORM))

    @extend_schema(exclude=True)
    def post(self, request):
        data = FaultIn(data=request.data)
        data.is_valid(raise_exception=True)
        faults.set_fault(PLATFORM, data.validated_data["mode"], data.validated_data["times"])
        return Response(faults.active_faults(PLATFORM))

    @extend_schema(exclude=True)
    def delete(self, request):
        faults.clear_faults(PLATFORM)
        return Response({})


# --- the /sandbox/ page ---------------------------------------------------------------------------------------
def overview() -> dict:
    """Alipay's part of the /sandbox/ page: section title -> rows (pending trades carry pay buttons)."""
    pending = AlipayTrade.objects.filter(status=AlipayTrade.Status.WAIT_BUYER_PAY).exclude(
        time_expire__lte=timezone.now()
    )[:50]
    return {
        "Pending payments": [render_to_string("sandbox/alipay_pending_trade.html", {"trade": t}) for t in pending],
        "Pending refunds (fund_change=N)": [
            format_html(
                '<code>{}</code> · {} · {} CNY <form method="post" action="{}" style="display:inline">'
                '<input type="hidden" name="out_request_no" value="{}"><button>Settle</button></form>',
                r.trade.out_trade_no,
                r.out_request_no,
                r.refund_amount,
                reverse("sandbox-alipay-settle-refunds"),
                r.out_request_no,
            )
            for r in AlipayRefund.objects.select_related("trade").filter(settled_at__isnull=True)[:20]
        ],
        "Trades": [
            f"{t.out_trade_no} · {t.trade_no} · {t.total_amount} CNY · {t.status}"
            + (f" · refunded {t.refunded_amount}" if t.refunded_amount else "")
            for t in AlipayTrade.objects.exclude(status=AlipayTrade.Status.WAIT_BUYER_PAY)[:20]
        ],
        "Template messages": [
            f"{m.to_user_id} · {m.template_id} · {m.page} · {json.dumps(m.data, ensure_ascii=False)}"
            for m in AlipayMessage.objects.all()[:20]
        ],
        "Users": [
            f"{u.user_id} · open_id {u.open_id} · phone {u.phone or '-'}"
            for u in AlipayUser.objects.order_by("-id")[:20]
        ],
        "Notifications": [
            f"{d.event_type} · {d.reference} · {d.state} · HTTP {d.status_code or '-'}"
            for d in Delivery.objects.filter(platform=PLATFORM)[:20]
        ],
        "Active faults": [
            f"{mode}: {'until cleared' if n == faults.FOREVER else f'{n} left'}"
            for mode, n in faults.active_faults(PLATFORM).items()
        ],
    }
