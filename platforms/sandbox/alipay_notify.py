"""The payer's side of the Alipay sandbox and the notifications Alipay sends the kit.

`pay_trade` is the shopper paying in the cashier; it and refunds build trade_status_sync
notifications, signed with the sandbox's Alipay key (or the impostor key under the
"wrong_signature" fault), and hand them to the sandbox's shared `delivery`, which POSTs the
form to the trade's notify_url after the triggering request has been answered (in process
with settings.SANDBOX_DELIVERY = "inline") and applies the duplicate, delayed and
out-of-order faults.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from config.money import yuan_str
from platforms.sandbox import delivery, faults
from platforms.sandbox.alipay_gateway import PLATFORM, close_if_expired, notification_content, rsa2_sign
from platforms.sandbox.alipay_models import AlipayRefund, AlipayTrade

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


class TradeStateError(Exception):
    """The trade cannot be paid (already paid, closed, past its time_expire or unknown)."""


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _trade_form(trade: AlipayTrade) -> dict:
    paid = yuan_str(trade.total_amount) if trade.paid_at else "0.00"
    form = {
        "notify_time": _time(timezone.now()),
        "notify_type": "trade_status_sync",
        "notify_id": timezone.localtime().strftime("%Y%m%d") + secrets.token_hex(14),
        "app_id": trade.app_id,
        "auth_app_id": trade.app_id,
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "seller_id": trade.seller_id,
        "trade_status": trade.status,
        "total_amount": yuan_str(trade.total_amount),
        "receipt_amount": paid,
        "buyer_pay_amount": paid,
        "invoice_amount": paid,
        "point_amount": "0.00",
        "subject": trade.subject,
        "gmt_create": _time(trade.created_at),
    }
    if trade.paid_at:
        form["gmt_payment"] = _time(trade.paid_at)
    if trade.buyer_id:
        form["buyer_id"] = trade.buyer_id
    if trade.buyer_open_id:
        form["buyer_open_id"] = trade.buyer_open_id
    return form


def send_notification(trade: AlipayTrade, form: dict):
    """Sign `form` as Alipay does and hand it to the sandbox's delivery."""
    if not trade.notify_url:
        return None
    wrong = faults.take_fault(PLATFORM, ("wrong_signature",)) is not None
    signed = {**form, "sign_type": "RSA2", "sign": rsa2_sign(notification_content(form), impostor=wrong)}
    return delivery.notify(
        platform=PLATFORM,
        event_type=("refund " if "out_biz_no" in form else "") + form["trade_status"],
        url=trade.notify_url,
        reference=trade.trade_no,
        headers=FORM_HEADERS,
        body=urlencode(signed),
    )


def settle_refund(refund: AlipayRefund) -> AlipayRefund:
    """The refund's money moves now: the refund query says REFUND_SUCCESS from here on, the bill
    lists it, a full refund closes the trade, and the refund notification goes out. Call it
    with the trade row locked (trade.refund and `settle_refunds` do)."""
    if refund.is_settled:
        return refund
    trade = refund.trade
    refund.settled_at = timezone.now()
    refund.save(update_fields=["settled_at"])
    pending = trade.refunds.filter(settled_at__isnull=True).exists()
    if trade.refunded_amount == trade.total_amount and not pending:
        trade.status = AlipayTrade.Status.TRADE_CLOSED
        trade.closed_at = refund.settled_at
        trade.save(update_fields=["status", "closed_at"])
    queue_refund_notification(trade, refund)
    return refund


def settle_refunds(*, out_request_no: str = "", trade_no: str = "") -> list[AlipayRefund]:
    """Alipay's back office finishing refunds it answered with fund_change=N (all of them, or
    those of one trade or one out_request_no)."""
    settled = []
    with transaction.atomic():
        refunds = AlipayRefund.objects.filter(settled_at__isnull=True).order_by("id")
        if out_request_no:
            refunds = refunds.filter(out_request_no=out_request_no)
        if trade_no:
            refunds = refunds.filter(trade__trade_no=trade_no)
        trades = {t.pk: t for t in AlipayTrade.objects.select_for_update().filter(pk__in=refunds.values("trade"))}
        for refund in refunds:
            refund.trade = trades[refund.trade_id]
            settled.append(settle_refund(refund))
    return settled


def queue_refund_notification(trade: AlipayTrade, refund: AlipayRefund) -> None:
    form = _trade_form(trade)
    settled = trade.refunds.filter(settled_at__isnull=False).aggregate(total=Sum("refund_amount"))["total"]
    form.update(
        {
            "out_biz_no": refund.out_request_no,
            # refund_fee is the trade's refunded total so far; send_back_fee this refund's amount.
            "refund_fee": yuan_str(settled or 0),
            "send_back_fee": yuan_str(refund.refund_amount),
            "gmt_refund": _time(refund.settled_at or refund.created_at) + ".000",
        }
    )
    if trade.closed_at:
        form["gmt_close"] = _time(trade.closed_at)
    send_notification(trade, form)


def pay_trade(trade_no: str, *, result: str = "success") -> AlipayTrade:
    """The payer pays (result "success") or gives up in the cashier ("fail": nothing changes,
    as on Alipay, where an abandoned cashier sends no notification)."""
    with transaction.atomic():
        trade = AlipayTrade.objects.select_for_update().filter(trade_no=trade_no).first()
        if trade is None:
            raise TradeStateError("unknown trade_no")
        close_if_expired(trade)
        if trade.status != AlipayTrade.Status.WAIT_BUYER_PAY:
            if trade.paid_at is None and trade.time_expire and trade.time_expire <= timezone.now():
                raise TradeStateError(f"the trade closed at its time_expire {_time(trade.time_expire)}")
            raise TradeStateError(f"the trade is {trade.status}")
        if result != "success":
            return trade
        trade.status = AlipayTrade.Status.TRADE_SUCCESS
        trade.paid_at = timezone.now()
        trade.save(update_fields=["status", "paid_at"])
        send_notification(trade, _trade_form(trade))
    return trade
