"""The emulated WeChat Pay API v3, at its own paths under /sandbox/wechatpay/.

Requests must carry a valid WECHATPAY2-SHA256-RSA2048 Authorization signed with the
merchant key; every answer is signed with the platform key (Wechatpay-Timestamp, -Nonce,
-Signature, -Serial: the public key id or the certificate serial, as settings.WECHATPAY_MODE
says); notifications are AES-256-GCM encrypted with the APIv3 key and sent to the notify_url
given at prepay. Errors use WeChat Pay's own codes (PARAM_ERROR, INVALID_REQUEST, ORDER_NOT_EXIST,
SIGN_ERROR, ORDERPAID, NOT_ENOUGH, NO_STATEMENT_EXIST, SYSTEM_ERROR).

As strict as WeChat Pay: the request signature covers the path as sent (percent-encoded); a
prepay's notify_url carries no query and is HTTPS (loopback aside), its currency is CNY, and its
time_expire cannot change once given; nothing is paid after time_expire, and the payer's
wx.requestPayment parameters must carry a paySign that verifies (`verify_pay_sign`); a close
names the mchid in its body; an out_refund_no is 1 to 64 of [A-Za-z0-9_-|*@] and, reused, must
ask for the same amount; bills are served for three months.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import re
import secrets
import time
from functools import wraps
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.money import fen_to_yuan, yuan_str
from platforms import transport
from platforms.base import SHANGHAI
from platforms.sandbox import delivery, faults
from platforms.sandbox.models import PayRefund, PayTrade
from platforms.sandbox.wechat_keys import sandbox_keys
from platforms.sandbox.wechat_views import RFC3339

PREFIX = "/sandbox/wechatpay"
_AUTH = re.compile(r'(\w+)="([^"]*)"')
OUT_TRADE_NO = re.compile(r"^[A-Za-z0-9_\-|*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[A-Za-z0-9_\-|*@]{1,64}$")  # 退款申请: "只能是数字、大小写字母_-|*@"
BILL_MONTHS_KEPT = 3  # 申请交易账单: "仅支持三个月内的账单下载申请"


class PaymentRefused(Exception):
    """What the payer's WeChat shows instead of paying: a bad paySign, an expired order."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _rsa_sign(private_pem: str, message: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def platform_serial() -> str:
    keys = sandbox_keys()
    if settings.WECHATPAY_MODE == "certificate":
        return keys.platform_serial_no
    return keys.platform_public_key_id


def signed_headers(body: str, *, timestamp: int | None = None, wrong_key: bool = False, serial: str = "") -> dict:
    """The Wechatpay-* headers WeChat Pay puts on a response or a notification."""
    keys = sandbox_keys()
    timestamp = str(timestamp if timestamp is not None else int(time.time()))
    nonce = secrets.token_hex(16).upper()
    key = keys.impostor_private_key if wrong_key else keys.platform_private_key
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": _rsa_sign(key, f"{timestamp}\n{nonce}\n{body}\n"),
        "Wechatpay-Serial": serial or platform_serial(),
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def _answer(payload: dict | None, status: int = 200, *, content: bytes | None = None, content_type="application/json"):
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(content if content is not None else body, status=status, content_type=content_type)
    wrong = faults.take_fault("wechatpay", ("wrong_signature",)) is not None
    for name, value in signed_headers(body if content is None else "", wrong_key=wrong).items():
        response[name] = value
    response["Request-ID"] = secrets.token_hex(16)
    return response


def _error(status: int, code: str, message: str):
    return _answer({"code": code, "message": message}, status)


