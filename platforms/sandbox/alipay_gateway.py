"""The emulated Alipay open platform gateway: one function per `method`, in Alipay's own codes.

Each handler takes the request's common parameters and its parsed `biz_content` and returns the
body that goes under "<method with underscores>_response"; `GatewayFailure` carries a
failure body. Signing, faults and HTTP live in `alipay_views`; the cryptography of Alipay's
side (RSA2 with the sandbox's Alipay key, AES for phone numbers) lives here.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.money import yuan_str
from platforms.sandbox import faults
from platforms.sandbox.alipay_keys import sandbox_keys
from platforms.sandbox.alipay_models import AlipayAuthCode, AlipayMessage, AlipayRefund, AlipayTrade, AlipayUser
from platforms.sandbox.wechat_views import risky_words  # one steerable word list for both platforms

PLATFORM = "alipay"  # the name of this platform in the shared faults and deliveries
AUTH_CODE_TTL = dt.timedelta(minutes=5)
AMOUNT_MIN, AMOUNT_MAX = Decimal("0.01"), Decimal("100000000")
BEIJING = ZoneInfo("Asia/Shanghai")  # Alipay's times on the wire and its bill days
# trade.create: "商户订单号, 64个字符以内, 仅支持字母、数字、下划线" (opendocs.alipay.com, alipay.trade.create).
OUT_TRADE_NO = re.compile(r"[A-Za-z0-9_]{1,64}")
# trade.create: "订单标题. 注意: 不可使用特殊字符, 如 /, =, & 等", at most 256 characters (same page).
SUBJECT_FORBIDDEN = frozenset("/=&")
SUBJECT_MAX = 256
# Price fields: "单位为元, 精确到小数点后两位, 取值范围[0.01,100000000]" (same page); the kit sends "12.50".
AMOUNT_FORMAT = re.compile(r"\d{1,9}\.\d{2}")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # time_expire: "格式为yyyy-MM-dd HH:mm:ss"
# Bills: "不支持下载当日账单 ... 当日数据一般于次日 9 点前生成", the earliest day bill is 2016-01-01
# (opendocs.alipay.com, alipay.data.dataservice.bill.downloadurl.query).
BILL_READY_AT = dt.time(9, 0)
BILL_FIRST_DAY = dt.date(2016, 1, 1)
# qrcode.create: url_param (256), query_param (256) and describe (32) are all required
# (opendocs.alipay.com, alipay.open.app.qrcode.create).
QRCODE_LIMITS = {"url_param": 256, "query_param": 256, "describe": 32}
# templatemessage.send: page at most 128, data at most 2048 (opendocs.alipay.com,
# alipay.open.app.mini.templatemessage.send), each keyword's value at most 50 (PLATFORMS.md).
TEMPLATE_LIMITS = {"page": 128, "data": 2048, "value": 50}

OK = {"code": "10000", "msg": "Success"}


class GatewayFailure(Exception):
    def __init__(self, code, msg, sub_code, sub_msg, *, key=None):
        super().__init__(sub_code)
        self.body = {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}
        self.key = key  # "error_response" for failures Alipay reports outside the method's key


def business_failed(sub_code, sub_msg):
    return GatewayFailure("40004", "Business Failed", sub_code, sub_msg)


def invalid_arguments(sub_code, sub_msg, *, key=None):
    return GatewayFailure("40002", "Invalid Arguments", sub_code, sub_msg, key=key)


# --- Alipay's side of the cryptography ------------------------------------------------------------
@lru_cache(maxsize=8)
def _private_key(pem: str):
    return serialization.load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=8)
def _public_key(pem: str):
    return serialization.load_pem_public_key(pem.encode())


def rsa2_sign(content: str, *, impostor: bool = False) -> str:
    keys = sandbox_keys()
    key = _private_key(keys.impostor_private_key if impostor else keys.alipay_private_key)
    return base64.b64encode(key.sign(content.encode(), rsa_padding.PKCS1v15(), hashes.SHA256())).decode()


def verify_app_signature(content: str, signature: str) -> bool:
    """The kit's request signature, checked with the app public key (as Alipay does)."""
    try:
        _public_key(sandbox_keys().app_public_key).verify(
            base64.b64decode(signature), content.encode(), rsa_padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def request_content(params: dict) -> str:
    """What the app signed: every non-empty parameter but `sign`, sorted, as k=v&k=v."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def notification_content(form: dict) -> str:
    """What Alipay signs in a notification: every field but sign and sign_type, sorted."""
    return "&".join(f"{k}={v}" for k, v in sorted(form.items()) if k not in ("sign", "sign_type"))


def signed_response(key: str, body: dict, *, impostor: bool = False) -> str:
    """The raw answer: Alipay signs the exact text of the response object it sends."""
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return '{"' + key + '":' + content + ',"sign":"' + rsa2_sign(content, impostor=impostor) + '"}'


def encrypted_phone_response(phone: str, *, impostor: bool = False) -> str:
    """What my.getPhoneNumber hands the mini program: AES-CBC (zero IV, PKCS#5) of the
    answer, signed over the quoted ciphertext."""
    plain = json.dumps({"code": "10000", "msg": "Success", "mobile": phone}, separators=(",", ":")).encode()
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(base64.b64decode(sandbox_keys().aes_key)), modes.CBC(bytes(16))).encryptor()
    ciphertext = base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()
    return json.dumps(
        {
            "response": ciphertext,
            "sign": rsa2_sign(f'"{ciphertext}"', impostor=impostor),
            "sign_type": "RSA2",
            "encryptType": "AES",
            "charset": "UTF-8",
        }
    )


# --- identities ------------------------------------------------------------------------------------
def new_user_id() -> str:
    return "2088" + "".join(secrets.choice("0123456789") for _ in range(12))


def new_open_id() -> str:
    return "0" + secrets.token_hex(22)


def new_trade_no() -> str:
    return timezone.localtime().strftime("%Y%m%d") + "22001" + "".join(secrets.choice("0123456789") for _ in range(15))


def issue_login_code(*, user_id: str = "", open_id: str = "", phone: str = "") -> AlipayAuthCode:
    """A one-time my.getAuthCode code for that user (a new user when none is named)."""
    user = None
    if user_id:
        user = AlipayUser.objects.filter(user_id=user_id).first()
    elif open_id:
        user = AlipayUser.objects.filter(open_id=open_id).first()
    if user is None:
        user = AlipayUser.objects.create(
            user_id=user_id or new_user_id(), open_id=open_id or new_open_id(), phone=phone
        )
    elif phone and user.phone != phone:
        user.phone = phone
        user.save(update_fields=["phone"])
    return AlipayAuthCode.objects.create(
        code=secrets.token_hex(16), user=user, open_id_only=bool(open_id and not user_id)
    )


def oauth_token(params, biz):
    if params.get("grant_type") != "authorization_code":
        raise invalid_arguments("isv.grant-type-invalid", "不支持的grant_type", key="error_response")
    with transaction.atomic():
        code = (
            AlipayAuthCode.objects.select_for_update()
            .select_related("user")
            .filter(code=params.get("code", ""), used_at__isnull=True, created_at__gte=timezone.now() - AUTH_CODE_TTL)
            .first()
        )
        if code is None:
            raise invalid_arguments("isv.code-invalid", "授权码code无效", key="error_response")
        code.used_at = timezone.now()
        code.save(update_fields=["used_at"])
    # The real answer carries no "code" on success.
    body = {
        "open_id": code.user.open_id,
        "access_token": "authusrB" + secrets.token_hex(16),
        "expires_in": 1296000,
        "refresh_token": "authusrB" + secrets.token_hex(16),
        "re_expires_in": 2592000,
        "auth_start": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
    }
    if not code.open_id_only:
        body["user_id"] = code.user.user_id
    return body


# --- trades -------------------------------------------------------------------------------------------
def _amount(value, name) -> Decimal:
    """A Price field: yuan with exactly two decimals ("12.50"), 0.01 to 100000000.00."""
    text = str(value)
    if not AMOUNT_FORMAT.fullmatch(text):
        raise business_failed("ACQ.INVALID_PARAMETER", f"参数{name}无效")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise business_failed("ACQ.INVALID_PARAMETER", f"参数{name}无效") from None
    if not AMOUNT_MIN <= amount <= AMOUNT_MAX:
        raise business_failed("ACQ.INVALID_PARAMETER", f"参数{name}无效")
    return amount


def close_if_expired(trade: AlipayTrade) -> AlipayTrade:
    """An unpaid trade past its time_expire is closed, as Alipay closes it on time-out."""
    now = timezone.now()
    if trade.status == AlipayTrade.Status.WAIT_BUYER_PAY and trade.time_expire and trade.time_expire <= now:
        AlipayTrade.objects.filter(pk=trade.pk, status=AlipayTrade.Status.WAIT_BUYER_PAY).update(
            status=AlipayTrade.Status.TRADE_CLOSED, closed_at=trade.time_expire
        )
        trade.refresh_from_db(fields=["status", "closed_at"])
    return trade


def _trade(biz, *, lock=False) -> AlipayTrade:
    trades = AlipayTrade.objects.select_for_update() if lock else AlipayTrade.objects.all()
    if biz.get("trade_no"):
        trade = trades.filter(trade_no=biz["trade_no"]).first()
    elif biz.get("out_trade_no"):
        trade = trades.filter(out_trade_no=biz["out_trade_no"]).first()
    else:
        raise business_failed("ACQ.INVALID_PARAMETER", "trade_no和out_trade_no不能同时为空")
    if trade is None or trade.app_id != settings.ALIPAY_APP_ID:
        raise business_failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
    return close_if_expired(trade)


def _time(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def trade_create(params, biz):
    for name in ("out_trade_no", "total_amount", "subject"):
        if not biz.get(name):
            raise business_failed("ACQ.INVALID_PARAMETER", f"缺少参数{name}")
    if biz.get("product_code", "JSAPI_PAY") != "JSAPI_PAY":
        raise business_failed("ACQ.PRODUCT_CODE_ERROR", "小程序支付的product_code须为JSAPI_PAY")
    buyer_id, buyer_open_id = biz.get("buyer_id", ""), biz.get("buyer_open_id", "")
    if not (buyer_id or buyer_open_id):
        raise business_failed("ACQ.INVALID_PARAMETER", "小程序支付须传buyer_id或buyer_open_id")
    if not OUT_TRADE_NO.fullmatch(str(biz["out_trade_no"])):
        raise business_failed("ACQ.INVALID_PARAMETER", "参数out_trade_no无效: 64个字符以内, 仅支持字母、数字、下划线")
    subject = str(biz["subject"])
    if len(subject) > SUBJECT_MAX or SUBJECT_FORBIDDEN & set(subject):
        raise business_failed("ACQ.INVALID_PARAMETER", "参数subject无效: 不可使用特殊字符, 如 /, =, &")
    amount = _amount(biz["total_amount"], "total_amount")
    time_expire = None
    if biz.get("time_expire"):
        try:
            time_expire = dt.datetime.strptime(str(biz["time_expire"]), TIME_FORMAT).replace(tzinfo=BEIJING)
        except ValueError:
            raise business_failed("ACQ.INVALID_PARAMETER", "参数time_expire无效: 格式为yyyy-MM-dd HH:mm:ss") from None
    trade = AlipayTrade.objects.filter(out_trade_no=biz["out_trade_no"]).first()
    if trade is None and time_expire is not None and time_expire <= timezone.now():
        raise business_failed("ACQ.INVALID_PARAMETER", "参数time_expire无效: 已过期")
    if trade is None:
        try:
            with transaction.atomic():
                trade = AlipayTrade.objects.create(
                    trade_no=new_trade_no(),
                    out_trade_no=biz["out_trade_no"],
                    app_id=params["app_id"],
                    seller_id=settings.ALIPAY_SELLER_ID,
                    subject=subject,
                    total_amount=amount,
                    buyer_id=buyer_id,
                    buyer_open_id=buyer_open_id,
                    notify_url=params.get("notify_url", ""),
                    time_expire=time_expire,
                )
        except IntegrityError:
            # The same order's prepay sent twice at once: both get the one trade.
            trade = AlipayTrade.objects.get(out_trade_no=biz["out_trade_no"])
    close_if_expired(trade)
    if trade.status in (AlipayTrade.Status.TRADE_SUCCESS, AlipayTrade.Status.TRADE_FINISHED):
        raise business_failed("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
    if trade.status == AlipayTrade.Status.TRADE_CLOSED:
        raise business_failed("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
    if trade.total_amount != amount or trade.buyer_id != buyer_id or trade.buyer_open_id != buyer_open_id:
        raise business_failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
    return {**OK, "out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no}


def trade_query(params, biz):
    trade = _trade(biz)
    paid = trade.paid_at is not None
    body = {
        **OK,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "trade_status": trade.status,
        "total_amount": yuan_str(trade.total_amount),
        "buyer_pay_amount": yuan_str(trade.total_amount) if paid else "0.00",
        "receipt_amount": yuan_str(trade.total_amount) if paid else "0.00",
        "point_amount": "0.00",
        "invoice_amount": yuan_str(trade.total_amount) if paid else "0.00",
    }
    if trade.buyer_id:
        body["buyer_user_id"] = trade.buyer_id
    if trade.buyer_open_id:
        body["buyer_open_id"] = trade.buyer_open_id
    if paid:
        body["send_pay_date"] = _time(trade.paid_at)
    return body


def trade_close(params, biz):
    with transaction.atomic():
        trade = _trade(biz, lock=True)
        if trade.status != AlipayTrade.Status.WAIT_BUYER_PAY:
            raise business_failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade.status = AlipayTrade.Status.TRADE_CLOSED
        trade.closed_at = timezone.now()
        trade.save(update_fields=["status", "closed_at"])
    return {**OK, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}


def trade_refund(params, biz):
    """code 10000 says the request was taken; fund_change says whether money moved *this time*:
    Y for a refund done now, N for a repeat of a known out_request_no (no second refund) and for
    a refund accepted but not settled yet (the "refund_pending" fault). A repeat with another
    amount is ACQ.DISCORDANT_REPEAT_REQUEST."""
    from platforms.sandbox.alipay_notify import settle_refund

    amount = _amount(biz.get("refund_amount", ""), "refund_amount")
    if len(str(biz.get("out_request_no") or "")) > 64:
        raise business_failed("ACQ.INVALID_PARAMETER", "参数out_request_no无效")
    with transaction.atomic():
        trade = _trade(biz, lock=True)
        out_request_no = biz.get("out_request_no") or trade.out_trade_no
        existing = trade.refunds.filter(out_request_no=out_request_no).first()
        refund_this_time = Decimal("0.00")
        if existing is not None:
            if existing.refund_amount != amount:
                raise business_failed("ACQ.DISCORDANT_REPEAT_REQUEST", "同一退款请求号的参数不一致")
            fund_change = "N"
        else:
            if trade.status not in (AlipayTrade.Status.TRADE_SUCCESS, AlipayTrade.Status.TRADE_FINISHED):
                raise business_failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            if not biz.get("out_request_no") and amount != trade.total_amount:
                # Without out_request_no a refund is of the whole trade.
                raise business_failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "撤销或退款金额与订单金额不一致")
            if trade.refunded_amount + amount > trade.total_amount:
                raise business_failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            refund = AlipayRefund.objects.create(
                trade=trade,
                out_request_no=out_request_no,
                refund_amount=amount,
                reason=str(biz.get("refund_reason", ""))[:256],
            )
            trade.refunded_amount += amount
            trade.save(update_fields=["refunded_amount"])
            if faults.take_fault(PLATFORM, ("refund_pending",)) is not None:
                fund_change = "N"  # taken, but the money has not moved: the refund query tells when
            else:
                settle_refund(refund)
                trade.refresh_from_db()
                fund_change, refund_this_time = "Y", amount
    body = {
        **OK,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "fund_change": fund_change,
        "refund_fee": yuan_str(trade.refunded_amount),
        "send_back_fee": yuan_str(refund_this_time),
        "gmt_refund_pay": _time(timezone.now()),
    }
    if trade.buyer_id:
        body["buyer_user_id"] = trade.buyer_id
    if trade.buyer_open_id:
        body["buyer_open_id"] = trade.buyer_open_id
    return body


def refund_query(params, biz):
    trade = _trade(biz)
    out_request_no = biz.get("out_request_no") or ""
    body = {**OK, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "out_request_no": out_request_no}
    refund = trade.refunds.filter(out_request_no=out_request_no).first()
    # Alipay answers 10000 without refund_status (and without refund_amount) when the refund is
    # unknown or not done yet: "未返回该字段表示退款请求未收到或者退款失败" (refund.query docs).
    if refund is not None and refund.is_settled:
        body.update(
            {
                "total_amount": yuan_str(trade.total_amount),
                "refund_amount": yuan_str(refund.refund_amount),
                "refund_status": "REFUND_SUCCESS",
                "gmt_refund_pay": _time(refund.settled_at),
            }
        )
    return body


def bill_download_url(params, biz):
    if biz.get("bill_type") not in ("trade", "signcustomer"):
        raise invalid_arguments("isv.invalid-parameter", "bill_type无效")
    try:
        day = dt.date.fromisoformat(str(biz.get("bill_date", "")))
    except ValueError:
        raise invalid_arguments("isv.invalid-parameter", "bill_date格式错误") from None
    ready_at = dt.datetime.combine(day + dt.timedelta(days=1), BILL_READY_AT, tzinfo=BEIJING)
    if day < BILL_FIRST_DAY or timezone.now() < ready_at:
        # No bill for today; yesterday's from 09:00 Beijing time.
        raise business_failed("isp.bill_not_exist", "账单不存在")
    query = urlencode({"bill_type": biz["bill_type"], "bill_date": day.isoformat()})
    return {**OK, "bill_download_url": f"{settings.SITE_URL}/sandbox/alipay/bills/download.zip?{query}"}


# --- mini program ---------------------------------------------------------------------------------------
def content_detect(params, biz):
    content = str(biz.get("content", ""))
    if not content:
        raise business_failed("INVALID_PARAMETER", "content不能为空")
    hits = [word for word in risky_words() if word.lower() in content.lower()]
    return {**OK, "action": "REJECTED" if hits else "PASSED", "keywords": hits, "unique_id": secrets.token_hex(12)}


def qrcode_create(params, biz):
    for name, limit in QRCODE_LIMITS.items():
        value = str(biz.get(name) or "")
        if not value:
            raise business_failed("INVALID_PARAMETER", f"{name}不能为空")
        if len(value) > limit:
            raise business_failed("INVALID_PARAMETER", f"{name}长度不能超过{limit}")
    query = urlencode({"page": biz["url_param"], "query": biz.get("query_param", "")})
    url = f"{settings.SITE_URL}/sandbox/alipay/qrcode.png?{query}"
    return {**OK, "qr_code_url": url, "qr_code_url_circle_white": url, "qr_code_url_circle_blue": url}


def has_subscription(recipient: str) -> bool:
    """The sandbox's view of the shopper's subscriptions, as on the WeChat side: a user whose
    user_id or open_id contains "nogrant" has none left. Its answer, USER_UNSUBSCRIBED, is the
    sandbox's stand-in: Alipay's published page lists no code for it that we could confirm."""
    if "nogrant" in recipient:
        return False
    user = AlipayUser.objects.filter(user_id=recipient).first() or AlipayUser.objects.filter(open_id=recipient).first()
    return user is None or "nogrant" not in user.open_id


def template_message_send(params, biz):
    recipient = biz.get("to_user_id") or biz.get("to_open_id")
    if not recipient or not biz.get("user_template_id"):
        raise business_failed("INVALID_PARAMETER", "to_user_id/to_open_id和user_template_id不能为空")
    data = biz.get("data") or "{}"
    if isinstance(data, str) and len(data) > TEMPLATE_LIMITS["data"]:
        raise business_failed("INVALID_PARAMETER", f"data长度不能超过{TEMPLATE_LIMITS['data']}")
    if len(str(biz.get("page") or "")) > TEMPLATE_LIMITS["page"]:
        raise business_failed("INVALID_PARAMETER", f"page长度不能超过{TEMPLATE_LIMITS['page']}")
    try:
        data = json.loads(data) if isinstance(data, str) else data
    except ValueError:
        raise business_failed("INVALID_PARAMETER", "data格式错误") from None
    # "data: {"keyword1": {"value": "..."}}", each value at most 50 characters (PLATFORMS.md).
    if not isinstance(data, dict):
        raise business_failed("INVALID_PARAMETER", "data格式错误")
    for key, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
            raise business_failed("INVALID_PARAMETER", f'data.{key}格式错误, 应为{{"value": "..."}}')
        if len(entry["value"]) > TEMPLATE_LIMITS["value"]:
            raise business_failed("INVALID_PARAMETER", f"data.{key}.value长度不能超过{TEMPLATE_LIMITS['value']}")
    if not has_subscription(recipient):
        raise business_failed("USER_UNSUBSCRIBED", "用户未订阅该消息模板或订阅次数已用完")
    AlipayMessage.objects.create(
        to_user_id=recipient, template_id=biz["user_template_id"], page=biz.get("page", ""), data=data
    )
    return dict(OK)


HANDLERS = {
    "alipay.system.oauth.token": oauth_token,
    "alipay.trade.create": trade_create,
    "alipay.trade.query": trade_query,
    "alipay.trade.close": trade_close,
    "alipay.trade.refund": trade_refund,
    "alipay.trade.fastpay.refund.query": refund_query,
    "alipay.data.dataservice.bill.downloadurl.query": bill_download_url,
    "alipay.security.risk.content.detect": content_detect,
    "alipay.open.app.qrcode.create": qrcode_create,
    "alipay.open.app.mini.templatemessage.send": template_message_send,
}


def _register_order_center():
    from platforms.sandbox.alipay_order_center import merchant_order_sync

    HANDLERS["alipay.merchant.order.sync"] = merchant_order_sync


_register_order_center()
