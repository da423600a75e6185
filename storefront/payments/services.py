"""Payments: what the storefront asks the payment providers, and what it does with their answers.

Every provider call goes through `platforms.base.get_payment_provider(name)` and happens
outside any transaction that holds row locks. Every state change that money causes goes
through `record_payment` (a paid trade, whoever reported it: notification, the shopper's
refresh, the unpaid-order task) and `apply_refund_state` (a refund result, from the refund
call, a notification or a query); both lock the rows involved and are safe to repeat.

For other engineers:
- `reconcile_before_cancel(order) -> bool`: the unpaid-order task asks before cancelling.
- `refresh_payment_status(order) -> order`: the order detail's `?refresh=1`.
- `start_refund(order=..., amount=..., key=..., ...)`: after-sales approval and the admin.
- `PAID_HOOKS`: append `callable(order)`; each runs once, after the commit that made the
  order paid (points, shipping upload, ...). A failing hook is logged and does not stop
  the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from oscar.core.loading import get_model

from config import errors
from config.money import CURRENCY, to_yuan
from platforms.base import (
    InvalidNotification,
    PaymentNotification,
    PlatformError,
    RefundState,
    TradeState,
    get_payment_provider,
)
from platforms.base import PlatformUnavailable as ProviderUnavailable
from storefront.payments.models import NotificationLog, PaymentAttempt, PaymentProblem, PaymentTransaction, Refund

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
SourceType = get_model("payment", "SourceType")

PENDING = "pending_payment"
PAID = "paid"
CANCELLED = "cancelled"
REFUNDING = "refunding"
REFUNDED = "refunded"
# Statuses an order can be refunded from (money received, not yet fully returned).
REFUNDABLE_STATUSES = ("paid", "partially_shipped", "shipped", "delivered", "completed", "refunding")

SOURCE_TYPE_NAMES = {"wechat": "WeChat Pay", "alipay": "Alipay"}

# callables(order) run once after an order becomes paid; other apps append to it.
PAID_HOOKS: list[Callable] = []
# callables(order) run when the refunds of an order are over and it keeps part of the payment
# (it is back in its earlier status); inside the transaction that settled it.
REFUND_SETTLED_HOOKS: list[Callable] = []


class PaymentConflict(errors.Conflict):
    code = "invalid_order_state"
    message = "The order cannot be paid in its current state."


class PaymentExpired(errors.Conflict):
    code = "payment_expired"
    message = "The time to pay this order has passed."


class NoPlatformIdentity(errors.KitError):
    code = "no_platform_identity"
    message = "You have not logged in with this platform, so it cannot take your payment."


class PaymentRefused(errors.KitError):
    status_code = 502
    code = "payment_refused"
    message = "The payment platform refused the payment."


class RefundRefused(errors.Conflict):
    code = "refund_not_possible"
    message = "This refund is not possible."


# --- small helpers --------------------------------------------------------------------------
def merchant_ids(provider_name: str) -> tuple[str, str]:
    """(app id, merchant id) a genuine notification for this shop carries."""
    if provider_name == "wechat":
        return settings.WECHAT_APP_ID, settings.WECHATPAY_MCH_ID
    return settings.ALIPAY_APP_ID, settings.ALIPAY_SELLER_ID


def notify_url(provider_name: str) -> str:
    name = "payments-notify-wechatpay" if provider_name == "wechat" else "payments-notify-alipay"
    return settings.SITE_URL + reverse(name)


def order_pay_before(order):
    """The moment after which the order can no longer be paid (checkout's OrderInfo)."""
    info = getattr(order, "info", None)
    pay_before = getattr(info, "pay_before", None)
    if pay_before is None:
        return order.date_placed + dt.timedelta(minutes=settings.ORDER_PAY_TIMEOUT_MINUTES)
    return pay_before


def change_status(order, new_status, *, reason, actor=None):
    """Moves the order through the one status service of the kit (checkout's), which locks
    the order, checks the pipeline and applies the consequences (stock, timestamps)."""
    from storefront.orders.services import change_order_status

    return change_order_status(order, new_status, actor=actor or "system:payments", reason=reason)


def _problem(*, kind, provider, reference, message, order=None, out_trade_no="", details=None):
    """Lists a problem once per (kind, provider, reference), however often it is met."""
    key = {"kind": kind, "provider": provider, "reference": str(reference)[:128]}
    defaults = {
        "order": order,
        "out_trade_no": out_trade_no or (order.number if order else ""),
        "message": message[:255],
        "details": details or {},
    }
    try:
        with transaction.atomic():
            problem, _created = PaymentProblem.objects.get_or_create(**key, defaults=defaults)
    except IntegrityError:
        # The same problem met at the same moment by a concurrent delivery.
        problem = PaymentProblem.objects.get(**key)
    return problem


# --- pay/ -------------------------------------------------------------------------------------
def start_payment(*, order, member, provider: str) -> PaymentAttempt:
    """A prepay the shopper's mini program can pay with: reused while valid, else a new one.

    The caller has already checked that the order is `member`'s (404 otherwise)."""
    now = timezone.now()
    if order.status != PENDING:
        raise PaymentConflict(f"The order is {order.status}; only orders waiting for payment can be paid.")
    pay_before = order_pay_before(order)
    if pay_before <= now:
        raise PaymentExpired()
    from storefront.members.models import Identity

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
    except ProviderUnavailable:
        raise errors.PlatformUnavailable()
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


# --- a paid trade -------------------------------------------------------------------------------
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
        _problem(
            kind=PaymentProblem.Kind.UNKNOWN_ORDER, provider=provider, reference=trade.transaction_id or trade.out_trade_no,
            out_trade_no=trade.out_trade_no, message=f"payment {trade.transaction_id} for unknown order {trade.out_trade_no}",
            details={"amount": str(trade.amount), "source": source},
        )
        return Outcome.UNKNOWN
    mismatch = _trade_mismatch(provider, trade, order, strict_ids=(source == "notification"))
    if mismatch:
        kind, message = mismatch
        _problem(
            kind=kind, provider=provider, reference=trade.transaction_id or order.number, order=order, message=message,
            details={"amount": str(trade.amount), "currency": trade.currency, "app_id": trade.app_id,
                     "merchant_id": trade.merchant_id, "source": source},
        )
        return Outcome.PROBLEM

    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order.pk)
            attempt = PaymentAttempt.objects.select_for_update().filter(order=order, provider=provider).first()
            if PaymentTransaction.objects.filter(provider=provider, transaction_id=trade.transaction_id).exists():
                return Outcome.DUPLICATE
            late = order.status != PENDING
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
                raw=_jsonable(trade.raw),
            )
            if attempt is not None and attempt.status != PaymentAttempt.Status.PAID:
                attempt.status = PaymentAttempt.Status.PAID
                attempt.save(update_fields=["status", "updated_at"])
            if late:
                _problem(
                    kind=PaymentProblem.Kind.LATE_PAYMENT, provider=provider, reference=txn.transaction_id, order=order,
                    message=f"paid {txn.amount} while the order was {order.status}: refunded automatically",
                    details={"order_status": order.status, "source": source},
                )
                transaction.on_commit(lambda: _enqueue("refund_late_payment", txn.pk))
                return Outcome.LATE
            # The status service consumes the stock allocation when an order becomes paid.
            change_status(order, PAID, actor=f"{provider}:{source}", reason=f"payment {txn.transaction_id} received")
            # `code` is unique (name is not): concurrent first payments find one row.
            source_type, _ = SourceType.objects.get_or_create(
                code=slugify(SOURCE_TYPE_NAMES[provider]), defaults={"name": SOURCE_TYPE_NAMES[provider]}
            )
            oscar_source = order.sources.create(
                source_type=source_type, currency=txn.currency, amount_allocated=txn.amount, reference=txn.transaction_id
            )
            oscar_source.debit(txn.amount, reference=txn.transaction_id, status="paid")
            order_id = order.pk
            transaction.on_commit(lambda: _enqueue("run_order_paid_effects", order_id))
            return Outcome.PROCESSED
    except IntegrityError:
        # The unique key caught a concurrent recording that the lock did not (no prepay
        # row to lock): the payment is already in.
        if PaymentTransaction.objects.filter(provider=provider, transaction_id=trade.transaction_id).exists():
            return Outcome.DUPLICATE
        raise


