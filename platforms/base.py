"""The two roles the rest of the kit asks the platforms for, whatever the platform:

- a mini program platform (login, phone number, content checks, codes, notices,
  shipping upload, search pages): `MiniProgramPlatform`, got with `get_miniprogram(name)`;
- a payment provider (prepay, query, close, refund, notifications, statements):
  `PaymentProvider`, got with `get_payment_provider(name)`.

Names are the values of `Platform` ("wechat", "alipay"), the one list of the platforms
(`PLATFORMS` is the same as a tuple; models and serializers take `Platform.choices`). Money
crosses this interface as Decimal yuan (config.money converts); every failure is a
`PlatformError` with a code and whether a retry is safe.
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    """The platforms a shopper uses the store on, and that take payment: the one list of them."""

    WECHAT = "wechat", _("WeChat")
    ALIPAY = "alipay", _("Alipay")


PLATFORMS = tuple(Platform.values)
# Beijing time (no DST): what both platforms' timestamps, bills and time_expire are in.
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class PlatformError(Exception):
    """A platform call failed. `code` is stable (ours, or the platform's errcode as text),
    `retryable` says whether repeating the same call is safe and may succeed."""

    def __init__(self, message, *, code="platform_error", retryable=False, platform="", raw=None):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.retryable = retryable
        self.platform = platform
        self.raw = raw


class PlatformUnavailable(PlatformError):
    """Timeout, connection failure, 5xx or "system busy": the call may be retried."""

    def __init__(self, message="platform unavailable", **kwargs):
        kwargs.setdefault("code", "platform_unavailable")
        kwargs["retryable"] = True
        super().__init__(message, **kwargs)


class InvalidCode(PlatformError):
    """A login or phone code that is unknown, used or expired."""


class InvalidNotification(PlatformError):
    """A callback whose signature, timestamp, body or ids do not verify. Nothing may change."""


# --- mini program platform -------------------------------------------------------------
@dataclass(frozen=True)
class LoginResult:
    platform: str
    app_id: str
    openid: str  # WeChat openid; Alipay user_id (or open_id for newer apps)
    unionid: str = ""
    session_key: str = ""


@dataclass(frozen=True)
class PhoneNumber:
    phone: str  # without country code, e.g. "13800138000"
    country_code: str = "86"


@dataclass(frozen=True)
class TextVerdict:
    suggest: str  # "pass", "review" or "risky"
    label: str = ""
    trace_id: str = ""
    words: tuple[str, ...] = ()  # the words the platform named as the reason, when it names them

    @property
    def passed(self) -> bool:
        return self.suggest == "pass"


class MiniProgramPlatform(abc.ABC):
    name: str
    app_id: str

    @abc.abstractmethod
    def login(self, code: str) -> LoginResult: ...

    @abc.abstractmethod
    def phone_number(self, *, code: str = "", encrypted_response: str = "", openid: str = "") -> PhoneNumber: ...

    @abc.abstractmethod
    def check_text(self, text: str, *, openid: str, scene: int = 2) -> TextVerdict: ...

    @abc.abstractmethod
    def check_image_async(self, media_url: str, *, openid: str, scene: int = 2) -> str:
        """Starts an asynchronous image check; returns the trace id the verdict will carry."""

    @abc.abstractmethod
    def user_risk_rank(self, openid: str, *, client_ip: str, scene: int = 1) -> int: ...

    @abc.abstractmethod
    def unlimited_code(self, *, scene: str, page: str, width: int = 430) -> bytes:
        """PNG bytes of a mini program code that opens `page` with `scene`."""

    @abc.abstractmethod
    def url_link(self, *, path: str, query: str = "", expire_days: int = 30) -> str: ...

    @abc.abstractmethod
    def send_notice(self, *, openid: str, template_id: str, page: str, data: dict) -> None:
        """One subscribe message. Raises PlatformError(code="no_grant") when the shopper has none left."""

    @abc.abstractmethod
    def upload_shipping(self, payload: dict) -> None: ...

    @abc.abstractmethod
    def submit_pages(self, pages: list[dict]) -> None:
        """Pages [{"path", "query"}] for the platform's in-app search."""


# --- payment provider --------------------------------------------------------------------
@dataclass(frozen=True)
class Prepay:
    provider: str
    out_trade_no: str
    reference: str  # WeChat prepay_id, Alipay trade_no
    client_params: dict[str, Any]  # what the mini program passes to wx.requestPayment / my.tradePay
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class TradeState:
    """What a provider says about one trade (a query's answer, or a payment notification's).

    `state` is one of, the same for every provider:

    - "paid": the payer paid (WeChat Pay SUCCESS; Alipay TRADE_SUCCESS, TRADE_FINISHED).
      Only this state has `is_paid`; then amount (Decimal yuan), transaction_id, app_id and
      merchant_id are set, and must still be compared with the order before it is believed.
    - "not_paid": the provider has the trade and nothing is paid yet, or the payer's attempt
      failed (NOTPAY, USERPAYING, PAYERROR; WAIT_BUYER_PAY). It may still become paid:
      close it before cancelling the order.
    - "closed": the trade was closed unpaid and can no longer be paid (CLOSED, REVOKED;
      TRADE_CLOSED). Alipay also closes a trade it has refunded in full, and a query of it
      says "closed" (its notification says "refunded").
    - "refunded": the trade was paid and money has gone back (WeChat Pay REFUND, after any
      refund, partial or full; an Alipay refund notification that empties the trade). A
      partly refunded Alipay trade stays "paid".
    - "not_found": the provider has never seen this out_trade_no (WeChat Pay 404
      ORDER_NOT_EXIST; Alipay ACQ.TRADE_NOT_EXIST): no prepay reached it, so nothing can
      have been paid. Not paid; only out_trade_no and provider are set.
    - "unknown": the provider answered with a trade state this kit does not know. Not paid,
      but nothing else may be concluded from it.
    """

    provider: str
    out_trade_no: str
    state: str  # "paid", "not_paid", "closed", "refunded", "not_found" or "unknown" (see above)
    transaction_id: str = ""
    amount: Decimal | None = None
    currency: str = "CNY"
    app_id: str = ""
    merchant_id: str = ""
    payer_id: str = ""
    paid_at: dt.datetime | None = None
    raw: dict = field(default_factory=dict)

    @property
    def is_paid(self) -> bool:
        return self.state == "paid"


@dataclass(frozen=True)
class RefundState:
    provider: str
    out_trade_no: str
    out_refund_no: str
    state: str  # "processing", "success", "failed"
    amount: Decimal | None = None
    refund_id: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentNotification:
    provider: str
    notification_id: str
    kind: str  # "payment" or "refund"
    trade: TradeState | None = None
    refund: RefundState | None = None
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StatementLine:
    provider: str
    kind: str  # "payment" or "refund"
    out_trade_no: str
    transaction_id: str
    amount: Decimal
    out_refund_no: str = ""
    happened_at: dt.datetime | None = None


class PaymentProvider(abc.ABC):
    name: str

    @abc.abstractmethod
    def prepay(
        self,
        *,
        out_trade_no: str,
        amount: Decimal,
        description: str,
        payer_id: str,
        expires_at: dt.datetime,
        notify_url: str,
    ) -> Prepay: ...

    @abc.abstractmethod
    def query(self, out_trade_no: str) -> TradeState: ...

    @abc.abstractmethod
    def close(self, out_trade_no: str) -> None: ...

    @abc.abstractmethod
    def refund(
        self,
        *,
        out_trade_no: str,
        out_refund_no: str,
        amount: Decimal,
        total: Decimal,
        reason: str = "",
        notify_url: str = "",
    ) -> RefundState: ...

    @abc.abstractmethod
    def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundState: ...

    @abc.abstractmethod
    def parse_notification(self, *, headers: dict, body: bytes) -> PaymentNotification:
        """Verify (signature, timestamp, ids) and decode a callback, or raise InvalidNotification."""

    @abc.abstractmethod
    def acknowledge(self, *, ok: bool, message: str = ""):
        """The HttpResponse this platform expects: success stops its retries, failure asks for one."""

    @abc.abstractmethod
    def statement(self, day: dt.date) -> list[StatementLine]:
        """The provider's statement of payments and refunds for one day."""


# --- lookup ----------------------------------------------------------------------------
MINIPROGRAM_CLASSES = {
    Platform.WECHAT: "platforms.wechat.miniprogram.WeChatMiniProgram",
    Platform.ALIPAY: "platforms.alipay.miniprogram.AlipayMiniProgram",
}
PAYMENT_CLASSES = {
    Platform.WECHAT: "platforms.wechat.pay.WeChatPay",
    Platform.ALIPAY: "platforms.alipay.pay.AlipayPay",
}
_instances: dict[tuple[str, str], object] = {}


def _get(kind, classes, name):
    if name not in classes:
        raise ValueError(f"unknown platform {name!r}")
    key = (kind, name)
    if key not in _instances:
        _instances[key] = import_string(classes[name])()
    return _instances[key]


def get_miniprogram(name: str) -> MiniProgramPlatform:
    return _get("miniprogram", MINIPROGRAM_CLASSES, name)


def get_payment_provider(name: str) -> PaymentProvider:
    return _get("payment", PAYMENT_CLASSES, name)


def reset_platform_clients() -> None:
    """Forget the shared clients (tests that change credentials or base URLs call this),
    including the one WeChatClient the mini program adapter shares."""
    from platforms.wechat.client import reset_shared_client

    _instances.clear()
    reset_shared_client()
