"""Celery tasks of orders. Thin: each calls a service, imported inside the task body. Names
are explicit and kept from the earlier layout (queued messages, the beat schedule)."""

from celery import shared_task

RETRY = {"autoretry_for": (Exception,), "max_retries": 8, "retry_backoff": 30, "retry_backoff_max": 3600}


@shared_task(name="storefront.tasks.complete_delivered_orders")
def complete_delivered_orders():
    """Completes orders delivered ORDER_AUTO_COMPLETE_DAYS ago that the shopper never confirmed."""
    from storefront.orders import services

    return services.complete_delivered_orders()


@shared_task(name="storefront.tasks.move_after_sales_requests", **RETRY)
def move_after_sales_requests(source_id, target_id):
    """member_merged: the absorbed member's refund requests are the survivor's."""
    from storefront.orders import after_sales

    after_sales.move_after_sales_requests(source_id=source_id, target_id=target_id)


@shared_task(name="storefront.tasks.record_order_sales", **RETRY)
def record_order_sales(order_id):
    """order_paid: the order's units count as sold ("-sales" ordering)."""
    from oscar.apps.order.models import Order

    from storefront.orders import sales

    sales.record_order_sales(Order.objects.get(pk=order_id))


@shared_task(name="storefront.tasks.recount_product_sales")
def recount_product_sales():
    """Sales counters ("-sales" ordering) recomputed from paid orders: the nightly safety net."""
    from storefront.orders import sales

    sales.recount_sales()
