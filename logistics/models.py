"""Logistics data: carriers, shipments (which order lines went in which parcel), the
tracking timeline of each parcel, the WeChat shipping uploads and the notices sent.

Oscar's order stays the record of what was sold; a `Shipment` says which of its lines (and
how many units of each) left in one parcel. The units shipped of a line never exceed the
units ordered: `services.ship_order` checks it under a lock on the order.
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.order.models import Order


class Carrier(models.Model):
    """A courier company, with its codes at WeChat and at the tracking provider."""

    code = models.CharField(
        _("code"), max_length=16, unique=True, help_text=_("Our code, used in CSV imports: SF, ZTO, ...")
    )
    name = models.CharField(_("name"), max_length=64)
    wechat_company_id = models.CharField(
        _("WeChat express_company"), max_length=32, help_text=_("The id WeChat's shipping upload expects.")
    )
    tracking_code = models.CharField(_("tracking provider code"), max_length=32, help_text=_("e.g. shunfeng"))
    number_pattern = models.CharField(
        _("tracking number format"),
        max_length=200,
        help_text=_("Regular expression a tracking number must match in full."),
    )
    number_example = models.CharField(_("example number"), max_length=40, blank=True)
    # SF (and its tracking queries) want the recipient's phone with the number.
    needs_phone = models.BooleanField(_("needs the recipient's phone"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self):
        return self.name

    def accepts_number(self, number: str) -> bool:
        return bool(number) and re.fullmatch(self.number_pattern, number) is not None


class TrackingStatus(models.TextChoices):
    WAITING = "waiting", _("Handed to the carrier, no scan yet")
    ACCEPTED = "accepted", _("Accepted by the carrier")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Returned")
    EXCEPTION = "exception", _("Exception")


class Shipment(models.Model):
    """One parcel of an order with one carrier and tracking number."""

    class Source(models.TextChoices):
        ADMIN = "admin", _("Admin")
        IMPORT = "import", _("CSV/Excel import")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("order"))
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("carrier"))
    tracking_number = models.CharField(_("tracking number"), max_length=40)
    status = models.CharField(
        _("tracking status"),
        max_length=20,
        choices=TrackingStatus.choices,
        default=TrackingStatus.WAITING,
        db_index=True,
    )
    shipped_at = models.DateTimeField(_("shipped at"), default=timezone.now, db_index=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shipped by"),
    )
    source = models.CharField(_("entered through"), max_length=8, choices=Source.choices, default=Source.ADMIN)
    # Whether this parcel completed the order (the last of a split delivery).
    completes_order = models.BooleanField(_("completes the order"), default=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last tracking event"), null=True, blank=True, db_index=True)
    last_checked_at = models.DateTimeField(_("last heard from the provider"), null=True, blank=True)
    subscribed_at = models.DateTimeField(_("tracking subscribed at"), null=True, blank=True)
    subscribe_error = models.CharField(_("tracking subscription error"), max_length=255, blank=True)

    class Meta:
        ordering = ["-shipped_at", "-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_tracking_number_unique"),
        ]

    def __str__(self):
        return f"{self.carrier.code} {self.tracking_number}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey("order.Line", on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("shipped line")
        verbose_name_plural = _("shipped lines")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line"], name="shipment_line_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.line_id} x {self.quantity}"


class TrackingEvent(models.Model):
    """One scan of a parcel. Push and poll report the same events again and again: the
    fingerprint (time and text) makes each one count once."""

    class Source(models.TextChoices):
        PUSH = "push", _("Provider push")
        POLL = "poll", _("Polling")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    happened_at = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=20, choices=TrackingStatus.choices)
    text = models.CharField(_("text"), max_length=500)
    place = models.CharField(_("place"), max_length=200, blank=True)
    raw_status = models.CharField(_("provider status"), max_length=32, blank=True)
    fingerprint = models.CharField(max_length=40)
    source = models.CharField(_("learnt from"), max_length=8, choices=Source.choices)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-happened_at", "-id"]
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "fingerprint"], name="tracking_event_once"),
        ]

    def __str__(self):
        return f"{self.happened_at:%Y-%m-%d %H:%M} {self.text}"


class WechatShippingUpload(models.Model):
    """Shipping information owed to WeChat for a WeChat-paid order: one per parcel, or one
    for the whole order when it is picked up in store or virtual."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        UPLOADED = "uploaded", _("Uploaded")
        FAILED = "failed", _("Failed")

    class LogisticsType(models.IntegerChoices):
        EXPRESS = 1, _("Express")
        SAME_CITY = 2, _("Same-city delivery")
        VIRTUAL = 3, _("Virtual goods")
        PICKUP = 4, _("Store pickup")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="wechat_shipping_uploads", verbose_name=_("order")
    )
    shipment = models.OneToOneField(
        Shipment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wechat_upload",
        verbose_name=_("shipment"),
    )
    logistics_type = models.PositiveSmallIntegerField(_("logistics type"), choices=LogisticsType.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(
        _("not before"), help_text=_("WeChat refuses uploads sooner than a minute after payment.")
    )
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    error = models.CharField(_("platform error"), max_length=500, blank=True)
    payload = models.JSONField(_("last payload sent"), default=dict, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("WeChat shipping upload")
        verbose_name_plural = _("WeChat shipping uploads")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(shipment__isnull=True), name="wechat_upload_one_without_parcel_per_order"
            ),
        ]

    def __str__(self):
        return f"{self.order.number} {self.get_logistics_type_display()} {self.get_state_display()}"


class ShippingNotice(models.Model):
    """A subscribe message about an order's shipping; the unique key makes it go out once."""

    class Kind(models.TextChoices):
        SHIPPED = "shipped", _("Order shipped")
        DELIVERED = "delivered", _("Order delivered")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipping_notices")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shipping notice")
        verbose_name_plural = _("shipping notices")
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="shipping_notice_once")]

    def __str__(self):
        return f"{self.order_id} {self.kind}"


# --- admin screens ------------------------------------------------------------------------
class OrderToShip(Order):
    """Operations' "to ship" queue: paid orders not yet fully shipped."""

    class Meta:
        proxy = True
        verbose_name = _("order to ship")
        verbose_name_plural = _("orders to ship")
        permissions = [("ship_orders", _("Can ship orders and import shipments"))]


class ParcelNeedingAttention(Shipment):
    """Parcels that stopped moving or are in exception."""

    class Meta:
        proxy = True
        verbose_name = _("parcel needing attention")
        verbose_name_plural = _("parcels needing attention")


class FailedWechatShippingUpload(WechatShippingUpload):
    class Meta:
        proxy = True
        verbose_name = _("failed WeChat shipping upload")
        verbose_name_plural = _("failed WeChat shipping uploads")
