"""WeChat Pay API v3 behind `PaymentProvider`, through wechatpayv3.

Two key modes, chosen by settings.WECHATPAY_MODE:
- "public_key": responses and notifications are verified with the WeChat Pay public key
  (WECHATPAY_PUBLIC_KEY_PATH, WECHATPAY_PUBLIC_KEY_ID); nothing is downloaded at start;
- "certificate": with platform certificates, which wechatpayv3 downloads from
  /v3/certificates into WECHATPAY_CERT_DIR when the directory is empty.

wechatpayv3 calls `requests` at module level; platforms.transport routes that module through
one session, so the sandbox is reached in-process and, in certificate mode, the certificate
download at construction goes there too. With the sandbox on and no keys configured, the
sandbox's generated keys are used (platforms/sandbox/wechat_keys.py).

Notifications are checked here before anything is believed: the Wechatpay-* headers are
present, the signature is not a WECHATPAY/SIGNTEST/ probe, the timestamp is within five
minutes, the RSA signature verifies, the AES-256-GCM resource decrypts with the APIv3 key,
and the appid and mchid are ours. Any failure raises InvalidNotification.

Amounts are integer fen in WeChat Pay's JSON: every fen field of an `amount` object (in
notifications and in query and refund answers) must be an int from 0 up, never a bool, a
float, a string or negative (config.money.parse_fen); a paid trade must name its
transaction_id. A notification failing either is an InvalidNotification and changes nothing.

Calls WeChat Pay would refuse are refused here first (PlatformError, nothing sent): a notify_url
with a query string or without HTTPS outside loopback, a time_expire already past, an
out_refund_no outside [A-Za-z0-9_-|*@] or over 64, a bill older than the three months WeChat Pay
keeps. Path parameters are percent-encoded before wechatpayv3 signs the path, so the signature
covers the URL exactly as it is sent (a `|` in an out_trade_no would otherwise be signed raw and
sent as %7C). A bill is checked against its SHA1 hash_value before it is parsed.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import ipaddress
import json
import logging
import re
import secrets
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests
import wechatpayv3.core
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, JsonResponse
from wechatpayv3 import WeChatPay as WeChatPayClient
from wechatpayv3 import WeChatPayType

from config.money import MoneyFormatError, fen_to_yuan, parse_fen, parse_yuan, yuan_to_fen
from platforms import transport
from platforms.base import (
    SHANGHAI,
    InvalidNotification,
    PaymentNotification,
    PaymentProvider,
    PlatformError,
    Prepay,
    RefundState,
    StatementLine,
    TradeState,
)

MAX_CLOCK_SKEW_SECONDS = 300
SIGNTEST_PREFIX = "WECHATPAY/SIGNTEST/"
TRADE_STATES = {
    "SUCCESS": "paid",
    "NOTPAY": "not_paid",
    "USERPAYING": "not_paid",
    "PAYERROR": "not_paid",
    "CLOSED": "closed",
    "REVOKED": "closed",
    "REFUND": "refunded",
}
REFUND_STATES = {"SUCCESS": "success", "PROCESSING": "processing", "ABNORMAL": "failed", "CLOSED": "failed"}
ORDER_NOT_EXIST = "order_not_exist"  # WeChat Pay's 404 code for an out_trade_no it never saw, as _request lowers it
# "商户系统内部的退款单号...只能是数字、大小写字母_-|*@" (pay.weixin.qq.com, 退款申请 out_refund_no).
OUT_REFUND_NO = re.compile(r"^[A-Za-z0-9_\-|*@]{1,64}$")
# "对账单接口只能下载三个月以内的账单" (pay.weixin.qq.com, 申请交易账单).
BILL_MONTHS_KEPT = 3
# The fen fields of the `amount` object of a transaction or a refund (pay.weixin.qq.com:
# 查询订单, 支付通知, 退款申请, 查询单笔退款, 退款结果通知). Each one present is read by parse_fen.
FEN_FIELDS = (
    "total",
    "payer_total",
    "refund",
    "payer_refund",
    "settlement_refund",
    "settlement_total",
    "discount_refund",
    "refund_fee",
)
_routing_lock = threading.Lock()
logger = logging.getLogger(__name__)


def _read(path: str) -> str:
    return Path(path).read_text()


def credentials() -> dict:
    """The merchant's keys from settings, or the sandbox's when the sandbox is on and none are set."""
    mode = settings.WECHATPAY_MODE
    if mode not in ("public_key", "certificate"):
        raise ImproperlyConfigured('WECHATPAY_MODE must be "public_key" or "certificate".')
    if settings.WECHATPAY_PRIVATE_KEY_PATH:
        creds = {
            "private_key": _read(settings.WECHATPAY_PRIVATE_KEY_PATH),
            "cert_serial_no": settings.WECHATPAY_CERT_SERIAL_NO,
            "apiv3_key": settings.WECHATPAY_APIV3_KEY,
            "cert_dir": settings.WECHATPAY_CERT_DIR,
            "public_key": None,
            "public_key_id": None,
        }
        if mode == "public_key":
            creds["public_key"] = _read(settings.WECHATPAY_PUBLIC_KEY_PATH)
            creds["public_key_id"] = settings.WECHATPAY_PUBLIC_KEY_ID
        return creds
    if not transport.sandbox_enabled():
        raise ImproperlyConfigured("Set WECHATPAY_PRIVATE_KEY_PATH and the other WECHATPAY_* settings.")
    from platforms.sandbox.wechat_keys import sandbox_keys

    keys = sandbox_keys()
    public = mode == "public_key"
    return {
        "private_key": keys.merchant_private_key,
        "cert_serial_no": keys.merchant_serial_no,
        "apiv3_key": keys.apiv3_key,
        "cert_dir": str(Path(settings.SANDBOX_DIR) / "wechatpay-certs"),
        "public_key": keys.platform_public_key if public else None,
        "public_key_id": keys.platform_public_key_id if public else None,
    }


def _route_wechatpayv3() -> None:
    with _routing_lock:
        if not isinstance(wechatpayv3.core.requests, transport.RoutedRequests):
            transport.route_module_requests(wechatpayv3.core, transport.platform_session("wechatpay"))


# WeChat Pay's "system busy, call again with the same parameters" codes: PlatformUnavailable("platform_busy").
BUSY_CODES = frozenset({"SYSTEM_ERROR", "FREQUENCY_LIMITED", "BANK_ERROR"})


def _error(exc: Exception, action: str) -> PlatformError:
    if isinstance(exc, requests.RequestException):
        return transport.unavailable_from(exc, platform="wechatpay", action=action)
    if "verify the signature" in str(exc):
        return PlatformError(
            f"WeChat Pay's answer to {action} is not signed by WeChat Pay",
            code="invalid_signature",
            platform="wechatpay",
        )
    return PlatformError(f"WeChat Pay {action} failed: {exc}", platform="wechatpay")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _path_part(value: str) -> str:
    """A path parameter percent-encoded, so it is signed as it is sent."""
    return quote(value, safe="")


def _refused(message: str, code: str) -> PlatformError:
    return PlatformError(message, code=code, platform="wechatpay")


def _answer_error(code: str, message: str) -> PlatformError:
    return PlatformError(f"WeChat Pay answered {message}", code=code, platform="wechatpay")


def _fen_amounts(data: dict, *, error=_answer_error) -> dict[str, int]:
    """The fen fields present in data["amount"], each checked by parse_fen; any other value
    (True, 68.0, "6800", -1, null) raises error("bad_amount", message)."""
    amount = data.get("amount")
    if amount is None:
        return {}
    if not isinstance(amount, dict):
        raise error("bad_amount", f"amount {amount!r} is not an object")
    fen = {}
    for name in FEN_FIELDS:
        if name in amount:
            try:
                fen[name] = parse_fen(amount[name])
            except MoneyFormatError:
                raise error("bad_amount", f"amount.{name} {amount[name]!r} is not a whole number of fen") from None
    return fen


def notify_url_problem(url: str) -> str | None:
    """Why WeChat Pay would refuse this notify_url: "不能携带参数", HTTPS (loopback aside, for the sandbox)."""
    parts = urlsplit(url)
    if parts.query or parts.fragment or "?" in url:
        return "notify_url must not carry a query string"
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        return "notify_url must be https (http only on a loopback address)"
    return None


def earliest_bill_day(today: dt.date) -> dt.date:
    """The oldest day WeChat Pay still serves a bill for: three calendar months back."""
    month = today.month - BILL_MONTHS_KEPT
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for day in range(today.day, 0, -1):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class WeChatPay(PaymentProvider):
    name = "wechat"

    def __init__(self):
        self.app_id = settings.WECHAT_APP_ID
        self.merchant_id = settings.WECHATPAY_MCH_ID
        self._creds = credentials()
        _route_wechatpayv3()
        try:
            self._client = WeChatPayClient(
                wechatpay_type=WeChatPayType.MINIPROG,
                mchid=self.merchant_id,
                private_key=self._creds["private_key"],
                cert_serial_no=self._creds["cert_serial_no"],
                appid=self.app_id,
                apiv3_key=self._creds["apiv3_key"],
                cert_dir=self._creds["cert_dir"] if settings.WECHATPAY_MODE == "certificate" else None,
                timeout=transport.timeout_seconds(),
                public_key=self._creds["public_key"],
                public_key_id=self._creds["public_key_id"],
            )
        except requests.RequestException as exc:
            raise _error(exc, "certificate download") from exc

    def _request(self, action: str, call, *, ok=(200,), not_found_ok=False):
        try:
            status, text = call()
        except Exception as exc:
            raise _error(exc, action) from exc
        if status in ok:
            try:  # wechatpayv3 gives str for a JSON answer, bytes for a file
                return json.loads(text) if isinstance(text, str) and text else text
            except ValueError as exc:
                raise transport.bad_response(platform="wechatpay", action=action) from exc
        try:
            body = json.loads(text) if isinstance(text, (str, bytes)) and text else {}
        except ValueError:
            body = {}
        code = body.get("code", f"http_{status}")
        message = f"WeChat Pay {action}: {body.get('message', status)}"
        if code in BUSY_CODES:
            raise transport.platform_busy(
                platform="wechatpay", action=action, detail=f"{body.get('message', '')} ({code})", raw=body
            )
        if transport.is_outage_status(status):
            raise transport.unavailable_status(status, platform="wechatpay", action=action, raw=body)
        if not_found_ok and status == 404:
            return None
        raise PlatformError(message, code=code.lower(), platform="wechatpay", raw=body)

    # --- PaymentProvider -----------------------------------------------------------------------
    def prepay(self, *, out_trade_no, amount, description, payer_id, expires_at, notify_url) -> Prepay:
        problem = notify_url_problem(notify_url)
        if problem:
            raise _refused(problem, "invalid_notify_url")
        if expires_at <= dt.datetime.now(dt.UTC):
            # WeChat Pay keeps the first time_expire of an out_trade_no and takes no payment after it.
            raise _refused(f"time_expire {_iso(expires_at)} has passed", "time_expired")
        body = self._request(
            "prepay",
            lambda: self._client.pay(
                description=description[:127],
                out_trade_no=out_trade_no,
                amount={"total": yuan_to_fen(amount), "currency": "CNY"},
                payer={"openid": payer_id},
                time_expire=_iso(expires_at),
                notify_url=notify_url,
                pay_type=WeChatPayType.MINIPROG,
            ),
        )
        return Prepay(
            provider=self.name,
            out_trade_no=out_trade_no,
            reference=body["prepay_id"],
            client_params=self.request_payment_params(body["prepay_id"]),
            expires_at=expires_at,
        )

    def request_payment_params(self, prepay_id: str) -> dict:
        """What wx.requestPayment takes: paySign is RSA-SHA256 of appId, timeStamp, nonceStr, package."""
        timestamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
        return {
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": self._client.sign([self.app_id, timestamp, nonce, package]),
        }

    def _trade_state(self, data: dict, *, error=_answer_error) -> TradeState:
        """A transaction (query answer or notification) as a TradeState. Refused with
        error(code, message) when an amount is not whole fen or a paid trade has no transaction_id."""
        fen = _fen_amounts(data, error=error)
        amount = data.get("amount") or {}
        state = TRADE_STATES.get(data.get("trade_state", ""), "unknown")
        transaction_id = data.get("transaction_id", "")
        if state in ("paid", "refunded") and not (isinstance(transaction_id, str) and transaction_id.strip()):
            raise error("missing_transaction_id", f"a {data.get('trade_state')} transaction without transaction_id")
        paid_at = dt.datetime.fromisoformat(data["success_time"]) if data.get("success_time") else None
        return TradeState(
            provider=self.name,
            out_trade_no=data.get("out_trade_no", ""),
            state=state,
            transaction_id=transaction_id,
            amount=fen_to_yuan(fen["total"]) if "total" in fen else None,
            currency=amount.get("currency", "CNY"),
            app_id=data.get("appid", ""),
            merchant_id=data.get("mchid", ""),
            payer_id=(data.get("payer") or {}).get("openid", ""),
            paid_at=paid_at,
            raw=data,
        )

    def query(self, out_trade_no: str) -> TradeState:
        try:
            data = self._request("query", lambda: self._client.query(out_trade_no=_path_part(out_trade_no)))
        except PlatformError as exc:
            # 404 ORDER_NOT_EXIST: no prepay ever reached WeChat Pay for this number, nothing was paid.
            if exc.code == ORDER_NOT_EXIST:
                return TradeState(provider=self.name, out_trade_no=out_trade_no, state="not_found", raw=exc.raw or {})
            raise
        return self._trade_state(data)

    def close(self, out_trade_no: str) -> None:
        try:
            # wechatpayv3 puts our mchid in the body, which WeChat Pay requires.
            self._request("close", lambda: self._client.close(out_trade_no=_path_part(out_trade_no)), ok=(200, 204))
        except PlatformError as exc:
            if exc.code != ORDER_NOT_EXIST:  # never created: nothing to close
                raise

    def _refund_state(self, data: dict, *, error=_answer_error) -> RefundState:
        fen = _fen_amounts(data, error=error)
        return RefundState(
            provider=self.name,
            out_trade_no=data.get("out_trade_no", ""),
            out_refund_no=data.get("out_refund_no", ""),
            state=REFUND_STATES.get(data.get("status") or data.get("refund_status", ""), "processing"),
            amount=fen_to_yuan(fen["refund"]) if "refund" in fen else None,
            refund_id=data.get("refund_id", ""),
            raw=data,
        )

    def refund(self, *, out_trade_no, out_refund_no, amount, total, reason="", notify_url="") -> RefundState:
        if not OUT_REFUND_NO.match(out_refund_no):
            raise _refused(f"out_refund_no {out_refund_no!r}: 1 to 64 of A-Z a-z 0-9 _-|*@", "invalid_out_refund_no")
        if notify_url and notify_url_problem(notify_url):
            raise _refused(notify_url_problem(notify_url), "invalid_notify_url")
        data = self._request(
            "refund",
            lambda: self._client.refund(
                out_refund_no=out_refund_no,
                out_trade_no=out_trade_no,
                amount={"refund": yuan_to_fen(amount), "total": yuan_to_fen(total), "currency": "CNY"},
                reason=reason[:80] or None,
                notify_url=notify_url or None,
            ),
        )
        try:
            return self._refund_state(data)
        except PlatformError as exc:
            # WeChat Pay took the request, so this is no refusal (a refused refund may be started
            # again under a new number, and this one could still settle): an answer whose amounts
            # are not whole fen is not believed, and the refund query or notification settles it.
            logger.warning("WeChat Pay refund %s answered %s: kept in flight", out_refund_no, exc.message)
            return RefundState(
                provider=self.name,
                out_trade_no=out_trade_no,
                out_refund_no=out_refund_no,
                state="processing",
                refund_id=str(data.get("refund_id", "")),
                raw=data,
            )

    def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundState:
        data = self._request("refund query", lambda: self._client.query_refund(out_refund_no=_path_part(out_refund_no)))
        return self._refund_state(data)

    def verified_resource(self, *, headers: dict, body: bytes) -> tuple[dict, dict]:
        """(envelope, decrypted resource) of a callback whose headers, timestamp and signature
        verify and whose resource decrypts with the APIv3 key; InvalidNotification otherwise.
        Payment, refund and merchant-transfer notifications are all checked here first."""
        headers = {str(k).lower().replace("_", "-").removeprefix("http-"): v for k, v in headers.items()}
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        signature = headers.get("wechatpay-signature", "")
        timestamp = headers.get("wechatpay-timestamp", "")
        if not signature or not timestamp or not headers.get("wechatpay-nonce") or not headers.get("wechatpay-serial"):
            raise InvalidNotification(
                "Wechatpay-* signature headers are missing.", code="missing_signature", platform="wechatpay"
            )
        if signature.startswith(SIGNTEST_PREFIX):
            raise InvalidNotification(
                "A WECHATPAY/SIGNTEST/ probe is never a real notification.",
                code="signature_probe",
                platform="wechatpay",
            )
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > MAX_CLOCK_SKEW_SECONDS:
            raise InvalidNotification(
                "The notification's timestamp is more than 5 minutes off.", code="stale_timestamp", platform="wechatpay"
            )
        library_headers = {
            "Wechatpay-Signature": signature,
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": headers["wechatpay-nonce"],
            "Wechatpay-Serial": headers["wechatpay-serial"],
            "Wechatpay-Signature-Type": headers.get("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048"),
        }
        try:
            verified = self._client._core._verify_signature(library_headers, text)
        except requests.RequestException as exc:  # certificate mode fetches an unknown serial's certificate
            raise _error(exc, "certificate download") from exc
        except Exception as exc:
            raise InvalidNotification(
                f"Signature cannot be checked: {exc}", code="invalid_signature", platform="wechatpay"
            ) from exc
        if not verified:
            raise InvalidNotification(
                "The notification's signature does not verify.", code="invalid_signature", platform="wechatpay"
            )
        try:
            envelope = json.loads(text)
            resource = envelope["resource"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidNotification(
                "The notification body is not WeChat Pay's envelope.", code="malformed", platform="wechatpay"
            ) from exc
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise InvalidNotification("Unsupported resource algorithm.", code="malformed", platform="wechatpay")
        from wechatpayv3.utils import aes_decrypt

        try:
            plain = aes_decrypt(
                nonce=resource.get("nonce", ""),
                ciphertext=resource.get("ciphertext", ""),
                associated_data=resource.get("associated_data") or "",
                apiv3_key=self._creds["apiv3_key"],
            )
        except (ValueError, TypeError):
            plain = None
        if not plain:
            raise InvalidNotification(
                "The resource does not decrypt with the APIv3 key.", code="decrypt_failed", platform="wechatpay"
            )
        return envelope, json.loads(plain)

    def parse_notification(self, *, headers: dict, body: bytes) -> PaymentNotification:
        envelope, data = self.verified_resource(headers=headers, body=body)

        def refuse(code: str, message: str) -> InvalidNotification:
            return InvalidNotification(f"WeChat Pay notification: {message}", code=code, platform="wechatpay", raw=data)

        event_type = envelope.get("event_type", "")
        if data.get("mchid") != self.merchant_id:
            raise InvalidNotification(
                "The notification is for another merchant.", code="wrong_merchant", platform="wechatpay", raw=data
            )
        kind = "refund" if event_type.startswith("REFUND.") else "payment"
        if kind == "payment":
            if data.get("appid") != self.app_id:
                raise InvalidNotification(
                    "The notification is for another app.", code="wrong_app", platform="wechatpay", raw=data
                )
            return PaymentNotification(
                provider=self.name,
                notification_id=envelope.get("id", ""),
                kind=kind,
                trade=self._trade_state(data, error=refuse),
                raw={**envelope, "resource": data},
            )
        return PaymentNotification(
            provider=self.name,
            notification_id=envelope.get("id", ""),
            kind=kind,
            refund=self._refund_state(data, error=refuse),
            raw={**envelope, "resource": data},
        )

    def acknowledge(self, *, ok: bool, message: str = ""):
        if ok:
            return HttpResponse(status=204)
        return JsonResponse(
            {"code": "FAIL", "message": message or "failed"}, status=400, json_dumps_params={"ensure_ascii": False}
        )

    def statement(self, day: dt.date) -> list[StatementLine]:
        """The trade bill of `day` (ready the next morning), payments and refunds.

        Refused without a call for a day older than the three months WeChat Pay keeps; the file is
        parsed only when its SHA1 matches the hash_value of the answer (of the bill unzipped)."""
        today = dt.datetime.now(SHANGHAI).date()
        if day < earliest_bill_day(today):
            raise _refused(f"WeChat Pay keeps bills for {BILL_MONTHS_KEPT} months, not {day}", "statement_expired")
        info = self._request("trade bill", lambda: self._client.trade_bill(bill_date=day.isoformat()))
        content = self._request("bill download", lambda: self._client.download_bill(info["download_url"]))
        if isinstance(content, str):
            content = content.encode("utf-8")
        if content[:2] == b"\x1f\x8b":
            content = gzip.decompress(content)
        if str(info.get("hash_type", "SHA1")).upper() != "SHA1":
            raise _refused(f"unknown bill hash_type {info.get('hash_type')!r}", "bill_hash_mismatch")
        digest = hashlib.sha1(content, usedforsecurity=False).hexdigest()  # WeChat Pay states SHA1
        if digest != str(info.get("hash_value", "")).lower():
            raise PlatformError(
                f"The bill of {day} does not match its hash_value: download it again",
                code="bill_hash_mismatch",
                retryable=True,
                platform="wechatpay",
            )
        return parse_trade_bill(content.decode("utf-8-sig"), provider=self.name)


def _bill_yuan(value: str, name: str) -> Decimal:
    """An amount of the trade bill: yuan with at most two decimals (config.money.parse_yuan)."""
    try:
        return parse_yuan(value)
    except MoneyFormatError:
        raise PlatformError(
            f"WeChat Pay bill: {name} {value!r} is not yuan with at most two decimals",
            code="bad_bill",
            platform="wechatpay",
        ) from None


def parse_trade_bill(text: str, *, provider: str = "wechat") -> list[StatementLine]:
    """Rows of a WeChat Pay trade bill (backtick-prefixed CSV, totals at the end) as statement lines."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = rows[0]
    index = {name: i for i, name in enumerate(header)}
    lines = []
    for row in rows[1:]:
        if not row or row[0] == "总交易单数":
            break
        value = {name: row[i].lstrip("`") for name, i in index.items() if i < len(row)}
        happened = dt.datetime.strptime(value["交易时间"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
        if value["交易状态"] == "REFUND":
            lines.append(
                StatementLine(
                    provider=provider,
                    kind="refund",
                    out_trade_no=value["商户订单号"],
                    transaction_id=value["微信订单号"],
                    amount=_bill_yuan(value["退款金额"], "退款金额"),
                    out_refund_no=value["商户退款单号"],
                    happened_at=happened,
                )
            )
        else:
            lines.append(
                StatementLine(
                    provider=provider,
                    kind="payment",
                    out_trade_no=value["商户订单号"],
                    transaction_id=value["微信订单号"],
                    amount=_bill_yuan(value["应结订单总金额"], "应结订单总金额"),
                    happened_at=happened,
                )
            )
    return lines