def _verify_authorization(request) -> str | None:
    """What is wrong with the request's merchant signature, or None."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("WECHATPAY2-SHA256-RSA2048 "):
        return "Authorization header is missing or not WECHATPAY2-SHA256-RSA2048"
    fields = dict(_AUTH.findall(header))
    keys = sandbox_keys()
    if fields.get("mchid") != settings.WECHATPAY_MCH_ID:
        return "mchid in Authorization does not match the merchant"
    if fields.get("serial_no") != keys.merchant_serial_no:
        return "serial_no is not the merchant certificate serial"
    if abs(int(fields.get("timestamp", "0")) - time.time()) > 300:
        return "timestamp is more than 5 minutes off"
    # WeChat Pay checks the signature over the URL as it was sent, still percent-encoded.
    sent = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or request.get_full_path()
    path = sent[len(PREFIX) :] if sent.startswith(PREFIX) else sent
    message = (
        f"{request.method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{request.body.decode()}\n"
    )
    public = serialization.load_pem_public_key(keys.merchant_public_key.encode())
    try:
        public.verify(
            base64.b64decode(fields.get("signature", "")), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return "signature does not verify"
    return None


def wechatpay_api(view):
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        fault = faults.take_fault("wechatpay", faults.CALL_MODES)
        if fault == "timeout":
            return faults.timeout_response()
        if fault in ("http_500", "busy"):
            return _error(500, "SYSTEM_ERROR", "系统繁忙，请稍后重试")
        problem = _verify_authorization(request)
        if problem:
            return _error(401, "SIGN_ERROR", problem)
        body = {}
        if request.method == "POST" and request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                return _error(400, "PARAM_ERROR", "body is not JSON")
        return view(request, body, *args, **kwargs)

    return wrapper


def _trade_json(trade: PayTrade) -> dict:
    data = {
        "appid": trade.appid,
        "mchid": trade.mchid,
        "out_trade_no": trade.out_trade_no,
        "trade_state": trade.state,
        "trade_state_desc": {
            "SUCCESS": "支付成功",
            "NOTPAY": "未支付",
            "CLOSED": "已关闭",
            "REFUND": "转入退款",
            "PAYERROR": "支付失败",
        }[trade.state],
        "amount": {"total": trade.total, "currency": trade.currency},
        "payer": {"openid": trade.payer_openid},
    }
    if trade.transaction_id:
        data.update(
            {
                "transaction_id": trade.transaction_id,
                "trade_type": "JSAPI",
                "bank_type": "OTHERS",
                "success_time": trade.success_time.astimezone(SHANGHAI).isoformat(timespec="seconds"),
            }
        )
        data["amount"].update({"payer_total": trade.total, "payer_currency": trade.currency})
    return data


def _refund_json(refund: PayRefund) -> dict:
    data = {
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": refund.trade.transaction_id,
        "out_trade_no": refund.trade.out_trade_no,
        "channel": "ORIGINAL",
        "status": refund.status,
        "create_time": refund.created_at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
        "amount": {
            "refund": refund.refund,
            "total": refund.trade.total,
            "currency": refund.trade.currency,
            "payer_refund": refund.refund,
            "payer_total": refund.trade.total,
        },
    }
    if refund.success_time:
        data["success_time"] = refund.success_time.astimezone(SHANGHAI).isoformat(timespec="seconds")
    return data


def _moment(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def notify_url_problem(url: str) -> str | None:
    """JSAPI下单 notify_url: "不能携带参数", and an HTTPS address (http accepted on loopback only)."""
    parts = urlsplit(url)
    if "?" in url or parts.fragment:
        return "notify_url must not carry a query string"
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        return "notify_url must be https"
    return None


@wechatpay_api
def jsapi(request, body):
    missing = [k for k in ("appid", "mchid", "description", "out_trade_no", "notify_url") if not body.get(k)]
    amount, payer = body.get("amount") or {}, body.get("payer") or {}
    if not isinstance(amount.get("total"), int) or amount["total"] <= 0:
        missing.append("amount.total")
    if not payer.get("openid"):
        missing.append("payer.openid")
    if body.get("out_trade_no") and not OUT_TRADE_NO.match(body["out_trade_no"]):
        missing.append("out_trade_no (6-32 of A-Z a-z 0-9 _ - | *)")
    if body.get("time_expire") and not RFC3339.match(body["time_expire"]):
        missing.append("time_expire (RFC 3339)")
    if len(body.get("description", "")) > 127:
        missing.append("description (at most 127 characters)")
    if amount.get("currency", "CNY") != "CNY":
        missing.append("amount.currency (CNY only)")
    if body.get("notify_url") and notify_url_problem(body["notify_url"]):
        missing.append(f"notify_url ({notify_url_problem(body['notify_url'])})")
    if missing:
        return _error(400, "PARAM_ERROR", f"missing or invalid: {', '.join(missing)}")
    if body["mchid"] != settings.WECHATPAY_MCH_ID:
        return _error(400, "MCH_NOT_EXISTS", "mchid does not exist")
    if body["appid"] != settings.WECHAT_APP_ID:
        return _error(400, "APPID_MCHID_NOT_MATCH", "appid and mchid do not match")
    existing = PayTrade.objects.filter(out_trade_no=body["out_trade_no"]).first()
    if existing:
        if existing.state == PayTrade.State.SUCCESS:
            return _error(400, "ORDERPAID", "order already paid")
        if existing.total != amount["total"] or existing.payer_openid != payer["openid"]:
            return _error(400, "INVALID_REQUEST", "out_trade_no reused with different parameters")
        if _moment(existing.time_expire) != _moment(body.get("time_expire", "")):
            # "time_expire只能第一次下单传值，不允许二次修改，二次修改系统将报错" (pay.weixin.qq.com).
            return _error(400, "INVALID_REQUEST", "time_expire cannot change after the first prepay of an out_trade_no")
        return _answer({"prepay_id": existing.prepay_id})
    expires = _moment(body.get("time_expire", ""))
    if expires is not None and expires <= timezone.now():
        return _error(400, "PARAM_ERROR", "time_expire has passed (交易有效截止时间非法)")
    trade = PayTrade.objects.create(
        prepay_id="wx" + timezone.now().strftime("%d%H%M%S") + secrets.token_hex(12),
        appid=body["appid"],
        mchid=body["mchid"],
        out_trade_no=body["out_trade_no"],
        description=body["description"][:127],
        total=amount["total"],
        currency=amount.get("currency", "CNY"),
        payer_openid=payer["openid"],
        notify_url=body["notify_url"],
        time_expire=body.get("time_expire", ""),
    )
    return _answer({"prepay_id": trade.prepay_id})


@wechatpay_api
def query_trade(request, body, out_trade_no):
    if request.GET.get("mchid") != settings.WECHATPAY_MCH_ID:
        return _error(400, "PARAM_ERROR", "mchid is required")
    trade = PayTrade.objects.filter(out_trade_no=out_trade_no).first()
    if trade is None:
        return _error(404, "ORDER_NOT_EXIST", "订单不存在")
    return _answer(_trade_json(trade))


@wechatpay_api
def close_trade(request, body, out_trade_no):
    if not body.get("mchid"):
        return _error(400, "PARAM_ERROR", "mchid is required in the body")
    if body["mchid"] != settings.WECHATPAY_MCH_ID:
        return _error(400, "MCH_NOT_EXISTS", "mchid does not exist")
    trade = PayTrade.objects.filter(out_trade_no=out_trade_no).first()
    if trade is None:
        return _error(404, "ORDER_NOT_EXIST", "订单不存在")
    if trade.state == PayTrade.State.SUCCESS:
        return _error(400, "ORDERPAID", "订单已支付")
    trade.state = PayTrade.State.CLOSED
    trade.save(update_fields=["state"])
    return _answer(None, 204, content=b"")


@wechatpay_api
def refunds(request, body):
    amount = body.get("amount") or {}
    trade = PayTrade.objects.filter(out_trade_no=body.get("out_trade_no") or "").first()
    if trade is None and body.get("transaction_id"):
        trade = PayTrade.objects.filter(transaction_id=body["transaction_id"]).first()
    if not body.get("out_refund_no") or not isinstance(amount.get("refund"), int):
        return _error(400, "PARAM_ERROR", "out_refund_no and amount.refund are required")
    if not OUT_REFUND_NO.match(body["out_refund_no"]):
        return _error(400, "PARAM_ERROR", "out_refund_no: 1 to 64 of A-Z a-z 0-9 _-|*@")
    if trade is None:
        return _error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
    if trade.state not in (PayTrade.State.SUCCESS, PayTrade.State.REFUND):
        return _error(403, "TRADE_ERROR", "订单未支付")
    if amount.get("total") != trade.total:
        return _error(400, "PARAM_ERROR", "amount.total does not match the order")
    existing = PayRefund.objects.filter(out_refund_no=body["out_refund_no"]).first()
    if existing:
        if existing.trade_id != trade.pk or existing.refund != amount["refund"]:
            # The same out_refund_no refunds once; asked again with other amounts it is refused.
            return _error(400, "INVALID_REQUEST", "订单金额或退款金额与之前请求不一致，请核实后再试")
        return _answer(_refund_json(existing))
    refunded = sum(r.refund for r in trade.refunds.exclude(status=PayRefund.Status.CLOSED))
    if amount["refund"] <= 0 or refunded + amount["refund"] > trade.total:
        return _error(403, "NOT_ENOUGH", "退款金额超过订单可退金额")
    with transaction.atomic():
        refund = PayRefund.objects.create(
            trade=trade,
            out_refund_no=body["out_refund_no"],
            refund=amount["refund"],
            refund_id="50" + secrets.token_hex(14)[:28],
            notify_url=body.get("notify_url", ""),
            reason=body.get("reason", "")[:80],
        )
        trade.state = PayTrade.State.REFUND
        trade.save(update_fields=["state"])
    # The money moves later; the refund notification says so (see complete_refund).
    transaction.on_commit(lambda: complete_refund(refund.pk))
    return _answer(_refund_json(refund))


@wechatpay_api
def query_refund(request, body, out_refund_no):
    refund = PayRefund.objects.select_related("trade").filter(out_refund_no=out_refund_no).first()
    if refund is None:
        return _error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return _answer(_refund_json(refund))


@wechatpay_api
def certificates(request, body):
    """The platform certificates, encrypted with the APIv3 key (certificate mode downloads these)."""
    keys = sandbox_keys()
    nonce, associated = secrets.token_hex(6), "certificate"
    cert = x509_dates(keys.platform_certificate)
    return _answer(
        {
            "data": [
                {
                    "serial_no": keys.platform_serial_no,
                    "effective_time": cert[0],
                    "expire_time": cert[1],
                    "encrypt_certificate": {
                        "algorithm": "AEAD_AES_256_GCM",
                        "nonce": nonce,
                        "associated_data": associated,
                        "ciphertext": aes_encrypt(keys.platform_certificate, nonce=nonce, associated_data=associated),
                    },
                }
            ]
        }
    )


def x509_dates(pem: str) -> tuple[str, str]:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(pem.encode())
    return (
        cert.not_valid_before_utc.astimezone(SHANGHAI).isoformat(timespec="seconds"),
        cert.not_valid_after_utc.astimezone(SHANGHAI).isoformat(timespec="seconds"),
    )


def earliest_bill_day(today: dt.date) -> dt.date:
    """Three calendar months back (the day clamped to the month's length)."""
    month_index = today.year * 12 + today.month - 1 - BILL_MONTHS_KEPT
    year, month = divmod(month_index, 12)
    day = today.day
    while True:
        try:
            return dt.date(year, month + 1, day)
        except ValueError:
            day -= 1


BILL_HEADER = [
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单总金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
]


def _yuan(fen: int) -> str:
    return yuan_str(fen_to_yuan(fen))


def trade_bill_csv(day: dt.date) -> str:
    """The day's trade bill in WeChat Pay's layout: backtick-prefixed fields, then totals."""
    start = dt.datetime.combine(day, dt.time(), SHANGHAI)
    end = start + dt.timedelta(days=1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BILL_HEADER)
    paid = PayTrade.objects.filter(success_time__gte=start, success_time__lt=end).exclude(transaction_id="")
    count, total, refunded = 0, 0, 0
    for trade in paid.order_by("success_time"):
        count += 1
        total += trade.total
        writer.writerow(
            [
                "`" + v
                for v in [
                    trade.success_time.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
                    trade.appid,
                    trade.mchid,
                    "0",
                    "",
                    trade.transaction_id,
                    trade.out_trade_no,
                    trade.payer_openid,
                    "JSAPI",
                    "SUCCESS",
                    "OTHERS",
                    "CNY",
                    _yuan(trade.total),
                    "0.00",
                    "0",
                    "0",
                    "0.00",
                    "0.00",
                    "",
                    "",
                    trade.description,
                    "",
                    "0.00000",
                    "0.60%",
                    _yuan(trade.total),
                    "0.00",
                    "",
                ]
            ]
        )
    for refund in PayRefund.objects.select_related("trade").filter(success_time__gte=start, success_time__lt=end):
        count += 1
        refunded += refund.refund
        trade = refund.trade
        writer.writerow(
            [
                "`" + v
                for v in [
                    refund.success_time.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
                    trade.appid,
                    trade.mchid,
                    "0",
                    "",
                    trade.transaction_id,
                    trade.out_trade_no,
                    trade.payer_openid,
                    "JSAPI",
                    "REFUND",
                    "OTHERS",
                    "CNY",
                    "0.00",
                    "0.00",
                    refund.refund_id,
                    refund.out_refund_no,
                    _yuan(refund.refund),
                    "0.00",
                    "ORIGINAL",
                    "SUCCESS",
                    trade.description,
                    "",
                    "0.00000",
                    "0.60%",
                    "0.00",
                    _yuan(refund.refund),
                    "",
                ]
            ]
        )
    writer.writerow(
        [
            "总交易单数",
            "应结订单总金额",
            "退款总金额",
            "充值券退款总金额",
            "手续费总金额",
            "订单总金额",
            "申请退款总金额",
        ]
    )
    writer.writerow(
        ["`" + v for v in [str(count), _yuan(total), _yuan(refunded), "0.00", "0.00000", _yuan(total), _yuan(refunded)]]
    )
    return out.getvalue()


@wechatpay_api
def tradebill(request, body):
    try:
        day = dt.date.fromisoformat(request.GET.get("bill_date", ""))
    except ValueError:
        return _error(400, "PARAM_ERROR", "bill_date must be YYYY-MM-DD")
    if day >= timezone.localdate():
        return _error(400, "NO_STATEMENT_EXIST", "账单文件不存在（当日账单次日生成）")
    if day < earliest_bill_day(timezone.localdate()):
        return _error(400, "PARAM_ERROR", "bill_date: 仅支持三个月内的账单下载申请")
    content = trade_bill_csv(day).encode("utf-8")
    token = base64.urlsafe_b64encode(f"{day.isoformat()}|{request.GET.get('tar_type', '')}".encode()).decode()
    return _answer(
        {
            "download_url": f"{transport.BASE_URLS['wechatpay']}/v3/billdownload/file?token={token}",
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(content, usedforsecurity=False).hexdigest(),  # WeChat Pay states SHA1
        }
    )


@wechatpay_api
def billdownload(request, body):
    try:
        day_text, tar_type = base64.urlsafe_b64decode(request.GET.get("token", "")).decode().split("|")
        day = dt.date.fromisoformat(day_text)
    except ValueError:
        return _error(400, "PARAM_ERROR", "invalid token")
    content = trade_bill_csv(day).encode("utf-8")
    if tar_type == "GZIP":
        return _answer(None, content=gzip.compress(content), content_type="application/octet-stream")
    return _answer(None, content=content, content_type="text/plain; charset=utf-8")


# --- notifications --------------------------------------------------------------------------------
def aes_encrypt(plaintext: str, *, nonce: str, associated_data: str, key: str | None = None) -> str:
    key = key or sandbox_keys().apiv3_key
    sealed = AESGCM(key.encode()).encrypt(nonce.encode(), plaintext.encode(), associated_data.encode())
    return base64.b64encode(sealed).decode()


def notification_body(
    event_type: str, resource: dict, *, resource_type="encrypt-resource", key: str | None = None
) -> str:
    """A notification body in WeChat Pay's envelope, the resource encrypted with the APIv3 key."""
    nonce = secrets.token_hex(6)
    associated = "transaction" if event_type.startswith("TRANSACTION") else "refund"
    summary = {"TRANSACTION.SUCCESS": "支付成功", "REFUND.SUCCESS": "退款成功"}.get(event_type, "通知")
    return json.dumps(
        {
            "id": secrets.token_hex(16),
            "create_time": timezone.now().astimezone(SHANGHAI).isoformat(timespec="seconds"),
            "resource_type": resource_type,
            "event_type": event_type,
            "summary": summary,
            "resource": {
                "original_type": associated,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": aes_encrypt(
                    json.dumps(resource, ensure_ascii=False), nonce=nonce, associated_data=associated, key=key
                ),
                "associated_data": associated,
                "nonce": nonce,
            },
        },
        ensure_ascii=False,
    )


