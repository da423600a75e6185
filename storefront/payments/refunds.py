"""Refunds: started by after-sales approval, by operations in the admin or for a late
payment; sent to the provider after commit (a retried task), completed by the provider's
notification or by asking it (Alipay has no refund notification).

While money goes back the order is `refunding`; when no refund is in flight any more it is
`refunded` (everything came back) or back in the status it had before. Each successful
refund is announced as `order_refunded`.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from oscar.apps.order.models import Order

from config.money import to_yuan
from platforms.base import PlatformError, PlatformUnavailable, RefundState, get_payment_provider
from storefront.orders import events, stock
from storefront.orders.errors import AfterSalesStateError
from storefront.orders.models import AfterSalesRequest
from storefront.orders.selectors import restock_quantities
from storefront.orders.status import (
    PAID,
    PAID_STATUSES,
    REFUNDED,
    REFUNDING,
    change_order_status,
    record_event,
    status_before_refunding,
)
from storefront.payments import tasks
from storefront.payments.errors import RefundRefused
from storefront.payments.models import PaymentProblem, PaymentTransaction, Refund
from storefront.payments.problems import jsonable, record_problem
from storefront.payments.providers import notify_url

logger = logging.getLogger(__name__)


def refunded_or_in_flight(txn) -> Decimal:
    total = txn.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def start_refund(
    *,
    order,
    amount=None,
    reason: str = "",
    key: str = "",
    kind: str = Refund.Reason.OPERATIONS,
    actor=None,
    restock: dict | None = None,
    payment: PaymentTransaction | None = None,
) -> Refund:
    """Starts a refund of `amount` (default: all that is left) of the order's payment.

    `key` names the request that asks for it (an after-sales case id, a late payment):
    the same order and key always give the same refund, so a repeated call returns the
    first refund instead of sending money twice. `restock` is {order line id: quantity}
    of goods that came back; they return to stock when the refund succeeds.
    The provider is called after the commit (a task), never inside this transaction."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if key:
            out_refund_no = f"{order.number}R{key}"[:64]
            existing = Refund.objects.filter(out_refund_no=out_refund_no).first()
            if existing is not None:
                if amount is not None and to_yuan(amount) != existing.amount:
                    raise RefundRefused(f"Refund {out_refund_no} already exists with amount {existing.amount}.")
                return existing
        else:
            out_refund_no = f"{order.number}R{Refund.objects.filter(order=order).count() + 1}"
            while Refund.objects.filter(out_refund_no=out_refund_no).exists():
                out_refund_no += "x"
        if payment is None:
            payment = (
                PaymentTransaction.objects.select_for_update()
                .filter(order=order, status=PaymentTransaction.Status.PAID)
                .order_by("paid_at")
                .first()
            )
        else:
            payment = PaymentTransaction.objects.select_for_update().get(pk=payment.pk)
        if payment is None:
            raise RefundRefused("The order has no payment to refund.")
        left = payment.amount - refunded_or_in_flight(payment)
        amount = left if amount is None else to_yuan(amount)
        if amount <= 0 or amount > left:
            raise RefundRefused(f"At most {left} can still be refunded.", code="refund_exceeds_payment")

        refund = Refund(
            order=order,
            transaction=payment,
            provider=payment.provider,
            out_refund_no=out_refund_no,
            amount=amount,
            kind=kind,
            reason=reason[:200],
            requested_by=actor,
            restock={str(k): int(v) for k, v in (restock or {}).items()},
        )
        if payment.status == PaymentTransaction.Status.PAID:
            if order.status in PAID_STATUSES:
                refund.moved_order = True
                refund.order_status_before = order.status
                change_order_status(
                    order,
                    REFUNDING,
                    actor=actor or "system:payments",
                    reason=f"refund {out_refund_no}: {reason}",
                    expected_from=order.status,
                )
            elif order.status != REFUNDING:
                raise RefundRefused(f"An order that is {order.status} cannot be refunded.", code="invalid_order_state")
        refund.save()
        refund_id = refund.pk
        transaction.on_commit(lambda: tasks.submit_refund.delay(refund_id))
    return refund


def submit_refund(refund_id: int) -> Refund:
    """Sends a pending refund to its provider (safe to repeat: same out_refund_no).
    Raises PlatformUnavailable so the task retries later."""
    refund = Refund.objects.select_related("transaction").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    txn = refund.transaction
    try:
        state = get_payment_provider(refund.provider).refund(
            out_trade_no=txn.out_trade_no,
            out_refund_no=refund.out_refund_no,
            amount=refund.amount,
            total=txn.amount,
            reason=refund.reason or refund.get_kind_display(),
            notify_url=notify_url(refund.provider),
        )
    except PlatformUnavailable as exc:
        Refund.objects.filter(pk=refund.pk).update(error=f"{exc.code}: {exc.message}"[:255])
        raise
    except PlatformError as exc:
        state = RefundState(
            provider=refund.provider,
            out_trade_no=txn.out_trade_no,
            out_refund_no=refund.out_refund_no,
            state="failed",
            amount=refund.amount,
            raw={"code": exc.code, "message": exc.message},
        )
    apply_refund_state(provider=refund.provider, state=state)
    refund.refresh_from_db()
    return refund


def sync_refund(refund) -> Refund:
    """Asks the provider about a refund still in flight (Alipay has no refund notification)."""
    try:
        state = get_payment_provider(refund.provider).query_refund(
            out_trade_no=refund.transaction.out_trade_no, out_refund_no=refund.out_refund_no
        )
    except PlatformError as exc:
        logger.info("refund query %s failed: %s", refund.out_refund_no, exc.code)
        return refund
    apply_refund_state(provider=refund.provider, state=state)
    refund.refresh_from_db()
    return refund


