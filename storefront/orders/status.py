"""Order statuses and the one way an order's status changes.

Every status change in the kit goes through `change_order_status`. It locks the order row,
checks the move against the row as it is now (not the caller's copy, which may be stale),
applies what the move implies, records Oscar's `OrderStatusChange` and a timeline note that
says who or what did it and why, and announces the matching event of
`storefront.orders.events` once the transaction commits:

- `paid`: the stock allocation becomes a sale (callers must not consume it again),
  `OrderInfo.paid_at`; event `order_paid`.
- `cancelled`: the allocation and any vouchers are released, `OrderInfo.cancelled_at`;
  event `order_cancelled`.
- `partially_shipped` / `shipped`: event `order_shipped`.
- `delivered` / `completed`: their timestamps (auto-complete counts from `delivered_at`);
  events `order_delivered` / `order_completed`.
- `refunding` is a pause while money goes back: it ends in `refunded` or in the status the
  order had before it, never in another one.

Oscar's own status pipeline setting is left empty on purpose, so that no Oscar screen can
move an order past these rules.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from oscar.apps.offer.models import ConditionalOffer
from oscar.apps.order.models import Order, OrderDiscount, OrderNote, OrderStatusChange
from oscar.apps.voucher.models import Voucher, VoucherApplication

from storefront.orders import events, stock
from storefront.orders.errors import InvalidOrderState
from storefront.orders.models import OrderInfo

PENDING_PAYMENT = "pending_payment"
PAID = "paid"
PARTIALLY_SHIPPED = "partially_shipped"
SHIPPED = "shipped"
DELIVERED = "delivered"
COMPLETED = "completed"
CANCELLED = "cancelled"
REFUNDING = "refunding"
REFUNDED = "refunded"
STATUSES = (PENDING_PAYMENT, PAID, PARTIALLY_SHIPPED, SHIPPED, DELIVERED, COMPLETED, CANCELLED, REFUNDING, REFUNDED)
# Money received and kept: the statuses an order can be refunded, and counted as sold, from.
PAID_STATUSES = (PAID, PARTIALLY_SHIPPED, SHIPPED, DELIVERED, COMPLETED)
# Orders operations still owe a parcel.
SHIPPABLE_STATUSES = (PAID, PARTIALLY_SHIPPED)

TRANSITIONS = {
    PENDING_PAYMENT: (PAID, CANCELLED),
    PAID: (PARTIALLY_SHIPPED, SHIPPED, REFUNDING, COMPLETED),
    PARTIALLY_SHIPPED: (SHIPPED, REFUNDING),
    SHIPPED: (DELIVERED, REFUNDING, COMPLETED),
    DELIVERED: (COMPLETED, REFUNDING),
    COMPLETED: (REFUNDING,),
    # Or back to the status it had before the refund started (see status_before_refunding).
    REFUNDING: (REFUNDED,),
    REFUNDED: (),
    CANCELLED: (),
}

LABELS = {
    PENDING_PAYMENT: "待付款",
    PAID: "待发货",
    PARTIALLY_SHIPPED: "部分发货",
    SHIPPED: "已发货",
    DELIVERED: "已送达",
    COMPLETED: "已完成",
    CANCELLED: "已取消",
    REFUNDING: "退款中",
    REFUNDED: "已退款",
}

_EVENTS = {
    PAID: events.order_paid,
    CANCELLED: events.order_cancelled,
    PARTIALLY_SHIPPED: events.order_shipped,
    SHIPPED: events.order_shipped,
    DELIVERED: events.order_delivered,
    COMPLETED: events.order_completed,
}


def actor_label(actor) -> str:
    """'member 12 (nickname)', 'staff 3 (ops)' or the given string ('system:unpaid-timeout')."""
    if isinstance(actor, get_user_model()):
        role = "staff" if actor.is_staff else "member"
        return f"{role} {actor.pk} ({actor})"
    return str(actor)


def record_event(order, message, *, actor):
    """A line in the order's timeline (an Oscar OrderNote), saying who or what did it."""
    user = actor if isinstance(actor, get_user_model()) else None
    return OrderNote.objects.create(
        order=order, user=user, note_type="System", message=f"{message} — {actor_label(actor)}"
    )


def status_before_refunding(order) -> str | None:
    """The status the order had when it last became `refunding` (from Oscar's history)."""
    return (
        OrderStatusChange.objects.filter(order=order, new_status=REFUNDING)
        .order_by("-date_created", "-pk")
        .values_list("old_status", flat=True)
        .first()
    )


