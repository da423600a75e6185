"""The pricing and stock strategy of the shop: Oscar's, with the listing's crossed-out price.

Everything that shows or charges a price asks `get_strategy()` for it, so a brand with its
own rules (member prices, a second warehouse) writes a class of Oscar's `Structured` family
and points `CATALOG_STRATEGY` at it. The catalog never calls `fetch_for_parent` (it would
query per product): it passes each SKU's prefetched stock record to `fetch_for_product`.
"""

from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string
from oscar.apps.partner import prices, strategy


class ShelfPrice(prices.FixedPrice):
    """A fixed price that may carry the higher "original" price shown crossed out."""

    def __init__(self, currency, excl_tax, tax=None, original=None):
        super().__init__(currency, excl_tax, tax)
        self.original = original if original is not None and original > excl_tax else None


class OriginalPriceNoTax(strategy.NoTax):
    """Oscar's tax-free pricing from the stock record, plus the listing's original price."""

    def pricing_policy(self, product, stockrecord):
        if not stockrecord or stockrecord.price is None:
            return prices.Unavailable()
        original = None
        listing = _cached_listing(product)
        if listing is not None:
            original = listing.original_price
        return ShelfPrice(stockrecord.price_currency, stockrecord.price, Decimal("0.00"), original=original)


def _cached_listing(product):
    """The product's listing when it was loaded with the product (no query otherwise)."""
    return product._state.fields_cache.get("listing")


class StorefrontStrategy(strategy.UseFirstStockRecord, strategy.StockRequired, OriginalPriceNoTax, strategy.Structured):
    """The default strategy: first stock record, stock required, no tax (prices include VAT)."""


def get_strategy(request=None, user=None, **kwargs):
    strategy_class = import_string(
        getattr(settings, "CATALOG_STRATEGY", "storefront.catalog.strategy.StorefrontStrategy")
    )
    instance = strategy_class(request)
    if user is not None:
        instance.user = user
    return instance
