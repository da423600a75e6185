"""WeChat's order-shipping management (发货信息管理) beyond the upload: the money of a WeChat-paid
physical order is held until shipping is uploaded and receipt confirmed, and WeChat tells the
merchant about it through push events.

- `notify_confirm_receive` once, when our tracking says every parcel arrived;
- `opspecialorder` for orders that will ship late (more than 15 days after payment) or presale;
- the push events trade_manage_remind_access_api, trade_manage_remind_shipping and
  trade_manage_order_settlement (signature verified by the push endpoint first), recorded once on
  the order: the reminders form operations' attention list, the settlement sets its time;
- `get_order` to reconcile WeChat's view of recent orders daily;
- `check_setup`: what the merchant still has to switch on (is_trade_managed, the settlement
  confirmation, set_msg_jump_path, carrier ids, the tracking component).

Every call is made outside any transaction; a row is claimed first so that it goes out once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from oscar.apps.order.models import Order

from platforms.base import PlatformError
from platforms.wechat.miniprogram import TRADE_ORDER_STATES, WeChatLogistics, errcode_meaning
from storefront.orders.status import (
    COMPLETED,
    DELIVERED,
    PAID,
    PARTIALLY_SHIPPED,
    REFUNDED,
    SHIPPED,
)
from storefront.payments.models import PaymentTransaction

from . import selectors, services
from .models import Carrier, Shipment, WechatShippingUpload, WechatTradeEvent, WechatTradeOrder, WechatWaybill

logger = logging.getLogger(__name__)

SPECIAL_MIN_DAYS, SPECIAL_MAX_DAYS = 15, 330


def _trade_order(order) -> WechatTradeOrder:
    row, _ = WechatTradeOrder.objects.get_or_create(order=order)
    return row


def _transaction_id(order) -> str:
    payment = services._wechat_payment(order)
    return payment.transaction_id if payment is not None else ""


def _aware(timestamp) -> dt.datetime | None:
    try:
        value = int(timestamp or 0)
    except (TypeError, ValueError):
        return None
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value > 0 else None


# --- confirm-receive reminder -------------------------------------------------------------------------
def notify_confirm_receive(order) -> bool:
    """Asks WeChat to remind the shopper to confirm receipt, once per order, when tracking says
    delivered. True when sent now. A retryable failure is raised (the task retries); any other
    is kept on the order and not sent again."""
    transaction_id = _transaction_id(order)
    if not transaction_id or selectors.is_pickup(order):
        return False
    uploaded = WechatShippingUpload.objects.filter(
        order=order,
        state=WechatShippingUpload.State.UPLOADED,
        logistics_type=WechatShippingUpload.LogisticsType.EXPRESS,
    )
    first_upload = uploaded.order_by("uploaded_at").first()
    if first_upload is None:
        return False
    row = _trade_order(order)
    claimed = WechatTradeOrder.objects.filter(pk=row.pk, confirm_notified_at__isnull=True, confirm_error="").update(
        confirm_notified_at=timezone.now(), transaction_id=transaction_id
    )
    if not claimed:
        return False
    delivered = Shipment.objects.filter(order=order).exclude(delivered_at=None).order_by("-delivered_at").first()
    received = delivered.delivered_at if delivered else timezone.now()
    # WeChat wants the receipt after the shipping it knows (10060029 otherwise).
    shipped = dt.datetime.fromisoformat(first_upload.payload["upload_time"])
    received = max(received, shipped + dt.timedelta(seconds=1))
    try:
        WeChatLogistics().notify_confirm_receive(transaction_id=transaction_id, received_time=int(received.timestamp()))
    except PlatformError as exc:
        if exc.retryable:
            WechatTradeOrder.objects.filter(pk=row.pk).update(confirm_notified_at=None)
            raise
        WechatTradeOrder.objects.filter(pk=row.pk).update(confirm_notified_at=None, confirm_error=_error_text(exc))
        return False
    return True


def _error_text(exc: PlatformError) -> str:
    meaning = errcode_meaning(exc.code)
    return f"{meaning or exc.message}（{exc.code}）"[:255]


# --- special report (presale or late) -----------------------------------------------------------------
def report_special_order(order, *, delay_to: dt.datetime | None = None, now=None) -> bool:
    """opspecialorder type 1 for an order that ships more than 15 days after payment: WeChat tells
    the shopper the expected shipping date instead of holding it against the merchant. True when
    WeChat accepted it now."""
    now = now or timezone.now()
    payment = services._wechat_payment(order)
    if payment is None or not payment.transaction_id:
        return False
    row = _trade_order(order)
    if row.special_reported_at:
        return False
    earliest = payment.paid_at + dt.timedelta(days=SPECIAL_MIN_DAYS, hours=1)
    latest = payment.paid_at + dt.timedelta(days=SPECIAL_MAX_DAYS)
    default_days = getattr(settings, "WECHAT_SPECIAL_ORDER_SHIP_WITHIN_DAYS", 30)
    delay_to = delay_to or max(payment.paid_at + dt.timedelta(days=default_days), now + dt.timedelta(days=1))
    delay_to = min(max(delay_to, earliest), latest)
    try:
        WeChatLogistics().report_special_order(
            order_id=payment.transaction_id, kind=1, delay_to=int(delay_to.timestamp())
        )
    except PlatformError as exc:
        WechatTradeOrder.objects.filter(pk=row.pk).update(special_error=_error_text(exc))
        if exc.retryable:
            raise
        return False
    WechatTradeOrder.objects.filter(pk=row.pk).update(
        special_reported_at=timezone.now(),
        special_delay_to=delay_to,
        special_error="",
        transaction_id=payment.transaction_id,
    )
    return True


def orders_to_report_late(*, now=None):
    """WeChat-paid delivery orders not shipped at all WECHAT_SPECIAL_ORDER_AFTER_DAYS (10) after
    payment, not reported yet: reported before WeChat's 15 days are up."""
    now = now or timezone.now()
    days = getattr(settings, "WECHAT_SPECIAL_ORDER_AFTER_DAYS", 10)
    return (
        Order.objects.filter(
            status=PAID,
            info__fulfilment="delivery",
            info__paid_at__lt=now - dt.timedelta(days=days),
            info__paid_at__gt=now - dt.timedelta(days=SPECIAL_MAX_DAYS),
            payment_transactions__provider="wechat",
        )
        .exclude(wechat_trade__special_reported_at__isnull=False)
        .distinct()
    )


