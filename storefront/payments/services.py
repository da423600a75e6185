"""Paying for an order: the prepay the mini program pays with, recording a paid trade exactly
once whoever reports it, and asking the provider when we have not heard.

Every provider call goes through `platforms.base.get_payment_provider(name)` and happens
outside any transaction that holds row locks. Every state change that money causes goes
through `record_payment` (a paid trade: notification, the shopper's refresh, the unpaid-order
task) and `storefront.payments.refunds.apply_refund_state`; both lock the rows involved and
are safe to repeat. An order made paid is announced as `order_paid` by the status service;
this domain's own receivers (closing the other prepay, the shopper's notice) are below.

Other modules of the domain: `notifications` (provider callbacks), `refunds`, `unpaid`
(cancelling unpaid orders), `reconciliation` (daily statements), `problems`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from oscar.apps.order.models import Order
from oscar.apps.payment.models import SourceType
from oscar.apps.payment.models import Transaction as OscarTransaction

from config.money import CURRENCY, to_yuan, yuan_str
from platforms.base import PlatformError, PlatformUnavailable, TradeState, get_payment_provider
from platforms.services import send_notice
from storefront.members.models import Identity
from storefront.orders.status import PAID, PENDING_PAYMENT, change_order_status
from storefront.payments import tasks
from storefront.payments.errors import NoPlatformIdentity, PaymentConflict, PaymentExpired, PaymentRefused
from storefront.payments.models import PaymentAttempt, PaymentProblem, PaymentTransaction, Refund
from storefront.payments.problems import jsonable, record_problem
from storefront.payments.providers import merchant_ids, notify_url
from storefront.payments.refunds import sync_refund

logger = logging.getLogger(__name__)

SOURCE_TYPE_NAMES = {"wechat": "WeChat Pay", "alipay": "Alipay"}


def order_pay_before(order):
    """The moment after which the order can no longer be paid (checkout's OrderInfo)."""
    info = getattr(order, "info", None)
    pay_before = getattr(info, "pay_before", None)
    if pay_before is None:
        return order.date_placed + dt.timedelta(minutes=settings.ORDER_PAY_TIMEOUT_MINUTES)
    return pay_before


def start_payment(*, order, member, provider: str) -> PaymentAttempt:
    """A prepay the shopper's mini program can pay with: reused while valid, else a new one.

    The caller has already checked that the order is `member`'s (404 otherwise)."""
    now = timezone.now()
    if order.status != PENDING_PAYMENT:
        raise PaymentConflict(f"The order is {order.status}; only orders waiting for payment can be paid.")
    pay_before = order_pay_before(order)
    if pay_before <= now:
        raise PaymentExpired()
    identity = Identity.objects.filter(member=member, platform=provider).order_by("-last_login_at", "-id").first()
    if identity is None:
        raise NoPlatformIdentity()

    amount = to_yuan(order.total_incl_tax)
    attempt = PaymentAttempt.objects.filter(order=order, provider=provider).first()
    if attempt is not None and attempt.reusable(amount=amount, payer_id=identity.openid, now=now):
        return attempt

    try:
        prepay = get_payment_provider(provider).prepay(
            out_trade_no=order.number,
            amount=amount,
            description=f"{settings.OSCAR_SHOP_NAME} {order.number}"[:120],
            payer_id=identity.openid,
            expires_at=pay_before,
            notify_url=notify_url(provider),
        )
    except PlatformUnavailable:
        raise
    except PlatformError as exc:
        logger.warning("prepay refused for %s at %s: %s %s", order.number, provider, exc.code, exc.message)
        raise PaymentRefused(extra={"platform_code": exc.code})

    values = {
        "out_trade_no": order.number,
        "amount": amount,
        "payer_id": identity.openid,
        "reference": prepay.reference,
        "client_params": prepay.client_params,
        "expires_at": min(prepay.expires_at or pay_before, pay_before),
        "status": PaymentAttempt.Status.OPEN,
    }
    try:
        with transaction.atomic():
            attempt, _ = PaymentAttempt.objects.update_or_create(order=order, provider=provider, defaults=values)
    except IntegrityError:
        # A concurrent pay/ of the same order created the row first: keep the newest prepay.
        PaymentAttempt.objects.filter(order=order, provider=provider).update(**values, updated_at=timezone.now())
        attempt = PaymentAttempt.objects.get(order=order, provider=provider)
    return attempt


class Outcome:
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    LATE = "late"
    PROBLEM = "problem"
    UNKNOWN = "unknown"
    NOT_PAID = "not_paid"


def _trade_mismatch(provider_name, trade: TradeState, order, *, strict_ids: bool):
    """(problem kind, message) when the trade does not belong to this order, else None."""
    app_id, merchant_id = merchant_ids(provider_name)
    if trade.amount is None or to_yuan(trade.amount) != to_yuan(order.total_incl_tax):
        return PaymentProblem.Kind.AMOUNT_MISMATCH, f"paid {trade.amount}, order total {order.total_incl_tax}"
    if (trade.currency or CURRENCY) != (order.currency or CURRENCY):
        return PaymentProblem.Kind.AMOUNT_MISMATCH, f"paid in {trade.currency}, order in {order.currency}"
    # A query answered by our own merchant account carries the ids implicitly; a
    # notification must state them.
    if (strict_ids or trade.app_id) and trade.app_id != app_id:
        return PaymentProblem.Kind.MERCHANT_MISMATCH, f"app id {trade.app_id!r}, ours {app_id!r}"
    if (strict_ids or trade.merchant_id) and trade.merchant_id != merchant_id:
        return PaymentProblem.Kind.MERCHANT_MISMATCH, f"merchant id {trade.merchant_id!r}, ours {merchant_id!r}"
    return None


def record_payment(*, provider: str, trade: TradeState, source: str = "notification") -> str:
    """Applies a paid trade exactly once. Returns an `Outcome`.

    Order and prepay rows are locked, the transaction is recorded under its unique key, and
    only the one call that records it moves the order to paid (or, when the order is no
    longer waiting, refunds it as a late payment). Side effects run after the commit."""
    if not trade.is_paid:
        return Outcome.NOT_PAID
    order = Order.objects.filter(number=trade.out_trade_no).first()
    if order is None:
        record_problem(
            kind=PaymentProblem.Kind.UNKNOWN_ORDER,
            provider=provider,
            reference=trade.transaction_id or trade.out_trade_no,
            out_trade_no=trade.out_trade_no,
            message=f"payment {trade.transaction_id} for unknown order {trade.out_trade_no}",
            details={"amount": str(trade.amount), "source": source},
        )
        return Outcome.UNKNOWN
    mismatch = _trade_mismatch(provider, trade, order, strict_ids=(source == "notification"))
    if mismatch:
        kind, message = mismatch
        record_problem(
            kind=kind,
            provider=provider,
            reference=trade.transaction_id or order.number,
            order=order,
            message=message,
            details={
                "amount": str(trade.amount),
                "currency": trade.currency,
                "app_id": trade.app_id,
                "merchant_id": trade.merchant_id,
                "source": source,
            },
        )
        return Outcome.PROBLEM

    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order.pk)
            attempt = PaymentAttempt.objects.select_for_update().filter(order=order, provider=provider).first()
            if PaymentTransaction.objects.filter(provider=provider, transaction_id=trade.transaction_id).exists():
                return Outcome.DUPLICATE
            late = order.status != PENDING_PAYMENT
            txn = PaymentTransaction.objects.create(
                order=order,
                attempt=attempt,
                provider=provider,
                transaction_id=trade.transaction_id,
                out_trade_no=trade.out_trade_no,
                amount=to_yuan(trade.amount),
                currency=trade.currency or CURRENCY,
                payer_id=trade.payer_id,
                status=PaymentTransaction.Status.LATE if late else PaymentTransaction.Status.PAID,
                source=source,
                paid_at=trade.paid_at or timezone.now(),
                raw=jsonable(trade.raw),
            )
            if attempt is not None and attempt.status != PaymentAttempt.Status.PAID:
                attempt.status = PaymentAttempt.Status.PAID
                attempt.save(update_fields=["status", "updated_at"])
            if late:
                record_problem(
                    kind=PaymentProblem.Kind.LATE_PAYMENT,
                    provider=provider,
                    reference=txn.transaction_id,
                    order=order,
                    message=f"paid {txn.amount} while the order was {order.status}: refunded automatically",
                    details={"order_status": order.status, "source": source},
                )
                transaction.on_commit(lambda: tasks.refund_late_payment.delay(txn.pk))
                return Outcome.LATE
            # The status service consumes the stock allocation when an order becomes paid.
            change_order_status(
                order,
                PAID,
                actor=f"{provider}:{source}",
                reason=f"payment {txn.transaction_id} received",
                expected_from=PENDING_PAYMENT,
                locked=True,  # read with select_for_update above, in this transaction
            )
            # `code` is unique (name is not): concurrent first payments find one row.
            source_type, _ = SourceType.objects.get_or_create(
                code=slugify(SOURCE_TYPE_NAMES[provider]), defaults={"name": SOURCE_TYPE_NAMES[provider]}
            )
            # Oscar's Source.debit, written once: the source already debited, and its debit.
            oscar_source = order.sources.create(
                source_type=source_type,
                currency=txn.currency,
                amount_allocated=txn.amount,
                amount_debited=txn.amount,
                reference=txn.transaction_id,
            )
            oscar_source.transactions.create(
                txn_type=OscarTransaction.DEBIT, amount=txn.amount, reference=txn.transaction_id, status="paid"
            )
            return Outcome.PROCESSED
    except IntegrityError:
        # The unique key caught a concurrent recording that the lock did not (no prepay
        # row to lock): the payment is already in.
        if PaymentTransaction.objects.filter(provider=provider, transaction_id=trade.transaction_id).exists():
            return Outcome.DUPLICATE
        raise


