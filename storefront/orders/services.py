"""The order status service and the order use cases built on it.

`change_order_status` is the only way an order's status changes, for every app: it locks
the order, refuses a move the pipeline (settings.OSCAR_ORDER_STATUS_PIPELINE) does not allow
with 409 `invalid_order_state`, records Oscar's `OrderStatusChange` plus an `OrderNote` that
says who or what caused it and why, and applies what the move implies:

- `paid`: the stock allocation becomes a sale (stock.consume_for_order; callers must not
  consume it again); `OrderInfo.paid_at`.
- `cancelled`: the allocation and any vouchers are released; `OrderInfo.cancelled_at`.
- `delivered` / `completed`: their timestamps (auto-complete counts from `delivered_at`).

Oscar's `order_status_changed` signal is sent by Oscar inside the transaction; work that
must only happen once the change is committed belongs in `transaction.on_commit`.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from oscar.apps.offer.models import ConditionalOffer
from oscar.apps.order.models import Order, OrderDiscount, OrderNote
from oscar.apps.voucher.models import Voucher, VoucherApplication

from config.errors import Conflict, KitError, NotFound, PlatformUnavailable
from config.money import to_yuan
from platforms.base import PlatformError
from storefront.orders import stock
from storefront.orders.models import AfterSalesPhoto, AfterSalesRequest, OrderInfo
from storefront.payments import services as payments

logger = logging.getLogger(__name__)

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
PAID_STATUSES = (PAID, PARTIALLY_SHIPPED, SHIPPED, DELIVERED, COMPLETED)


class InvalidOrderState(Conflict):
    code = "invalid_order_state"
    message = "The order cannot do that in its current status."


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


def change_order_status(order, new_status, *, actor, reason):
    """Moves `order` to `new_status` or raises InvalidOrderState (409).

    `actor` is the user who asked (member or staff) or a string naming the process
    ("system:unpaid-timeout", "wechatpay:notification"); `reason` is said in the timeline.
    Returns the order, refreshed; the instance passed in gets the new status too."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        old_status = locked.status
        if new_status not in locked.available_statuses():
            raise InvalidOrderState(
                f"Order {locked.number} is {old_status}; it cannot become {new_status}.",
                extra={"status": old_status},
            )
        locked.set_status(new_status)
        _apply_consequences(locked, old_status, new_status, reason=reason)
        record_event(locked, f"Status {old_status} → {new_status}: {reason}", actor=actor)
    order.status = locked.status
    return locked


def _apply_consequences(order, old_status, new_status, *, reason):
    now = timezone.now()
    info = OrderInfo.objects.filter(order=order).first()
    if new_status == PAID and old_status == PENDING_PAYMENT:
        if info is not None:
            stock.consume_for_order(order)
            OrderInfo.objects.filter(pk=info.pk).update(paid_at=now)
    elif new_status == CANCELLED:
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


# --- unpaid orders ----------------------------------------------------------------------------
def cancel_unpaid_order(*, order, actor, reason):
    """Cancels an order still waiting for payment.

    First asks the payment layer whether it was in fact paid (outside any transaction: it may
    call the provider); a paid order is left alone and InvalidOrderState is raised. A payment
    notification landing meanwhile locks the same order row, so exactly one of them wins."""
    if order.status != PENDING_PAYMENT:
        raise InvalidOrderState(f"Order {order.number} is {order.status}; only unpaid orders can be cancelled.")
    try:
        paid = payments.reconcile_before_cancel(order)
    except PlatformError as exc:
        # The provider could not say whether the shopper paid: cancelling now could strand a
        # payment, so the order stays as it is and the next attempt asks again.
        raise PlatformUnavailable() from exc
    if paid:
        order.refresh_from_db(fields=["status"])
        raise InvalidOrderState(f"Order {order.number} has been paid.", extra={"status": order.status})
    return change_order_status(order, CANCELLED, actor=actor, reason=reason)


