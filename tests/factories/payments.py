"""Test data for payments: orders waiting for payment (Oscar's order factory plus checkout's
OrderInfo), members with a platform identity, and a scriptable payment provider for the
tests that are about our logic rather than the wire protocol (those use the sandbox)."""

import datetime as dt
import json
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from oscar.test.factories import create_order, create_product, create_stockrecord

from platforms.base import (
    InvalidNotification,
    PaymentNotification,
    PaymentProvider,
    PlatformError,
    PlatformUnavailable,
    Prepay,
    RefundState,
    StatementLine,
    TradeState,
)
from storefront.members.models import Identity
from storefront.orders.models import OrderInfo
from tests.factories.members import MemberFactory


def member_with_identity(platform="wechat", **kwargs):
    member = MemberFactory(**kwargs)
    app_id = settings.WECHAT_APP_ID if platform == "wechat" else settings.ALIPAY_APP_ID
    Identity.objects.create(member=member, platform=platform, app_id=app_id, openid=f"{platform}-{member.pk}")
    return member


def pending_order(*, user, price=Decimal("10.00"), quantity=1, num_in_stock=10, pay_before=None, method="wechat"):
    """An order as checkout leaves it: pending_payment, stock allocated, pay_before set."""
    from oscar.apps.basket.models import Basket
    from oscar.apps.partner.strategy import Default

    product = create_product()
    create_stockrecord(product, num_in_stock=num_in_stock, price=price)
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    basket.add_product(product, quantity=quantity)
    order = create_order(user=user, basket=basket)
    OrderInfo.objects.create(
        order=order,
        payment_method=method,
        fulfilment="delivery",
        pay_before=pay_before or timezone.now() + dt.timedelta(minutes=30),
    )
    order.refresh_from_db()
    return order


class FakeProvider(PaymentProvider):
    """A provider whose answers the test decides. A notification is JSON; it verifies when
    its header `X-Fake-Signature` is "good"."""

    def __init__(self, name):
        self.name = name
        self.trades: dict[str, TradeState] = {}
        self.calls: list[tuple] = []
        self.down = False
        self.refund_result = "success"
        self.statement_lines: list[StatementLine] = []
        self.refunds: dict[str, RefundState] = {}

    def _call(self, *call):
        self.calls.append(call)
        if self.down:
            raise PlatformUnavailable("down", platform=self.name)

    def calls_of(self, method):
        return [c for c in self.calls if c[0] == method]

    @property
    def ids(self):
        if self.name == "wechat":
            return settings.WECHAT_APP_ID, settings.WECHATPAY_MCH_ID
        return settings.ALIPAY_APP_ID, settings.ALIPAY_SELLER_ID

    def paid_trade(self, order, *, transaction_id=None, amount=None, app_id=None, merchant_id=None, currency="CNY"):
        trade = TradeState(
            provider=self.name,
            out_trade_no=order.number,
            state="paid",
            transaction_id=transaction_id or f"T{order.number}",
            amount=order.total_incl_tax if amount is None else amount,
            currency=currency,
            app_id=self.ids[0] if app_id is None else app_id,
            merchant_id=self.ids[1] if merchant_id is None else merchant_id,
            payer_id="payer",
            paid_at=timezone.now(),
        )
        self.trades[order.number] = trade
        return trade

    # --- the interface
    def prepay(self, *, out_trade_no, amount, description, payer_id, expires_at, notify_url):
        self._call("prepay", out_trade_no, amount, payer_id)
        reference = f"prepay-{out_trade_no}-{len(self.calls)}"
        params = {
            "timeStamp": "1",
            "nonceStr": "n",
            "package": f"prepay_id={reference}",
            "signType": "RSA",
            "paySign": "s",
        }
        return Prepay(
            provider=self.name,
            out_trade_no=out_trade_no,
            reference=reference,
            client_params=params if self.name == "wechat" else {"tradeNO": reference},
            expires_at=expires_at,
        )

    def query(self, out_trade_no):
        self._call("query", out_trade_no)
        return self.trades.get(out_trade_no) or TradeState(
            provider=self.name, out_trade_no=out_trade_no, state="not_found"
        )

    def close(self, out_trade_no):
        self._call("close", out_trade_no)

    def refund(self, *, out_trade_no, out_refund_no, amount, total, reason="", notify_url=""):
        self._call("refund", out_refund_no, amount)
        if self.refund_result == "error":
            raise PlatformError("refused", code="NOT_ENOUGH", platform=self.name)
        state = RefundState(
            provider=self.name,
            out_trade_no=out_trade_no,
            out_refund_no=out_refund_no,
            state=self.refund_result,
            amount=amount,
            refund_id=f"RF{out_refund_no}",
        )
        self.refunds[out_refund_no] = state
        return state

    def query_refund(self, *, out_trade_no, out_refund_no):
        self._call("query_refund", out_refund_no)
        return self.refunds[out_refund_no]

    def parse_notification(self, *, headers, body):
        if headers.get("X-Fake-Signature") != "good":
            raise InvalidNotification("bad signature", code="invalid_signature", platform=self.name)
        data = json.loads(body)
        if data["kind"] == "refund":
            refund = RefundState(
                provider=self.name,
                out_trade_no=data["out_trade_no"],
                out_refund_no=data["out_refund_no"],
                state=data["state"],
                amount=Decimal(data["amount"]),
            )
            return PaymentNotification(provider=self.name, notification_id=data["id"], kind="refund", refund=refund)
        trade = TradeState(
            provider=self.name,
            out_trade_no=data["out_trade_no"],
            state=data.get("state", "paid"),
            transaction_id=data["transaction_id"],
            amount=Decimal(data["amount"]),
            currency=data.get("currency", "CNY"),
            app_id=data["app_id"],
            merchant_id=data["merchant_id"],
            paid_at=timezone.now(),
        )
        return PaymentNotification(provider=self.name, notification_id=data["id"], kind="payment", trade=trade)

    def acknowledge(self, *, ok, message=""):
        if ok:
            return HttpResponse(status=204)
        return JsonResponse({"code": "FAIL", "message": message}, status=400)

    def statement(self, day):
        self._call("statement", day)
        return list(self.statement_lines)


def notification_body(provider: FakeProvider, order, **overrides):
    app_id, merchant_id = provider.ids
    data = {
        "id": f"N-{order.number}",
        "kind": "payment",
        "out_trade_no": order.number,
        "transaction_id": f"T{order.number}",
        "amount": str(order.total_incl_tax),
        "app_id": app_id,
        "merchant_id": merchant_id,
    }
    data.update(overrides)
    return json.dumps(data)