def _send_notification(event_type: str, resource: dict, *, url: str, reference: str) -> None:
    body = notification_body(event_type, resource)
    wrong = faults.take_fault("wechatpay", ("wrong_signature",)) is not None
    headers = {"Content-Type": "application/json", **signed_headers(body, wrong_key=wrong)}
    delivery.notify(
        platform="wechatpay", event_type=event_type, url=url, reference=reference, headers=headers, body=body
    )


def verify_pay_sign(trade: PayTrade, params: dict) -> None:
    """What wx.requestPayment checks before the payer sees the cashier: the package names this
    prepay, signType is RSA and paySign is the merchant's RSA-SHA256 signature of
    appId, timeStamp, nonceStr and package. Raises PaymentRefused otherwise."""
    if params.get("package") != f"prepay_id={trade.prepay_id}":
        raise PaymentRefused("pay_sign_invalid", "package is not prepay_id=<this prepay>")
    if params.get("signType") != "RSA":
        raise PaymentRefused("pay_sign_invalid", "signType must be RSA")
    message = f"{trade.appid}\n{params.get('timeStamp', '')}\n{params.get('nonceStr', '')}\n{params['package']}\n"
    public = serialization.load_pem_public_key(sandbox_keys().merchant_public_key.encode())
    try:
        public.verify(
            base64.b64decode(params.get("paySign", ""), validate=True),
            message.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError) as exc:
        raise PaymentRefused("pay_sign_invalid", "requestPayment:fail paySign does not verify") from exc


