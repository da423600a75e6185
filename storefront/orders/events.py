"""What happens to orders, announced to the rest of the kit.

Each is a Django signal sent once the change is committed (never for a rolled-back one), with
`sender=Order` and the keyword arguments listed. Receivers are connected in their app's
`AppConfig.ready` with a `dispatch_uid`; work that must not be lost is one retryable Celery
task per receiver (see docs/decisions/0005-domain-events.md). Signals are sent with
`send_robust`, so one failing receiver neither stops nor hides the others.

Status events are sent by `storefront.orders.status.change_order_status`; `order_placed` by
checkout, `order_refunded` by payments when a refund has succeeded.
"""

from django.dispatch import Signal

from config.events import send_after_commit  # noqa: F401  (the one way to send them)

# order
order_placed = Signal()
# order
order_paid = Signal()
# order, reason
order_cancelled = Signal()
# order, partially (True while lines are still to ship)
order_shipped = Signal()
# order
order_delivered = Signal()
# order
order_completed = Signal()
# order, refund_number, amount (Decimal yuan), lines ({order line id: units}; empty: the
# whole order or an amount not tied to lines), fully_refunded (the order is now `refunded`)
order_refunded = Signal()
