"""What orders do when other parts of the kit announce something. Each receiver queues one
retryable task, so a failure is retried and never blocks the other receivers."""

from storefront.members.events import member_merged
from storefront.orders import tasks
from storefront.orders.events import order_paid


def oscar_analytics_after_commit(sender, order, user=None, **kwargs):
    """Oscar's analytics receiver of its own `order_placed` updates the product and user
    records (eight queries for one line) inside the order transaction, while the stock row is
    locked: it runs once the order is committed instead, and not at all for a rolled-back one."""
    from django.db import transaction
    from oscar.apps.analytics import receivers as oscar_analytics

    transaction.on_commit(lambda: oscar_analytics.receive_order_placed(sender, order=order, user=user, **kwargs))


def count_sales_of_paid_order(sender, order, **kwargs):
    tasks.record_order_sales.delay(order.pk)


def move_after_sales_requests_of_merged_member(sender, source_id, target_id, **kwargs):
    tasks.move_after_sales_requests.delay(source_id, target_id)


def connect():
    # Imported first so that its receiver is connected (by its decorator) before it is taken
    # off, whichever app's ready() runs first.
    from oscar.apps.analytics import receivers as oscar_analytics
    from oscar.apps.order.signals import order_placed as oscar_order_placed

    oscar_order_placed.disconnect(oscar_analytics.receive_order_placed)
    oscar_order_placed.connect(oscar_analytics_after_commit, dispatch_uid="orders.oscar_analytics_after_commit")
    order_paid.connect(count_sales_of_paid_order, dispatch_uid="orders.count_sales_of_paid_order")
    member_merged.connect(
        move_after_sales_requests_of_merged_member, dispatch_uid="orders.move_after_sales_requests_of_merged_member"
    )
