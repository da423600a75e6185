"""What checkout keeps besides the order: the idempotency claim of a placement request and
the delivery charges operations set in the admin."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from oscar.apps.order.models import Order


class CheckoutRequest(models.Model):
    """The claim of an `Idempotency-Key` by a member, written first in the placement
    transaction: a second request with the same key waits on this row's unique index and then
    replays the first one's order instead of placing another."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkout_requests")
    idempotency_key = models.CharField(max_length=64)
    # sha256 of the request body: the same key with another body is a client bug, refused.
    fingerprint = models.CharField(max_length=64)
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, null=True, blank=True, related_name="checkout_request"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("checkout request")
        verbose_name_plural = _("checkout requests")
        constraints = [
            models.UniqueConstraint(fields=["member", "idempotency_key"], name="checkout_key_unique_per_member"),
        ]


class ShippingRates(models.Model):
    """Delivery charges operations change in the admin without a deploy. One row at most;
    without it the SHIPPING_* settings apply (storefront/checkout/shipping.py reads this first)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    standard_charge = models.DecimalField(_("standard delivery charge"), max_digits=8, decimal_places=2)
    express_charge = models.DecimalField(_("express delivery charge"), max_digits=8, decimal_places=2)
    free_threshold = models.DecimalField(
        _("free standard delivery from"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Goods total after discounts; empty: standard delivery is never free."),
    )
    remote_surcharge = models.DecimalField(_("remote province surcharge"), max_digits=8, decimal_places=2)
    remote_provinces = models.CharField(
        _("remote provinces"),
        max_length=500,
        blank=True,
        help_text=_("Province name beginnings separated by commas, e.g. 新疆,西藏,青海,内蒙古."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shipping rates")
        verbose_name_plural = _("shipping rates")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="shipping_rates_single_row"),
            models.CheckConstraint(
                condition=Q(standard_charge__gte=0, express_charge__gte=0, remote_surcharge__gte=0)
                & (Q(free_threshold__isnull=True) | Q(free_threshold__gte=0)),
                name="shipping_rates_not_negative",
            ),
        ]

    def __str__(self):
        return str(_("Shipping rates"))

    @property
    def province_list(self):
        return [name.strip() for name in self.remote_provinces.replace("，", ",").split(",") if name.strip()]
