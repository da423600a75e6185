"""Shipping methods of the shop as an Oscar shipping `Repository`.

Delivery to an address: "standard" (flat rate, free when the goods after discounts reach
the threshold) and "express" (flat rate, never free); both add a surcharge for remote
provinces, which pay it even when standard shipping is otherwise free. Store pickup: "pickup",
no charge. Amounts and provinces come from the "Shipping rates" row operations edit in the
admin, or, without one, from settings (SHIPPING_*).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from oscar.apps.shipping import methods, repository
from oscar.core import prices

from config.money import to_yuan
from storefront.checkout.models import ShippingRates

PICKUP = "pickup"


@dataclass(frozen=True)
class Rates:
    standard: Decimal
    express: Decimal
    free_threshold: Decimal | None
    remote_surcharge: Decimal
    remote_provinces: tuple


def _setting_amount(name):
    value = getattr(settings, name, "")
    return to_yuan(value) if value not in ("", None) else None


def current_rates() -> Rates:
    """The admin's shipping rates when operations set them, else the settings."""
    row = ShippingRates.objects.filter(pk=1).first()
    if row is not None:
        return Rates(
            standard=row.standard_charge,
            express=row.express_charge,
            free_threshold=row.free_threshold,
            remote_surcharge=row.remote_surcharge,
            remote_provinces=tuple(row.province_list),
        )
    return Rates(
        standard=_setting_amount("SHIPPING_STANDARD_CHARGE") or Decimal("0.00"),
        express=_setting_amount("SHIPPING_EXPRESS_CHARGE") or Decimal("0.00"),
        free_threshold=_setting_amount("SHIPPING_FREE_THRESHOLD"),
        remote_surcharge=_setting_amount("SHIPPING_REMOTE_SURCHARGE") or Decimal("0.00"),
        remote_provinces=tuple(settings.SHIPPING_REMOTE_PROVINCES),
    )


def is_remote_province(province: str, remote_provinces) -> bool:
    province = (province or "").strip()
    return any(province.startswith(name) for name in remote_provinces if name)


class DeliveryMethod(methods.Base):
    """A flat-rate delivery method, optionally free above a threshold, plus a remote surcharge."""

    is_tax_known = True

    def __init__(self, *, code, name, charge, free_threshold=None, remote_surcharge=None):
        self.code = code
        self.name = name
        self.charge = charge
        self.free_threshold = free_threshold
        self.remote_surcharge = remote_surcharge or Decimal("0.00")

    def calculate(self, basket):
        # Oscar clamps each line at zero, so the goods total never goes negative here.
        goods = to_yuan(basket.total_incl_tax)
        amount = self.charge
        if self.free_threshold is not None and goods >= self.free_threshold:
            amount = Decimal("0.00")
        amount += self.remote_surcharge
        return prices.Price(currency=settings.OSCAR_DEFAULT_CURRENCY, excl_tax=amount, incl_tax=amount)


class StorePickup(methods.Free):
    code = PICKUP
    name = _("Store pickup")


class Repository(repository.Repository):
    """Pass `store=` for pickup, or `shipping_addr=` (an Address with `province`) for delivery."""

    def get_available_shipping_methods(self, basket, shipping_addr=None, **kwargs):
        if kwargs.get("store") is not None:
            return [StorePickup()]
        rates = current_rates()
        province = getattr(shipping_addr, "province", None) or getattr(shipping_addr, "state", "")
        surcharge = rates.remote_surcharge if is_remote_province(province, rates.remote_provinces) else None
        return [
            DeliveryMethod(
                code="standard",
                name=str(_("Standard delivery")),
                charge=rates.standard,
                free_threshold=rates.free_threshold,
                remote_surcharge=surcharge,
            ),
            DeliveryMethod(
                code="express", name=str(_("Express delivery")), charge=rates.express, remote_surcharge=surcharge
            ),
        ]
