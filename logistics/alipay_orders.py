"""Alipay's order center (订单中心): each Alipay order is synced with `alipay.merchant.order.sync` as
it moves, so that it appears in the shopper's Alipay orders.

One `AlipayOrderSync` row per order and status (WAIT_PAY, PAID, IN_DELIVERY with the parcels'
logistics, SIGNED, FINISHED, REFUNDED): the unique key makes each status go once, and statuses go
in their order. A status planned after a later one was synced (an event that arrived late) is
skipped, never sent backwards. The order link page goes with the first sync only. A failure that
may pass is retried with backoff (the periodic sweep sends what is due); the call is made outside
any transaction, after the row is claimed.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from oscar.apps.order.models import Order

from config.money import yuan_str
from platforms.alipay.miniprogram import (
    LINK_PAGE_AGAIN,
    ORDER_CENTER_BIZ_TYPE,
    ORDER_CENTER_STATUSES,
    is_user_id,
    order_center_meaning,
    sync_merchant_order,
)
from platforms.base import SHANGHAI, PlatformError
from storefront.payments.models import PaymentTransaction

from .models import AlipayOrderSync

logger = logging.getLogger(__name__)

Status = AlipayOrderSync.Status
State = AlipayOrderSync.State
RANK = {status: rank for rank, status in enumerate(ORDER_CENTER_STATUSES)}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 8
NOT_FORWARD = "ORDER_STATUS_NOT_FORWARD"


def is_alipay_order(order) -> bool:
    info = getattr(order, "info", None)
    if info is not None and info.payment_method == "alipay":
        return True
    return PaymentTransaction.objects.filter(order=order, provider="alipay").exists()


def _payment(order):
    return (
        PaymentTransaction.objects.filter(order=order, provider="alipay", status=PaymentTransaction.Status.PAID)
        .order_by("paid_at")
        .first()
    )


def plan_sync(order, status: str) -> AlipayOrderSync | None:
    """The order center owes this status of an Alipay order (None for other orders); queued on commit."""
    if not is_alipay_order(order):
        return None
    with transaction.atomic():
        row, created = AlipayOrderSync.objects.get_or_create(
            order=order, status=status, defaults={"rank": RANK[status], "next_attempt_at": timezone.now()}
        )
        if created:
            from . import tasks

            transaction.on_commit(lambda: tasks.push_alipay_order_syncs.delay(order.pk))
    return row


def _buyer(order, payment) -> dict:
    buyer = payment.payer_id if payment is not None else ""
    if not buyer and order.user_id:
        from platforms.services import openid_of

        buyer = openid_of(order.user, "alipay")
    return {"buyer_id": buyer} if is_user_id(buyer) else {"buyer_open_id": buyer}


def _time(value) -> str:
    return timezone.localtime(value or timezone.now(), SHANGHAI).strftime(TIME_FORMAT)


def link_page(order) -> str:
    template = getattr(settings, "ALIPAY_ORDER_LINK_PAGE", "pages/order/detail?number={number}")
    return template.format(number=order.number)


def sync_payload(row: AlipayOrderSync, *, with_link: bool) -> dict:
    order = row.order
    payment = _payment(order)
    ext = [
        {"ext_key": "merchant_biz_type", "ext_value": ORDER_CENTER_BIZ_TYPE},
        {"ext_key": "merchant_order_status", "ext_value": row.status},
    ]
    if with_link:
        ext.append({"ext_key": "merchant_order_link_page", "ext_value": link_page(order)})
    body = {
        "out_biz_no": order.number,
        **_buyer(order, payment),
        "amount": yuan_str(order.total_incl_tax),
        "item_order_list": [
            {"item_name": line.title[:64], "quantity": line.quantity, "unit_price": yuan_str(line.unit_price_incl_tax)}
            for line in order.lines.order_by("pk")
        ],
        "order_create_time": _time(order.date_placed),
        "order_modified_time": _time(timezone.now()),
        "ext_info": ext,
    }
    if payment is not None:
        body["trade_no"] = payment.transaction_id
        body["pay_amount"] = yuan_str(payment.amount)
        body["order_pay_time"] = _time(payment.paid_at)
    if RANK[row.status] >= RANK[Status.IN_DELIVERY]:
        body["logistics_info_list"] = [
            {"tracking_no": parcel.tracking_number, "logistics_code": parcel.carrier.code}
            for parcel in order.shipments.select_related("carrier").order_by("pk")
        ]
    return body


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def push_order_syncs(*, order_id, now=None) -> int:
    """Sends the order's due statuses in their order; returns how many Alipay accepted now. Stops at
    the first one that must wait (a retry later), so a later status never overtakes it."""
    sent = 0
    while True:
        now = now_or(now)
        with transaction.atomic():
            row = (
                AlipayOrderSync.objects.select_for_update()
                .select_related("order")
                .filter(order_id=order_id, state=State.PENDING)
                .order_by("rank")
                .first()
            )
            if row is None or (row.next_attempt_at and row.next_attempt_at > now):
                return sent
            passed = AlipayOrderSync.objects.filter(order_id=order_id, state=State.SYNCED, rank__gte=row.rank)
            if passed.exists():
                row.state = State.SKIPPED
                row.next_attempt_at = None
                row.save(update_fields=["state", "next_attempt_at"])
                continue
            with_link = not AlipayOrderSync.objects.filter(order_id=order_id, state=State.SYNCED).exists()
            row.payload = sync_payload(row, with_link=with_link)
            row.attempts += 1
            row.next_attempt_at = now + LEASE  # a lease: the sweep leaves it alone meanwhile
            row.save(update_fields=["payload", "attempts", "next_attempt_at"])
        outcome = _send(row)
        if outcome == "wait":
            return sent
        sent += outcome == "synced"


def now_or(value):
    return value or timezone.now()


def _send(row: AlipayOrderSync) -> str:
    payload = row.payload
    try:
        try:
            sync_merchant_order(payload)
        except PlatformError as exc:
            if exc.code != LINK_PAGE_AGAIN:
                raise
            # Alipay has the link page already: the same status without it.
            payload = {
                **payload,
                "ext_info": [e for e in payload["ext_info"] if e["ext_key"] != "merchant_order_link_page"],
            }
            sync_merchant_order(payload)
    except PlatformError as exc:
        if exc.code == NOT_FORWARD:
            state, next_at = State.SKIPPED, None
        elif exc.retryable and row.attempts < MAX_ATTEMPTS:
            state, next_at = State.PENDING, timezone.now() + _backoff(row.attempts)
        else:
            state, next_at = State.FAILED, None
        meaning = order_center_meaning(exc.code)
        AlipayOrderSync.objects.filter(pk=row.pk).update(
            state=state,
            next_attempt_at=next_at,
            error_code=str(exc.code)[:64],
            error=(f"{meaning}：{exc.message}" if meaning else exc.message)[:500],
        )
        logger.warning("Alipay order center %s %s: %s", row.order.number, row.status, exc.message)
        return "skipped" if state == State.SKIPPED else "wait"
    AlipayOrderSync.objects.filter(pk=row.pk).update(
        state=State.SYNCED, synced_at=timezone.now(), next_attempt_at=None, error_code="", error="", payload=payload
    )
    return "synced"


def due_orders(*, now=None, limit=200) -> list[int]:
    now = now or timezone.now()
    return list(
        AlipayOrderSync.objects.filter(state=State.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("order_id")
        .values_list("order_id", flat=True)
        .distinct()[:limit]
    )


def retry_failed(order: Order) -> int:
    """Operations ask for another round for the order's failed syncs."""
    return AlipayOrderSync.objects.filter(order=order, state=State.FAILED).update(
        state=State.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
