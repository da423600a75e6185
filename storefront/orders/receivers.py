"""What orders do when other parts of the kit announce something. Each receiver queues one
retryable task, so a failure is retried and never blocks the other receivers."""

from storefront.members.events import member_merged
from storefront.orders import tasks
from storefront.orders.events import order_paid


def count_sales_of_paid_order(sender, order, **kwargs):
    tasks.record_order_sales.delay(order.pk)


def move_after_sales_requests_of_merged_member(sender, source_id, target_id, **kwargs):
    tasks.move_after_sales_requests.delay(source_id, target_id)


def connect():
    order_paid.connect(count_sales_of_paid_order, dispatch_uid="orders.count_sales_of_paid_order")
    member_merged.connect(
        move_after_sales_requests_of_merged_member, dispatch_uid="orders.move_after_sales_requests_of_merged_member"
    )