def cancel_overdue_unpaid_orders(*, now=None, limit=500) -> int:
    """The periodic job: cancels orders past their pay-before time. Returns how many."""
    now = now or timezone.now()
    overdue = (
        Order.objects.filter(status=PENDING_PAYMENT, info__pay_before__lt=now)
        .select_related("info")
        .order_by("info__pay_before")[:limit]
    )
    cancelled = 0
    for order in overdue:
        try:
            cancel_unpaid_order(
                order=order,
                actor="system:unpaid-timeout",
                reason=f"not paid before {timezone.localtime(order.info.pay_before):%Y-%m-%d %H:%M}",
            )
            cancelled += 1
        except InvalidOrderState:
            continue  # paid after all, or moved on meanwhile
        except PlatformUnavailable:
            logger.warning("payment provider unavailable; order %s left for the next run", order.number)
    return cancelled


# --- receipt and completion --------------------------------------------------------------------
def confirm_receipt(*, order, member):
    if order.status not in (SHIPPED, DELIVERED):
        raise InvalidOrderState(f"Order {order.number} is {order.status}; it has not been shipped.")
    return change_order_status(order, COMPLETED, actor=member, reason="receipt confirmed by the shopper")


def complete_delivered_orders(*, now=None, limit=500) -> int:
    """The periodic job: completes orders delivered ORDER_AUTO_COMPLETE_DAYS ago or more."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS)
    due = Order.objects.filter(status=DELIVERED, info__delivered_at__lte=cutoff).order_by("pk")[:limit]
    completed = 0
    for order in due:
        try:
            change_order_status(
                order,
                COMPLETED,
                actor="system:auto-complete",
                reason=f"delivered more than {settings.ORDER_AUTO_COMPLETE_DAYS} days ago",
            )
            completed += 1
        except InvalidOrderState:
            continue
    return completed


# --- store pickup ------------------------------------------------------------------------------
class NotStoreStaff(KitError):
    status_code = 403
    code = "not_store_staff"
    message = "Only staff of the pickup store or operations may hand over this order."


def may_hand_over(user, store) -> bool:
    return bool(
        user.is_active
        and (user.has_perm("storefront.operate_orders") or store.staff.filter(pk=user.pk).exists())
    )


def mark_picked_up(*, code, staff):
    """Staff hand a paid pickup order over to the shopper who shows its code."""
    info = OrderInfo.objects.select_related("order", "pickup_store").filter(pickup_code=(code or "").strip()).first()
    if info is None or info.pickup_store is None:
        raise NotFound("No pickup order has this code.", code="pickup_code_unknown")
    if not may_hand_over(staff, info.pickup_store):
        raise NotStoreStaff()
    order = info.order
    if order.status != PAID:
        raise InvalidOrderState(f"Order {order.number} is {order.status}; only paid orders can be picked up.")
    with transaction.atomic():
        order = change_order_status(order, COMPLETED, actor=staff, reason=f"picked up at {info.pickup_store}")
        OrderInfo.objects.filter(pk=info.pk).update(picked_up_at=timezone.now(), picked_up_by=staff)
    return order


# --- after-sales -------------------------------------------------------------------------------
class AfterSalesStateError(Conflict):
    code = "invalid_after_sales_state"
    message = "This after-sales request has already been decided."


def request_refund(*, order, member, kind, reason, lines=None, photos=()):
    """A shopper asks for a refund (or a return and refund) of a paid order.

    `lines` is [{"line_id", "quantity"}] for part of the order; without it the whole order
    (its total, shipping included) is asked for."""
    if order.status not in PAID_STATUSES:
        raise InvalidOrderState(f"Order {order.number} is {order.status}; only paid orders can be refunded.")
    order_lines = {line.pk: line for line in order.lines.all()}
    # A line named twice counts once with both quantities, and units of approved requests are
    # gone: otherwise one line could be refunded with the money of the others.
    wanted = {}
    for item in lines or []:
        line = order_lines.get(item["line_id"])
        if line is None:
            raise KitError("No such line in this order.", code="invalid_input",
                           fields={"lines": f"Line {item['line_id']} is not in order {order.number}."})
        wanted[line.pk] = wanted.get(line.pk, 0) + item["quantity"]
    refunded = units_refunded(order) if wanted else {}
    chosen = []
    for line_id, quantity in wanted.items():
        line = order_lines[line_id]
        left = line.quantity - refunded.get(line_id, 0)
        if not 1 <= quantity <= left:
            raise KitError("Quantity out of range.", code="invalid_input",
                           fields={"lines": f"Line {line.pk} has {left} item(s) left to refund."})
        chosen.append({"line_id": line.pk, "quantity": quantity})
    if chosen:
        amount = sum(
            to_yuan(order_lines[c["line_id"]].line_price_incl_tax * c["quantity"] / order_lines[c["line_id"]].quantity)
            for c in chosen
        )
    else:
        amount = to_yuan(order.total_incl_tax)
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=order.pk)
        if AfterSalesRequest.objects.filter(order=order, status=AfterSalesRequest.Status.PENDING).exists():
            raise Conflict("A request for this order is already waiting for a decision.", code="after_sales_pending")
        request = AfterSalesRequest.objects.create(
            order=order, member=member, kind=kind, reason=reason, lines=chosen, amount=min(amount, to_yuan(order.total_incl_tax))
        )
        for photo in photos:
            AfterSalesPhoto.objects.create(request=request, image=photo)
        record_event(order, f"After-sales requested ({kind}, {request.amount}): {reason}", actor=member)
    return request


def units_refunded(order) -> dict[int, int]:
    """{order line id: units} of the order's approved after-sales requests: units the shopper
    has been (or is being) paid back for, which must not be refunded, nor shipped, again."""
    units = {}
    approved = AfterSalesRequest.objects.filter(order=order, status=AfterSalesRequest.Status.APPROVED)
    for request in approved:
        for line_id, quantity in _restock_quantities(request).items():
            units[line_id] = units.get(line_id, 0) + quantity
    return units


def _restock_quantities(request):
    """{order line id: quantity} to put back on sale when the refund succeeds."""
    if request.lines:
        return {c["line_id"]: c["quantity"] for c in request.lines}
    return {line.pk: line.quantity for line in request.order.lines.all()}


def _hand_refund_to_payments(request, *, staff):
    """The one call from after-sales into the payment layer. The payments service moves the
    order to `refunding`, refunds through the provider after commit, and returns the goods
    to stock (when `restock` is given) once the refund succeeds."""
    refund = payments.start_refund(
        order=request.order,
        amount=request.amount,
        reason=request.reason,
        key=f"AS{request.pk}",
        kind="after_sales",
        actor=staff,
        restock=_restock_quantities(request) if request.restock else None,
    )
    return getattr(refund, "out_refund_no", "") or ""


def approve_after_sales(*, request, staff, note="", restock=None):
    """Operations approve: the refund goes to the payment layer; `restock` (default: the
    request's own choice) says whether returned goods go back on sale."""
    with transaction.atomic():
        request = AfterSalesRequest.objects.select_for_update().select_related("order").get(pk=request.pk)
        if request.status != AfterSalesRequest.Status.PENDING:
            raise AfterSalesStateError()
        if restock is not None:
            request.restock = restock
        request.refund_number = _hand_refund_to_payments(request, staff=staff)
        request.status = AfterSalesRequest.Status.APPROVED
        request.decided_by = staff
        request.decided_at = timezone.now()
        request.decision_note = note
        request.save()
        record_event(
            request.order,
            f"After-sales request {request.pk} approved: refund {request.amount}"
            f"{', goods back on sale' if request.restock else ''}. {note}".strip(),
            actor=staff,
        )
    return request


def reject_after_sales(*, request, staff, note=""):
    with transaction.atomic():
        request = AfterSalesRequest.objects.select_for_update().select_related("order").get(pk=request.pk)
        if request.status != AfterSalesRequest.Status.PENDING:
            raise AfterSalesStateError()
        request.status = AfterSalesRequest.Status.REJECTED
        request.decided_by = staff
        request.decided_at = timezone.now()
        request.decision_note = note
        request.save()
        record_event(request.order, f"After-sales request {request.pk} rejected. {note}".strip(), actor=staff)
    return request


def move_after_sales_requests(source, target):
    """MERGE_HOOKS entry: two members became one, so the absorbed one's refund requests are
    the survivor's (they follow the orders, which the merge moves)."""
    AfterSalesRequest.objects.filter(member=source).update(member=target)