# --- after an order is paid (receivers of order_paid, run as tasks) -------------------------
def close_other_prepays(order):
    """Paid through one provider: the prepay still open at the other one is closed, so the
    shopper cannot pay twice (a payment that slips through is refunded as a late payment)."""
    for attempt in PaymentAttempt.objects.filter(order=order, status=PaymentAttempt.Status.OPEN):
        try:
            get_payment_provider(attempt.provider).close(order.number)
        except PlatformError as exc:
            logger.info("closing the %s prepay of paid order %s failed: %s", attempt.provider, order.number, exc.code)
            continue
        PaymentAttempt.objects.filter(pk=attempt.pk, status=PaymentAttempt.Status.OPEN).update(
            status=PaymentAttempt.Status.CLOSED, updated_at=timezone.now()
        )


def send_paid_notice(order):
    """The "order_paid" subscribe message, through the platforms' notice service (it skips
    members without a grant or a template)."""
    if order.user_id is None:
        return
    send_notice(
        member=order.user,
        event="order_paid",
        context={
            "order_number": order.number,
            "total": yuan_str(order.total_incl_tax),
            "paid_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        },
    )


def send_refunded_notice(refund):
    """The "order_refunded" subscribe message of one successful refund: its amount and when
    the money went back (the refund's own time, in Beijing time)."""
    order = refund.order
    if order.user_id is None:
        return
    send_notice(
        member=order.user,
        event="order_refunded",
        context={
            "order_number": order.number,
            "refund_amount": yuan_str(refund.amount),
            "refunded_at": timezone.localtime(refund.completed_at or timezone.now()).strftime("%Y-%m-%d %H:%M"),
        },
    )


# --- asking the provider -------------------------------------------------------------------------
def refresh_payment_status(order):
    """The shopper is back from paying: ask the provider once, so the order shows paid even
    before the notification arrives. Provider trouble leaves the order as it is."""
    if order.status == PENDING_PAYMENT:
        for attempt in PaymentAttempt.objects.filter(order=order, status=PaymentAttempt.Status.OPEN):
            try:
                state = get_payment_provider(attempt.provider).query(order.number)
            except PlatformError as exc:
                logger.info("refresh of %s at %s failed: %s", order.number, attempt.provider, exc.code)
                continue
            if state.is_paid:
                record_payment(provider=attempt.provider, trade=state, source="query")
                break
    for refund in Refund.objects.filter(order=order, status=Refund.Status.PROCESSING):
        sync_refund(refund)
    order.refresh_from_db()
    return order


def reconcile_before_cancel(order) -> bool:
    """Returns True when the provider reports the order paid (it is then marked paid and must
    not be cancelled). Otherwise closes every prepay at its provider and returns False.

    Raises PlatformUnavailable when a provider cannot answer: the order must
    then stay as it is until the next run (a payment may be on its way)."""
    try:
        return _paid_at_provider_or_closed(order)
    except PlatformError as exc:
        raise PlatformUnavailable(
            f"could not ask the provider about {order.number}: {exc.code}", code=exc.code, platform=exc.platform
        ) from exc


def _paid_at_provider_or_closed(order) -> bool:
    attempts = list(PaymentAttempt.objects.filter(order=order))
    for attempt in attempts:
        if _paid_at_provider(order, attempt.provider):
            return True
    for attempt in attempts:
        if attempt.status != PaymentAttempt.Status.OPEN:
            continue
        try:
            get_payment_provider(attempt.provider).close(order.number)
        except PlatformUnavailable:
            raise
        except PlatformError:
            # Refused most often because it was paid a moment ago: ask once more.
            if _paid_at_provider(order, attempt.provider):
                return True
            raise
        PaymentAttempt.objects.filter(pk=attempt.pk, status=PaymentAttempt.Status.OPEN).update(
            status=PaymentAttempt.Status.CLOSED, updated_at=timezone.now()
        )
    return False


def _paid_at_provider(order, provider) -> bool:
    state = get_payment_provider(provider).query(order.number)
    if not state.is_paid:
        return False
    record_payment(provider=provider, trade=state, source="query")
    order.refresh_from_db()
    return order.status != PENDING_PAYMENT
