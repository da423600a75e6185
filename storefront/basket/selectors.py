"""Reading the member's basket and its totals for the API.

`basket_totals` is the one place totals are computed (basket page, checkout preview and
placement all use it): goods before discounts, the discount actually given, shipping, and
a total that never goes below zero however offers stack.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import prefetch_related_objects
from oscar.apps.basket.models import Basket

from config.money import to_yuan, yuan_str
from storefront.basket.offers import CachedSiteOffersApplicator
from storefront.catalog.selectors import image_prefetches
from storefront.catalog.strategy import get_strategy

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Totals:
    items: Decimal
    discount: Decimal
    shipping: Decimal
    total: Decimal
    currency: str = field(default_factory=lambda: settings.OSCAR_DEFAULT_CURRENCY)

    def as_dict(self):
        return {
            "items": yuan_str(self.items),
            "discount": yuan_str(self.discount),
            "shipping": yuan_str(self.shipping),
            "total": yuan_str(self.total),
            "currency": self.currency,
        }


def basket_totals(basket, shipping=ZERO) -> Totals:
    if basket.pk is None or basket.is_empty:
        return Totals(items=ZERO, discount=ZERO, shipping=ZERO, total=ZERO)
    items = to_yuan(basket.total_incl_tax_excl_discounts or ZERO)
    # Oscar caps each line's discounted price at zero; the discount shown is what was really
    # taken off, never more than the goods, whatever the offers add up to on paper.
    after_discounts = min(max(to_yuan(basket.total_incl_tax or ZERO), ZERO), items)
    shipping = max(to_yuan(shipping), ZERO)
    return Totals(items=items, discount=items - after_discounts, shipping=shipping, total=after_discounts + shipping)


def discounts_of(basket):
    """The offers and vouchers applied, each with the amount it took off."""
    if basket.pk is None:
        return []
    entries = []
    for application in basket.offer_applications:
        if application["result"].affects_shipping:
            continue
        voucher = application.get("voucher")
        entries.append(
            {
                "name": str(application["offer"].name),
                "amount": to_yuan(application["discount"]),
                "voucher_code": voucher.code if voucher else None,
            }
        )
    return entries


# --- loading and pricing a basket (reads: offers are applied in memory, nothing is saved) ---
def strategy_for(member):
    """The pricing and stock strategy for a member's basket and orders (the catalog's)."""
    return get_strategy(user=member)


def prepare(basket, member, *, apply_offers=True):
    """Gives a loaded basket its strategy, its lines with everything pricing and the API read
    (so a basket costs the same number of queries with 1 line or 50), and applies the offers
    and vouchers it qualifies for."""
    basket.strategy = strategy_for(member)
    if basket.pk:
        basket._lines = _lines_queryset(basket)
        # Loaded now, so `is_empty` and `num_lines` count the loaded lines instead of asking
        # the database, and the vouchers once for the offers and the answer.
        len(basket._lines)
        prefetch_related_objects([basket], "vouchers")
        if apply_offers:
            CachedSiteOffersApplicator().apply(basket, member)
    return basket


def _lines_queryset(basket):
    return (
        basket.lines.select_related(
            "stockrecord",
            "product",
            "product__product_class",
            "product__parent",
            "product__parent__product_class",
            "product__listing",
            "product__parent__listing",
        )
        .prefetch_related("attributes", "product__stockrecords", *image_prefetches("product"))
        .order_by("pk")
    )


def find_open_basket(member):
    """The member's open basket, or an unsaved empty one (reads never create a basket)."""
    basket = Basket.open.filter(owner=member).order_by("pk").first() or Basket(owner=member)
    return prepare(basket, member)


def basket_for_member(member):
    """The member's open basket, priced, with offers applied (unsaved and empty if none)."""
    return find_open_basket(member)


def basket_summary(basket) -> dict:
    """The basket as the API shows it (see serializers.basket.BasketSerializer)."""
    from storefront.catalog.serializers import product_image_url

    totals = basket_totals(basket)
    lines = []
    for line in basket.all_lines() if basket.pk else []:
        product = line.product
        availability = line.purchase_info.availability
        lines.append(
            {
                "id": line.pk,
                "sku": product.pk,
                "product_id": product.parent_id or product.pk,
                "title": product.get_title(),
                "image": product_image_url(product),
                "quantity": line.quantity,
                "unit_price": to_yuan(line.unit_price_incl_tax or ZERO),
                "line_total": to_yuan(line.line_price_incl_tax_incl_discounts or ZERO),
                "line_total_before_discounts": to_yuan(line.line_price_incl_tax or ZERO),
                "available": bool(availability.is_purchase_permitted(line.quantity)[0]),
            }
        )
    return {
        "id": basket.pk,
        "lines": lines,
        "num_items": sum(line["quantity"] for line in lines),
        "items": totals.items,
        "discount": totals.discount,
        "total": totals.total,
        "discounts": discounts_of(basket),
        "vouchers": [v.code for v in basket.vouchers.all()] if basket.pk else [],
        "currency": totals.currency,
    }