def pay_trade(trade: PayTrade, *, success: bool) -> PayTrade:
    """The payer pays (or the payment fails); a successful one notifies the kit. Nothing is
    paid after the trade's time_expire (PaymentRefused("order_expired"))."""
    with transaction.atomic():
        trade = PayTrade.objects.select_for_update().get(pk=trade.pk)
        if trade.state != PayTrade.State.NOTPAY:
            return trade
        expires = _moment(trade.time_expire)
        if success and expires is not None and expires <= timezone.now():
            raise PaymentRefused("order_expired", "requestPayment:fail 订单已过期 (past time_expire)")
        if success:
            trade.state = PayTrade.State.SUCCESS
            trade.transaction_id = "42" + timezone.now().strftime("%Y%m%d") + secrets.token_hex(9)[:18]
            trade.success_time = timezone.now().replace(microsecond=0)
        else:
            trade.state = PayTrade.State.PAYERROR
        trade.save(update_fields=["state", "transaction_id", "success_time"])
    if success:
        _send_notification(
            "TRANSACTION.SUCCESS", _trade_json(trade), url=trade.notify_url, reference=trade.out_trade_no
        )
    return trade


def complete_refund(refund_id: int) -> None:
    with transaction.atomic():
        refund = PayRefund.objects.select_for_update().select_related("trade").get(pk=refund_id)
        if refund.status != PayRefund.Status.PROCESSING:
            return
        refund.status = PayRefund.Status.SUCCESS
        refund.success_time = timezone.now().replace(microsecond=0)
        refund.save(update_fields=["status", "success_time"])
    if refund.notify_url:
        trade = refund.trade
        resource = {
            "mchid": trade.mchid,
            "out_trade_no": trade.out_trade_no,
            "transaction_id": trade.transaction_id,
            "out_refund_no": refund.out_refund_no,
            "refund_id": refund.refund_id,
            "refund_status": "SUCCESS",
            "success_time": refund.success_time.astimezone(SHANGHAI).isoformat(timespec="seconds"),
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": trade.total,
                "refund": refund.refund,
                "payer_total": trade.total,
                "payer_refund": refund.refund,
            },
        }
        _send_notification("REFUND.SUCCESS", resource, url=refund.notify_url, reference=refund.out_refund_no)


def pay_url(trade: PayTrade) -> str:
    return reverse("sandbox-wechatpay-complete") + f"?prepay_id={trade.prepay_id}"
