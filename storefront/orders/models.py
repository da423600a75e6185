"""What the kit attaches to Oscar's orders.

Oscar's `Order`, lines, status changes and notes stay the record of the sale. Here sits what
a mini program shop needs beside them: the pay-before time, payment method, store pickup and
its code, the price snapshot taken at placement, where the stock allocation stands, the
idempotency claim of a placement request, and after-sales (refund) requests with photos.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from oscar.apps.order.models import Order

from config.private_media import private_storage
from platforms.base import Platform


class OrderInfo(models.Model):
    """One row per order placed through the shopper API."""

    class Fulfilment(models.TextChoices):
        DELIVERY = "delivery", _("Delivery")
        PICKUP = "pickup", _("Store pickup")

    class StockState(models.TextChoices):
        ALLOCATED = "allocated", _("Allocated (held for the order)")
        CONSUMED = "consumed", _("Consumed (sold)")
        RELEASED = "released", _("Released (back on sale)")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="info", verbose_name=_("order"))
    payment_method = models.CharField(_("payment method"), max_length=16, choices=Platform.choices)
    pay_before = models.DateTimeField(_("pay before"), db_index=True)
    fulfilment = models.CharField(_("fulfilment"), max_length=16, choices=Fulfilment.choices)
    pickup_store = models.ForeignKey(
        "storefront.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pickup_orders",
        verbose_name=_("pickup store"),
    )
    pickup_code = models.CharField(_("pickup code"), max_length=12, null=True, blank=True, unique=True)
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    picked_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    # Totals and unit prices exactly as charged, so a later price change cannot blur what the
    # shopper agreed to.
    price_snapshot = models.JSONField(_("prices at placement"), default=dict)
    stock_state = models.CharField(_("stock"), max_length=16, choices=StockState.choices, default=StockState.ALLOCATED)
    note = models.CharField(_("shopper's note"), max_length=200, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=200, blank=True)
    # Set in the same transaction that counts the order's units as sold (orders.sales), so a
    # task run again after a killed worker counts them once.
    sales_recorded = models.BooleanField(_("sales counted"), default=False)

    class Meta:
        verbose_name = _("order details")
        verbose_name_plural = _("order details")
        constraints = [
            models.CheckConstraint(
                condition=Q(fulfilment="delivery") | Q(pickup_store__isnull=False, pickup_code__isnull=False),
                name="orderinfo_pickup_has_store_and_code",
            ),
        ]

    def __str__(self):
        return str(self.order_id)


class AfterSalesRequest(models.Model):
    """A shopper's refund request for a paid order, decided by operations."""

    class Kind(models.TextChoices):
        REFUND_ONLY = "refund_only", _("Refund only")
        RETURN_AND_REFUND = "return_and_refund", _("Return and refund")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved: refund handed to payments")
        REJECTED = "rejected", _("Rejected")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="after_sales_requests")
    # Kept when the member's account is deleted: refunds are the shop's financial records.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="after_sales_requests"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    # [{"line_id": 1, "quantity": 2}]; empty means the whole order.
    lines = models.JSONField(_("lines"), default=list, blank=True)
    amount = models.DecimalField(_("refund amount"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    restock = models.BooleanField(
        _("put the goods back on sale"),
        default=False,
        help_text=_("Chosen by operations per request: returned goods that can be sold again."),
    )
    # The payment layer's refund number once approval handed the refund over.
    refund_number = models.CharField(_("refund number"), max_length=64, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="pending"), name="one_pending_after_sales_per_order"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="after_sales_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.order.number} {self.get_kind_display()}"


class AfterSalesPhoto(models.Model):
    """A shopper's photo of an after-sales request: private (config/private_media.py), seen
    only by the shopper and by staff allowed to view after-sales requests; stored
    re-encoded under a random name (storefront/orders/photos.py)."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="after-sales/%Y/%m/", storage=private_storage)

    class Meta:
        verbose_name = _("after-sales photo")
        verbose_name_plural = _("after-sales photos")


class OperationsOrder(Order):
    """Oscar's order as operations see it in the Django admin (Oscar registers its own admin
    for `Order`; a proxy gives ours its own screen and permission)."""

    class Meta:
        proxy = True
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        permissions = [("operate_orders", _("Can work orders: cancel, hand over pickups, decide refunds"))]