def report_late_orders(*, now=None) -> int:
    reported = 0
    for order in orders_to_report_late(now=now):
        try:
            reported += report_special_order(order, now=now)
        except PlatformError as exc:
            logger.warning("special report of %s failed: %s", order.number, exc.message)
    return reported


# --- push events ------------------------------------------------------------------------------------
TRADE_EVENTS = tuple(WechatTradeEvent.Event.values)


def _fingerprint(message: dict) -> str:
    key = "|".join(
        str(message.get(name, ""))
        for name in ("Event", "transaction_id", "merchant_trade_no", "CreateTime", "settlement_time", "msg")
    )
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()


def _order_of(message: dict):
    transaction_id = str(message.get("transaction_id") or "")
    payment = None
    if transaction_id:
        payment = PaymentTransaction.objects.filter(provider="wechat", transaction_id=transaction_id).first()
    if payment is None and message.get("merchant_trade_no"):
        payment = PaymentTransaction.objects.filter(
            provider="wechat", out_trade_no=str(message["merchant_trade_no"])
        ).first()
    return payment.order if payment is not None else None


def record_trade_push(message: dict) -> WechatTradeEvent | None:
    """One verified push of order-shipping management, kept once (WeChat pushes again when unsure);
    the settlement's times go on the order. None for a repeat."""
    event = message.get("Event", "")
    if event not in TRADE_EVENTS:
        return None
    order = _order_of(message)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = WechatTradeEvent.objects.create(
                    event=event,
                    order=order,
                    transaction_id=str(message.get("transaction_id") or "")[:32],
                    text=str(message.get("msg") or "")[:500],
                    message=message,
                    fingerprint=_fingerprint(message),
                )
        except IntegrityError:
            return None
        if event == WechatTradeEvent.Event.SETTLEMENT and order is not None:
            trade = WechatTradeOrder.objects.select_for_update().filter(pk=_trade_order(order).pk).get()
            trade.transaction_id = row.transaction_id or trade.transaction_id
            trade.settlement_time = _aware(message.get("settlement_time")) or trade.settlement_time
            trade.estimated_settlement_time = _aware(message.get("estimated_settlement_time"))
            trade.confirm_receive_time = _aware(message.get("confirm_receive_time"))
            method = message.get("confirm_receive_method")
            trade.confirm_receive_method = method if method in (1, 2) else None
            trade.save()
            # A settlement is news, not a task: nothing to deal with.
            WechatTradeEvent.objects.filter(pk=row.pk).update(resolved_at=timezone.now())
    if order is None and event != WechatTradeEvent.Event.REMIND_ACCESS_API:
        logger.warning("WeChat %s for a payment we do not know: %s", event, message.get("transaction_id"))
    return row


def resolve_reminder(event: WechatTradeEvent, *, actor=None) -> None:
    WechatTradeEvent.objects.filter(pk=event.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor if getattr(actor, "pk", None) else None
    )


