"""Flash-sale prices at checkout: the one module of flashsales the storefront imports.

`storefront.checkout.services` asks `quote_flash_sale` what the basket's SKUs in a running
sale save (preview and placement), then `take_units` inside the order's transaction. The
sale price applies to as many units as the sale has left and the member may still buy; the
rest of a line is at the normal price. Placing the order locks the sale items and the
member's rows first, so the quote it charges is the one it takes the units for.

The flash-sale fast path (flashsales.services.place_flash_sale_order) places its order
through the same checkout and so through these two calls; it has already taken its units
from the fast counter, which `counter_taken` tells `take_units`.
"""

import contextlib
import contextvars
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from flashsales import selectors
from flashsales.counter import get_counter
from flashsales.errors import FlashSaleSoldOut
from flashsales.models import FlashSaleBuyer, FlashSaleItem, FlashSaleOrderLine
from storefront.orders.models import OrderInfo

ZERO = Decimal("0.00")
# {item id: units} already taken from the fast counter by the caller (the fast path).
_taken_from_counter = contextvars.ContextVar("flash_sale_taken_from_counter", default=None)


@dataclass(frozen=True)
class FlashLine:
    item_id: int
    sale_id: int
    sku: int
    units: int
    sale_price: Decimal
    saving: Decimal


@dataclass(frozen=True)
class FlashQuote:
    lines: tuple = field(default_factory=tuple)

    @property
    def saving(self) -> Decimal:
        return sum((line.saving for line in self.lines), ZERO)

    def units_of(self, item_id) -> int:
        return sum(line.units for line in self.lines if line.item_id == item_id)

    def as_dict(self) -> dict:
        return {
            "saving": f"{self.saving:.2f}",
            "lines": [
                {"sale": ln.sale_id, "sku": ln.sku, "units": ln.units, "sale_price": f"{ln.sale_price:.2f}"}
                for ln in self.lines
            ],
        }


NO_FLASH_SALE = FlashQuote()


@contextlib.contextmanager
def counter_taken(units_by_item):
    token = _taken_from_counter.set(dict(units_by_item))
    try:
        yield
    finally:
        _taken_from_counter.reset(token)


def _lock_buyers(member, items):
    FlashSaleBuyer.objects.bulk_create(
        [FlashSaleBuyer(item=item, member=member) for item in items], ignore_conflicts=True
    )
    rows = FlashSaleBuyer.objects.select_for_update().filter(member=member, item__in=items).order_by("item_id")
    return {row.item_id: row.quantity for row in rows}


def quote_flash_sale(*, member, basket, lock=False, now=None) -> FlashQuote:
    """What the running flash sales take off the basket. With `lock` (placing the order,
    inside its transaction) the sale items and the member's rows are locked, in id order."""
    lines = list(basket.all_lines())
    if not lines:
        return NO_FLASH_SALE
    items = selectors.running_items_for_skus([line.product_id for line in lines], now=now, lock=lock)
    if not items:
        return NO_FLASH_SALE
    ordered = sorted(items.values(), key=lambda item: item.pk)
    if lock:
        bought = _lock_buyers(member, ordered)
    else:
        bought = selectors.bought_by(member, [item.pk for item in ordered])
    found = []
    for line in lines:
        item = items.get(line.product_id)
        if item is None:
            continue
        may_buy = (
            item.sale.per_member_limit - bought.get(item.pk, 0) - sum(f.units for f in found if f.item_id == item.pk)
        )
        units = max(min(line.quantity, item.remaining, may_buy), 0)
        unit_price = line.unit_price_incl_tax
        if not units or unit_price is None or item.sale_price >= unit_price:
            continue
        saving = (unit_price - item.sale_price) * units
        found.append(FlashLine(item.pk, item.sale_id, line.product_id, units, item.sale_price, saving))
    return FlashQuote(lines=tuple(found)) if found else NO_FLASH_SALE


def take_units(*, member, order, quote: FlashQuote) -> None:
    """Inside the order's transaction: the quoted units leave the sale (the database is the
    truth), the member's count goes up and the order gets the sale's shorter time to pay."""
    if not quote.lines:
        return
    already = _taken_from_counter.get() or {}
    counter = get_counter()
    for line in quote.lines:
        taken = FlashSaleItem.objects.filter(pk=line.item_id, remaining__gte=line.units).update(
            remaining=F("remaining") - line.units
        )
        if not taken:  # the rows are locked by the quote: only a bug reaches this
            raise FlashSaleSoldOut()
        FlashSaleBuyer.objects.filter(item_id=line.item_id, member=member).update(quantity=F("quantity") + line.units)
        FlashSaleOrderLine.objects.create(
            order=order, item_id=line.item_id, member=member, quantity=line.units, sale_price=line.sale_price
        )
        extra = line.units - already.get(line.item_id, 0)
        if extra > 0:  # the plain checkout: keep the fast counter in step once committed
            transaction.on_commit(lambda item_id=line.item_id, n=extra: counter.drain(item_id, n), robust=True)
    pay_before = timezone.now() + timedelta(minutes=settings.FLASH_SALE_PAY_MINUTES)
    OrderInfo.objects.filter(order=order, pay_before__gt=pay_before).update(pay_before=pay_before)
