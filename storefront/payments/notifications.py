"""Provider callbacks: a payment or refund notification is verified by the adapter, logged
whatever happens, applied once, and acknowledged the way that provider expects.

Two guards come before the log, because anybody can post to a notify URL: a body larger than
NOTIFY_MAX_BODY_BYTES (real ones are a few KB) is refused unread, and an address whose
posts were refused NOTIFY_REFUSED_PER_MINUTE times this minute is answered 429 without
being logged. Verified notifications never count, so the provider's own traffic in a flash
sale is never limited."""

import logging
import time

from django.conf import settings
from django.core.cache import cache

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


def _refusals_key(provider, client):
    return f"payments:notify:refused:{provider}:{client}:{int(time.time() // 60)}"


def _refuse(platform, provider, client, *, status=None, message="invalid notification"):
    """The provider's 'fail' answer, counted against the sender's address."""
    key = _refusals_key(provider, client)
    cache.add(key, 0, timeout=120)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=120)
    response = platform.acknowledge(ok=False, message=message)
    if status is not None:
        response.status_code = status
    return response


def handle_notification(*, provider: str, headers: dict, body: bytes, client: str | None = None):
    """One callback from a provider -> the HttpResponse that provider expects.

    Whatever passes the guards (module docstring) is in the notification log. Unverifiable
    callbacks change nothing and are refused; a failure while applying a verified one asks
    the provider to retry. `client` is the sender's address (config/client.py)."""
    platform = get_payment_provider(provider)
    client = client or "unknown"
    if (cache.get(_refusals_key(provider, client)) or 0) >= settings.NOTIFY_REFUSED_PER_MINUTE:
        logger.warning("%s notification from %s not read: too many refused this minute", provider, client)
        return _refuse(platform, provider, client, status=429, message="too many invalid notifications")
    if len(body) > settings.NOTIFY_MAX_BODY_BYTES:
        logger.warning("%s notification from %s refused unread: %d bytes", provider, client, len(body))
        return _refuse(platform, provider, client, status=413, message="notification too large")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # Both providers send UTF-8 (the kit asks Alipay for charset=utf-8): anything else is
        # not theirs, and is refused without a traceback in the log.
        logger.warning("%s notification from %s refused: the body is not UTF-8", provider, client)
        return _refuse(platform, provider, client, message="body is not UTF-8")
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
        return _refuse(platform, provider, client)
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
