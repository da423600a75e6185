"""Celery tasks of payments. Thin: each calls a service, imported inside the task body (the
services import this module at the top). Names are explicit and kept from the earlier
layout, so queued messages and the beat schedule (config/celery.py) still find them."""

from celery import shared_task

# Receivers of order events: retried with backoff, so a failure is not lost.
from config.tasks import RETRY
from platforms.base import PlatformUnavailable


@shared_task(name="storefront.tasks.close_other_prepays", **RETRY)
def close_other_prepays(order_id):
    """order_paid: the prepay still open at the other provider is closed."""
    from oscar.apps.order.models import Order

    from storefront.payments.services import close_other_prepays

    close_other_prepays(Order.objects.get(pk=order_id))


@shared_task(name="storefront.tasks.send_order_paid_notice", **RETRY)
def send_order_paid_notice(order_id):
    """order_paid: the shopper's "order paid" subscribe message."""
    from oscar.apps.order.models import Order

    from storefront.payments.services import send_paid_notice

    send_paid_notice(Order.objects.select_related("user").get(pk=order_id))


@shared_task(name="storefront.tasks.send_order_refunded_notice", **RETRY)
def send_order_refunded_notice(order_id, refund_number):
    """order_refunded: the shopper's "refund succeeded" subscribe message, once per refund."""
    from storefront.payments.models import Refund
    from storefront.payments.services import send_refunded_notice

    send_refunded_notice(Refund.objects.select_related("order__user").get(out_refund_no=refund_number))


@shared_task(bind=True, name="storefront.tasks.submit_refund", max_retries=12, default_retry_delay=300)
def submit_refund(self, refund_id):
    """Sends a refund to its provider; retried while the provider is unavailable."""
    from storefront.payments import refunds

    try:
        refunds.submit_refund(refund_id)
    except PlatformUnavailable as exc:
        if self.request.is_eager:
            return  # left pending: sync_refunds sends it on its next run
        raise self.retry(exc=exc)


@shared_task(name="storefront.tasks.refund_late_payment")
def refund_late_payment(transaction_pk):
    from storefront.payments import refunds

    refunds.refund_late_payment(transaction_pk)


@shared_task(name="storefront.tasks.sync_refunds")
def sync_refunds():
    """Completes refunds still in flight (Alipay has no refund notification) and sends those
    that could not be sent."""
    from storefront.payments import refunds

    refunds.sync_open_refunds()


@shared_task(name="storefront.tasks.reconcile_payments")
def reconcile_payments(day=None):
    """Yesterday's statements of every provider (or `day`, "YYYY-MM-DD")."""
    import datetime as dt

    from storefront.payments import reconciliation

    reconciliation.reconcile_all(day=dt.date.fromisoformat(day) if day else None)


@shared_task(name="storefront.tasks.cancel_overdue_unpaid_orders")
def cancel_overdue_unpaid_orders():
    """Cancels orders not paid before their pay-before time; stock and vouchers go back."""
    from storefront.payments import unpaid

    return unpaid.cancel_overdue_unpaid_orders()
