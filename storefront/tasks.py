"""Celery tasks of the storefront. Thin: each calls a service. Periodic ones are scheduled
in config/celery.py's BEAT_SCHEDULE."""

from celery import shared_task

# --- payments -------------------------------------------------------------------------------


@shared_task
def run_order_paid_effects(order_id):
    """Notice to the shopper and the PAID_HOOKS, once per order made paid."""
    from storefront.payments import services as payments

    payments.run_order_paid_effects(order_id)


@shared_task(bind=True, max_retries=12, default_retry_delay=300)
def submit_refund(self, refund_id):
    """Sends a refund to its provider; retried while the provider is unavailable."""
    from platforms.base import PlatformUnavailable
    from storefront.payments import services as payments

    try:
        payments.submit_refund(refund_id)
    except PlatformUnavailable as exc:
        if self.request.is_eager:
            return  # left pending: sync_refunds sends it on its next run
        raise self.retry(exc=exc)


@shared_task
def refund_late_payment(transaction_pk):
    from storefront.payments import services as payments

    payments.refund_late_payment(transaction_pk)


@shared_task
def sync_refunds():
    """Completes refunds still in flight (Alipay has no refund notification) and sends those
    that could not be sent."""
    from storefront.payments import services as payments

    payments.sync_open_refunds()


@shared_task
def reconcile_payments(day=None):
    """Yesterday's statements of every provider (or `day`, "YYYY-MM-DD")."""
    import datetime as dt

    from storefront.payments import reconciliation

    reconciliation.reconcile_all(day=dt.date.fromisoformat(day) if day else None)


# --- catalog --------------------------------------------------------------------------------


@shared_task(bind=True, max_retries=8, default_retry_delay=120)
def submit_product_page_to_wechat(self, product_id):
    """Queues a published product's page for WeChat search; retried while WeChat is busy."""
    import logging

    from platforms.base import PlatformError
    from storefront.catalog import services as catalog

    try:
        catalog.submit_product_page_for_search(product_id=product_id)
    except PlatformError as exc:
        if not exc.retryable:
            logging.getLogger(__name__).warning(
                "WeChat refused the page of product %s: %s %s", product_id, exc.code, exc.message
            )
            return
        raise self.retry(exc=exc, countdown=min(3600, 60 * 2 ** self.request.retries))


@shared_task
def make_product_image_thumbnails(image_id):
    """Renders a product image's list and detail sizes once, so list requests never do."""
    from storefront.catalog import services as catalog

    catalog.make_product_image_thumbnails(image_id=image_id)


@shared_task
def recount_product_sales():
    """Sales counters ("-sales" ordering) recomputed from paid orders: the nightly safety net."""
    from storefront.catalog import services as catalog

    catalog.recount_sales()


# --- checkout and orders ----------------------------------------------------------------------


@shared_task
def cancel_overdue_unpaid_orders():
    """Cancels orders not paid before their pay-before time; stock and vouchers go back."""
    from storefront.orders import services as orders

    return orders.cancel_overdue_unpaid_orders()


@shared_task
def complete_delivered_orders():
    """Completes orders delivered ORDER_AUTO_COMPLETE_DAYS ago that the shopper never confirmed."""
    from storefront.orders import services as orders

    return orders.complete_delivered_orders()