# --- daily reconciliation ------------------------------------------------------------------------------
# Our statuses that should agree with each of WeChat's order states.
SHIPPED_OURS = (SHIPPED, DELIVERED, COMPLETED)


def _mismatch(order, state: int) -> str:
    ours = order.status
    if state == 1 and ours in SHIPPED_OURS and not selectors.is_pickup(order):
        return "本店已发货，微信仍显示待发货：请检查发货信息上传"
    if state == 2 and ours in (PAID,):
        return "微信显示已发货，本店还未发货"
    if state == 5 and ours != REFUNDED:
        return "微信显示已退款，本店订单未退款"
    if state in (3, 4) and ours in (PAID, PARTIALLY_SHIPPED):
        return "微信显示已确认收货，本店还未发完货"
    return ""


def orders_to_reconcile(*, now=None, days=None):
    now = now or timezone.now()
    days = days or getattr(settings, "WECHAT_RECONCILE_DAYS", 30)
    return (
        Order.objects.filter(
            payment_transactions__provider="wechat",
            payment_transactions__status=PaymentTransaction.Status.PAID,
            info__paid_at__gte=now - dt.timedelta(days=days),
        )
        .exclude(wechat_trade__settlement_time__isnull=False)
        .distinct()
    )


def reconcile_trade_orders(*, now=None) -> dict:
    """get_order for recent WeChat-paid orders not settled yet: WeChat's order state kept on the
    order, and a disagreement with ours named for operations. Returns counts."""
    counts = {"checked": 0, "mismatched": 0, "failed": 0}
    for order in orders_to_reconcile(now=now):
        transaction_id = _transaction_id(order)
        if not transaction_id:
            continue
        try:
            answer = WeChatLogistics().get_order(transaction_id=transaction_id)
        except PlatformError as exc:
            counts["failed"] += 1
            logger.warning("get_order of %s failed: %s", order.number, exc.message)
            continue
        state = int(answer.get("order_state") or 0)
        mismatch = _mismatch(order, state)
        WechatTradeOrder.objects.update_or_create(
            order=order,
            defaults={
                "transaction_id": transaction_id,
                "platform_state": state,
                "reconciled_at": timezone.now(),
                "mismatch": mismatch,
            },
        )
        counts["checked"] += 1
        counts["mismatched"] += bool(mismatch)
    return counts


def platform_state_label(state) -> str:
    return TRADE_ORDER_STATES.get(state, "—") if state else "—"


# --- setup check ---------------------------------------------------------------------------------------
def check_setup(*, jump_path: str | None = None) -> tuple[list[str], list[str]]:
    """(what is in place, what the merchant still has to do) for order-shipping management and the
    tracking component. Sets the message jump path on the way."""
    client = WeChatLogistics()
    done, todo = [], []

    def ask(what, call):
        try:
            return call()
        except PlatformError as exc:
            todo.append(f"{what}: {errcode_meaning(exc.code) or exc.message} ({exc.code})")
            return None

    managed = ask("is_trade_managed", client.is_trade_managed)
    if managed:
        done.append("发货信息管理服务已开通 (is_trade_managed)")
    elif managed is False:
        todo.append("在小程序后台开通“发货信息管理服务”（is_trade_managed 为 false）")
    confirmed = ask("is_trade_management_confirmation_completed", client.is_settlement_confirmed)
    if confirmed:
        done.append("交易结算管理确认已完成")
    elif confirmed is False:
        todo.append("在小程序后台完成“交易结算管理确认”")
    path = jump_path or getattr(settings, "WECHAT_SHIPPING_MSG_JUMP_PATH", "pages/order/detail")
    if ask("set_msg_jump_path", lambda: client.set_msg_jump_path(path) or True):
        done.append(f"发货消息跳转路径已设为 {path}")
    known = ask("get_delivery_list", client.delivery_list)
    if known is not None:
        unknown = [c.code for c in Carrier.objects.filter(is_active=True) if c.wechat_company_id not in known]
        if unknown:
            todo.append(f"这些快递公司的微信运力 id 不在 get_delivery_list 里，请在承运商里改正：{', '.join(unknown)}")
        else:
            done.append("所有在用快递公司的微信运力 id 都能识别")
    if WechatWaybill.objects.filter(state=WechatWaybill.State.NOT_ENABLED).exists():
        todo.append("在小程序后台开通“物流查询组件”（有包裹因 48001 未能开通），开通后在运单里重试")
    todo.append(
        '在 app.json 声明插件 "logisticsPlugin"（provider wx9ad912bf20548d92），订单页用 '
        "openWaybillTracking({waybillToken}) 打开包裹（这项无法由接口检查）"
    )
    return done, todo
