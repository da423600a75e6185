"""Provider callbacks: a payment or refund notification is verified by the adapter, logged
whatever happens, applied once, and acknowledged the way that provider expects."""

import logging

from platforms.base import InvalidNotification, PaymentNotification, get_payment_provider
from storefront.payments.models import NotificationLog, PaymentProblem
from storefront.payments.problems import jsonable, record_problem
from storefront.payments.refunds import apply_refund_state
from storefront.payments.services import Outcome, record_payment

logger = logging.getLogger(__name__)

# Codes the adapters use for a verified notification naming an app or merchant not ours.
_FOREIGN_ID_CODES = ("wrong_merchant", "wrong_app", "wrong_app_id")
_KEPT_HEADERS = (
    "content-type",
    "wechatpay-timestamp",
    "wechatpay-nonce",
    "wechatpay-signature",
    "wechatpay-serial",
    "wechatpay-signature-type",
    "user-agent",
    "request-id",
)


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
            record_problem(
                kind=PaymentProblem.Kind.MERCHANT_MISMATCH,
                provider=provider,
                reference=f"notification:{log.pk}",
                out_trade_no=str((exc.raw or {}).get("out_trade_no", ""))[:64],
                message=exc.message,
                details=jsonable(exc.raw),
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