def apply_refund_state(*, provider: str, state: RefundState):
    """Applies a refund result once. Returns True when it changed something, False when there
    was nothing new, None when the refund is not ours."""
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update()
            .select_related("transaction")
            .filter(provider=provider, out_refund_no=state.out_refund_no)
            .first()
        )
        if refund is None:
            return None
        if refund.is_final:
            return False
        if state.state == "processing":
            if refund.status == Refund.Status.PROCESSING and refund.refund_id == (state.refund_id or refund.refund_id):
                return False
            refund.status = Refund.Status.PROCESSING
            refund.refund_id = state.refund_id or refund.refund_id
            refund.save(update_fields=["status", "refund_id"])
            return True
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        succeeded = False
        refund.refund_id = state.refund_id or refund.refund_id
        refund.completed_at = timezone.now()
        if state.state == "success":
            refund.status = Refund.Status.SUCCESS
            refund.error = ""
            _record_oscar_refund(order, refund)
            _return_stock(order, refund.restock)
            succeeded = True
        else:
            refund.status = Refund.Status.FAILED
            refund.error = str(state.raw.get("message") or state.raw.get("code") or "refused by the provider")[:255]
            record_problem(
                kind=PaymentProblem.Kind.REFUND_FAILED,
                provider=provider,
                reference=refund.out_refund_no,
                order=order,
                message=f"refund {refund.out_refund_no} of {refund.amount} failed: {refund.error}",
                details=jsonable(state.raw),
            )
        refund.save()
        _settle_order_after_refund(order)
        if succeeded:
            order.refresh_from_db(fields=["status"])
            events.send_after_commit(
                events.order_refunded,
                sender=Order,
                order=order,
                refund_number=refund.out_refund_no,
                amount=refund.amount,
                lines=_refunded_lines(refund),
                fully_refunded=order.status == REFUNDED,
            )
        return True


def _refunded_lines(refund) -> dict[int, int]:
    """{order line id: units} the refund pays back: the lines of the after-sales request behind
    it, or the goods it returns to stock; empty for an amount not tied to lines."""
    request = AfterSalesRequest.objects.filter(order_id=refund.order_id, refund_number=refund.out_refund_no).first()
    if request is not None:
        return restock_quantities(request)
    return {int(k): int(v) for k, v in (refund.restock or {}).items()}


def _record_oscar_refund(order, refund):
    source = order.sources.filter(reference=refund.transaction.transaction_id).first()
    if source is not None:
        source.refund(refund.amount, reference=refund.out_refund_no, status="refunded")


def _return_stock(order, restock: dict):
    """Goods that came back go on sale again."""
    if not restock:
        return
    lines = order.lines.filter(pk__in=[int(k) for k in restock])
    stock.restock({line: min(int(restock[str(line.pk)]), line.quantity) for line in lines})


def _settle_order_after_refund(order):
    """When no refund of the order is in flight any more: `refunded` if everything paid came
    back, otherwise the status it had before the refunds."""
    if order.status != REFUNDING:
        return
    refunds = Refund.objects.filter(order=order, transaction__status=PaymentTransaction.Status.PAID)
    if refunds.filter(status__in=[Refund.Status.PENDING, Refund.Status.PROCESSING]).exists():
        return
    paid = PaymentTransaction.objects.filter(order=order, status=PaymentTransaction.Status.PAID).aggregate(
        s=Sum("amount")
    )["s"] or Decimal("0.00")
    refunded = refunds.filter(status=Refund.Status.SUCCESS).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    if paid and refunded >= paid:
        change_order_status(
            order, REFUNDED, actor="system:payments", reason="all payments refunded", expected_from=REFUNDING
        )
        return
    # Back where it was before the refund started (the status service allows nothing else).
    back_to = status_before_refunding(order) or PAID
    change_order_status(
        order,
        back_to,
        actor="system:payments",
        reason="refund finished, part of the payment kept",
        expected_from=REFUNDING,
    )


def refund_late_payment(transaction_pk: int) -> Refund:
    """A payment for an order that was no longer waiting: give it all back."""
    txn = PaymentTransaction.objects.select_related("order").get(pk=transaction_pk)
    return start_refund(
        order=txn.order,
        payment=txn,
        amount=txn.amount,
        key=f"L{txn.pk}",
        kind=Refund.Reason.LATE_PAYMENT,
        reason="late or duplicate payment",
    )


def sync_open_refunds(*, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Sends refunds left pending (provider was down) and asks about those in flight."""
    cutoff = timezone.now() - older_than
    count = 0
    for refund in Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=cutoff):
        try:
            submit_refund(refund.pk)
        except PlatformUnavailable:
            continue
        count += 1
    for refund in Refund.objects.select_related("transaction").filter(status=Refund.Status.PROCESSING):
        sync_refund(refund)
        count += 1
    return count


# --- after-sales approval -------------------------------------------------------------------------
def approve_after_sales(*, request, staff, note="", restock=None):
    """Operations approve a shopper's after-sales request: the refund starts (the order goes
    `refunding`, the provider is called after commit) and, when `restock` (default: the
    request's own choice) says so, returned goods go back on sale once the refund succeeds."""
    with transaction.atomic():
        request = AfterSalesRequest.objects.select_for_update().select_related("order").get(pk=request.pk)
        if request.status != AfterSalesRequest.Status.PENDING:
            raise AfterSalesStateError()
        if restock is not None:
            request.restock = restock
        refund = start_refund(
            order=request.order,
            amount=request.amount,
            reason=request.reason,
            key=f"AS{request.pk}",
            kind=Refund.Reason.AFTER_SALES,
            actor=staff,
            restock=restock_quantities(request) if request.restock else None,
        )
        request.refund_number = refund.out_refund_no
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