def _jsonable(value):
    import json

    return json.loads(json.dumps(value or {}, default=str))


def _enqueue(task_name, *args):
    from storefront import tasks

    getattr(tasks, task_name).delay(*args)


def run_order_paid_effects(order_id: int) -> None:
    """After the commit that made an order paid: the shopper's notice, then every hook."""
    order = Order.objects.select_related("user").get(pk=order_id)
    _close_other_prepays(order)
    try:
        _send_paid_notice(order)
    except Exception:
        logger.exception("order_paid notice failed for %s", order.number)
    for hook in list(PAID_HOOKS):
        try:
            hook(order)
        except Exception:
            logger.exception("paid hook %r failed for order %s", hook, order.number)


def _close_other_prepays(order):
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


def _send_paid_notice(order):
    """The "order_paid" subscribe message, through the platforms' notice service (it skips
    members without a grant or a template)."""
    if order.user_id is None:
        return
    from platforms.services import send_notice

    send_notice(
        member=order.user,
        event="order_paid",
        context={
            "order_number": order.number,
            "total": f"{order.total_incl_tax:.2f}",
            "paid_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        },
    )


# --- notifications ------------------------------------------------------------------------------
# Codes the adapters use for a verified notification naming an app or merchant not ours.
_FOREIGN_ID_CODES = ("wrong_merchant", "wrong_app", "wrong_app_id")
_KEPT_HEADERS = ("content-type", "wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature",
                 "wechatpay-serial", "wechatpay-signature-type", "user-agent", "request-id")


def handle_notification(*, provider: str, headers: dict, body: bytes):
    """One callback from a provider -> the HttpResponse that provider expects.

    Whatever happens is in the notification log. Unverifiable callbacks change nothing and
    are refused; a failure while applying a verified one asks the provider to retry."""
    platform = get_payment_provider(provider)
    try:
        log = NotificationLog.objects.create(
            provider=provider,
            headers={k: v for k, v in headers.items() if k.lower() in _KEPT_HEADERS},
            body=body.decode("utf-8", errors="replace")[:20000],
        )
    except Exception:
        # Nothing can be recorded or applied (database unreachable): the provider retries.
        logger.exception("could not log a %s notification", provider)
        return platform.acknowledge(ok=False, message="retry")
    try:
        note = platform.parse_notification(headers=headers, body=body)
    except InvalidNotification as exc:
        _finish_log(log, NotificationLog.Outcome.REJECTED, f"{exc.code}: {exc.message}")
        if exc.code in _FOREIGN_ID_CODES:
            # Signed by the provider, but for another app or merchant: operations should know.
            _problem(
                kind=PaymentProblem.Kind.MERCHANT_MISMATCH, provider=provider, reference=f"notification:{log.pk}",
                out_trade_no=str((exc.raw or {}).get("out_trade_no", ""))[:64], message=exc.message,
                details=_jsonable(exc.raw),
            )
        return platform.acknowledge(ok=False, message="invalid notification")
    except Exception as exc:
        logger.exception("could not read a %s notification", provider)
        _finish_log(log, NotificationLog.Outcome.ERROR, f"unreadable: {exc}")
        return platform.acknowledge(ok=False, message="retry")

    log.verified = True
    log.kind = note.kind
    log.notification_id = note.notification_id[:128]
    log.out_trade_no = ((note.trade or note.refund).out_trade_no if (note.trade or note.refund) else "")[:64]
    try:
        ok, outcome, reason = _apply_notification(provider, note)
    except Exception as exc:
        logger.exception("%s notification %s failed; the provider will retry", provider, note.notification_id)
        _finish_log(log, NotificationLog.Outcome.ERROR, f"{type(exc).__name__}: {exc}"[:255])
        return platform.acknowledge(ok=False, message="retry")
    _finish_log(log, outcome, reason)
    return platform.acknowledge(ok=ok, message="" if ok else reason)


def _apply_notification(provider, note: PaymentNotification):
    """(acknowledge ok?, log outcome, reason)"""
    Log = NotificationLog.Outcome
    if note.kind == "payment" and note.trade is not None:
        outcome = record_payment(provider=provider, trade=note.trade, source="notification")
        return {
            Outcome.PROCESSED: (True, Log.PROCESSED, ""),
            Outcome.DUPLICATE: (True, Log.DUPLICATE, "transaction already recorded"),
            Outcome.LATE: (True, Log.PROBLEM, "late payment: refund started"),
            Outcome.NOT_PAID: (True, Log.IGNORED, f"trade state {note.trade.state}"),
            # Retrying does not make these right; the problem list has them for operations.
            Outcome.PROBLEM: (True, Log.PROBLEM, "does not match the order"),
            # Unknown to us: refuse, so the provider keeps it visible on its side too.
            Outcome.UNKNOWN: (False, Log.REJECTED, "unknown order"),
        }[outcome]
    if note.kind == "refund" and note.refund is not None:
        outcome = apply_refund_state(provider=provider, state=note.refund)
        if outcome is None:
            # Not one of ours (made in the provider's back office): retrying cannot help.
            return True, Log.IGNORED, "refund not made by the kit"
        return True, Log.PROCESSED if outcome else Log.DUPLICATE, ""
    return True, Log.IGNORED, f"kind {note.kind}"


def _finish_log(log, outcome, reason=""):
    log.outcome = outcome
    log.reason = (reason or "")[:255]
    try:
        log.save()
    except Exception:
        logger.exception("could not update notification log %s", log.pk)


# --- asking the provider -------------------------------------------------------------------------
def refresh_payment_status(order):
    """The shopper is back from paying: ask the provider once, so the order shows paid even
    before the notification arrives. Provider trouble leaves the order as it is."""
    if order.status == PENDING:
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

    Raises config.errors.PlatformUnavailable when a provider cannot answer: the order must
    then stay as it is until the next run (a payment may be on its way)."""
    try:
        return _paid_at_provider_or_closed(order)
    except PlatformError as exc:
        raise errors.PlatformUnavailable(f"could not ask the provider about {order.number}: {exc.code}")


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
        except ProviderUnavailable:
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
    return order.status != PENDING


# --- refunds -------------------------------------------------------------------------------------
def refunded_or_in_flight(txn) -> Decimal:
    total = txn.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def start_refund(
    *, order, amount=None, reason: str = "", key: str = "", kind: str = Refund.Reason.OPERATIONS,
    actor=None, restock: dict | None = None, payment: PaymentTransaction | None = None,
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
            order=order, transaction=payment, provider=payment.provider, out_refund_no=out_refund_no,
            amount=amount, kind=kind, reason=reason[:200], requested_by=actor,
            restock={str(k): int(v) for k, v in (restock or {}).items()},
        )
        if payment.status == PaymentTransaction.Status.PAID:
            if order.status in REFUNDABLE_STATUSES and order.status != REFUNDING:
                refund.moved_order = True
                refund.order_status_before = order.status
                change_status(order, REFUNDING, actor=actor, reason=f"refund {out_refund_no}: {reason}")
            elif order.status not in REFUNDABLE_STATUSES:
                raise RefundRefused(f"An order that is {order.status} cannot be refunded.", code="invalid_order_state")
        refund.save()
        refund_id = refund.pk
        transaction.on_commit(lambda: _enqueue("submit_refund", refund_id))
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
    except ProviderUnavailable as exc:
        Refund.objects.filter(pk=refund.pk).update(error=f"{exc.code}: {exc.message}"[:255])
        raise
    except PlatformError as exc:
        state = RefundState(
            provider=refund.provider, out_trade_no=txn.out_trade_no, out_refund_no=refund.out_refund_no,
            state="failed", amount=refund.amount, raw={"code": exc.code, "message": exc.message},
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
        refund.refund_id = state.refund_id or refund.refund_id
        refund.completed_at = timezone.now()
        if state.state == "success":
            refund.status = Refund.Status.SUCCESS
            refund.error = ""
            _record_oscar_refund(order, refund)
            _return_stock(order, refund.restock)
        else:
            refund.status = Refund.Status.FAILED
            refund.error = str(state.raw.get("message") or state.raw.get("code") or "refused by the provider")[:255]
            _problem(
                kind=PaymentProblem.Kind.REFUND_FAILED, provider=provider, reference=refund.out_refund_no, order=order,
                message=f"refund {refund.out_refund_no} of {refund.amount} failed: {refund.error}",
                details=_jsonable(state.raw),
            )
        refund.save()
        _settle_order_after_refund(order)
        return True


def _record_oscar_refund(order, refund):
    source = order.sources.filter(reference=refund.transaction.transaction_id).first()
    if source is not None:
        source.refund(refund.amount, reference=refund.out_refund_no, status="refunded")


def _return_stock(order, restock: dict):
    """Goods that came back go on sale again."""
    if not restock:
        return
    from storefront.orders import stock

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
        change_status(order, REFUNDED, reason="all payments refunded")
        return
    first = refunds.filter(moved_order=True).order_by("-created_at").first()
    back_to = first.order_status_before if first else PAID
    change_status(order, back_to or PAID, reason="refund finished, part of the payment kept")
    for hook in list(REFUND_SETTLED_HOOKS):
        hook(order)


def refund_late_payment(transaction_pk: int) -> Refund:
    """A payment for an order that was no longer waiting: give it all back."""
    txn = PaymentTransaction.objects.select_related("order").get(pk=transaction_pk)
    return start_refund(
        order=txn.order, payment=txn, amount=txn.amount, key=f"L{txn.pk}", kind=Refund.Reason.LATE_PAYMENT,
        reason="late or duplicate payment",
    )


def mark_problem_resolved(*, problem: PaymentProblem, actor) -> None:
    PaymentProblem.objects.filter(pk=problem.pk, resolved_at=None).update(resolved_at=timezone.now(), resolved_by=actor)


def sync_open_refunds(*, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Sends refunds left pending (provider was down) and asks about those in flight."""
    cutoff = timezone.now() - older_than
    count = 0
    for refund in Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=cutoff):
        try:
            submit_refund(refund.pk)
        except ProviderUnavailable:
            continue
        count += 1
    for refund in Refund.objects.select_related("transaction").filter(status=Refund.Status.PROCESSING):
        sync_refund(refund)
        count += 1
    return count