def allowed_next(order) -> tuple[str, ...]:
    """Where `order` (as loaded) may move next."""
    allowed = TRANSITIONS.get(order.status, ())
    if order.status == REFUNDING:
        before = status_before_refunding(order)
        if before:
            allowed = (*allowed, before)
    return allowed


def change_order_status(order, new_status, *, actor, reason, expected_from=None, locked=False):
    """Moves `order` to `new_status` or raises InvalidOrderState (409).

    `expected_from` (a status or a tuple of them) is what the caller believes the order is
    in; it is checked against the locked row, so a caller holding a stale copy cannot move an
    order that has meanwhile gone elsewhere (a receipt confirmed while a refund runs).
    `actor` is the user who asked (member or staff) or a string naming the process
    ("system:unpaid-timeout", "wechatpay:notification"); `reason` is said in the timeline.
    `locked=True` says the caller read `order` with select_for_update in the transaction it
    is in now (payments does, to record the transaction first): the row is not read again.
    Returns the locked order; the instance passed in gets the new status too."""
    if new_status not in STATUSES:
        raise ValueError(f"unknown order status {new_status!r}")
    if isinstance(expected_from, str):
        expected_from = (expected_from,)
    with transaction.atomic():
        if locked:
            assert transaction.get_connection().in_atomic_block, "a row lock lives in a transaction"
            locked = order
        else:
            locked = Order.objects.select_for_update().get(pk=order.pk)
        old_status = locked.status
        if expected_from is not None and old_status not in expected_from:
            raise InvalidOrderState(
                f"Order {locked.number} is {old_status}; it cannot become {new_status}.", extra={"status": old_status}
            )
        if new_status not in allowed_next(locked):
            raise InvalidOrderState(
                f"Order {locked.number} is {old_status}; it cannot become {new_status}.", extra={"status": old_status}
            )
        locked.status = new_status
        locked.save(update_fields=["status"])
        OrderStatusChange.objects.create(order=locked, old_status=old_status, new_status=new_status)
        _apply_consequences(locked, old_status, new_status, reason=reason)
        record_event(locked, f"Status {old_status} → {new_status}: {reason}", actor=actor)
        signal = _EVENTS.get(new_status)
        if signal is not None:
            extra = {}
            if signal is events.order_cancelled:
                extra["reason"] = str(reason)
            if signal is events.order_shipped:
                extra["partially"] = new_status == PARTIALLY_SHIPPED
            events.send_after_commit(signal, sender=Order, order=locked, **extra)
    order.status = locked.status
    return locked


def _apply_consequences(order, old_status, new_status, *, reason):
    now = timezone.now()
    if new_status == PAID and old_status == PENDING_PAYMENT:
        # One locked read of the order's info, and one write for the stock state and paid_at.
        stock.consume_for_order(order, paid_at=now)
        return
    info = OrderInfo.objects.filter(order=order).first()
    if new_status == CANCELLED:
        if info is not None:
            stock.release_for_order(order)
            OrderInfo.objects.filter(pk=info.pk).update(cancelled_at=now, cancel_reason=str(reason)[:200])
        release_vouchers(order)
    elif new_status == DELIVERED and info is not None:
        OrderInfo.objects.filter(pk=info.pk).update(delivered_at=now)
    elif new_status == COMPLETED and info is not None:
        OrderInfo.objects.filter(pk=info.pk).update(completed_at=now)


def release_vouchers(order):
    """A cancelled order gives back what it took from vouchers and offers: the voucher uses
    (a single-use code works again) and the offers' usage counters (global limits)."""
    for application in VoucherApplication.objects.select_for_update().filter(order=order).order_by("pk"):
        Voucher.objects.filter(pk=application.voucher_id).update(num_orders=Greatest(F("num_orders") - 1, 0))
        application.delete()
    for discount in OrderDiscount.objects.filter(order=order).order_by("pk"):
        if discount.offer_id:
            ConditionalOffer.objects.filter(pk=discount.offer_id).update(
                num_applications=Greatest(F("num_applications") - discount.frequency, 0),
                total_discount=Greatest(F("total_discount") - discount.amount, 0),
                num_orders=Greatest(F("num_orders") - 1, 0),
            )
        if discount.voucher_id:
            Voucher.objects.filter(pk=discount.voucher_id).update(
                total_discount=Greatest(F("total_discount") - discount.amount, 0)
            )
