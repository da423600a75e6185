"""Everything that writes flash-sale data: the fast path's order, giving units back when an
order is cancelled, rebuilding the fast counter, and the marketer's quantity changes.

The fast path (`place_flash_sale_order`): check the sale, the SKU and the quantity (nothing
written on bad input), take the units from the fast counter (losers get 409
`flash_sale_sold_out` here, never reaching the order transaction), then place a one-line
order through the checkout's own `place_order`, whose flash-sale hook (flashsales.checkout)
takes the units from the database under the item's row lock. If anything refuses the order,
the units go back to the counter.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from oscar.apps.order.models import Order

from flashsales import selectors
from flashsales.checkout import counter_taken
from flashsales.counter import get_counter
from flashsales.errors import FlashSaleLimitReached, FlashSaleQuantityOverLimit, FlashSaleSoldOut
from flashsales.models import FlashSale, FlashSaleBuyer, FlashSaleItem, FlashSaleOrderLine
from storefront.checkout import services as checkout_services
from storefront.checkout.models import CheckoutRequest

logger = logging.getLogger(__name__)


def place_flash_sale_order(
    *,
    member,
    sale_id,
    sku_id,
    quantity,
    idempotency_key,
    payment_method,
    address_id=None,
    store_id=None,
    shipping_method=None,
    note="",
):
    """Places an order of `quantity` units of one SKU at the sale price. Returns (order, created)."""
    item = selectors.sale_item(sale_id=sale_id, sku_id=sku_id)
    limit = item.sale.per_member_limit
    if quantity > limit:
        raise FlashSaleQuantityOverLimit(
            f"At most {limit} per member.", fields={"quantity": f"每人限购 {limit} 件。"}, extra={"limit": limit}
        )
    placement = {
        "member": member,
        "idempotency_key": idempotency_key,
        "payment_method": payment_method,
        "address_id": address_id,
        "store_id": store_id,
        "shipping_method": shipping_method,
        "note": note,
        "lines": [[sku_id, quantity]],
        "coupon_id": None,  # the sale price is the offer: no coupon on top
    }
    if CheckoutRequest.objects.filter(member=member, idempotency_key=idempotency_key).exists():
        # A retry of a placed request: the checkout answers the first order (or 409 for
        # another body) without the counter.
        return checkout_services.place_order(**placement)
    bought = selectors.bought_by(member, [item.pk]).get(item.pk, 0)
    if bought + quantity > limit:
        raise FlashSaleLimitReached(extra={"limit": limit, "bought": bought})
    counter = get_counter()
    if not counter.take(item.pk, quantity):
        raise FlashSaleSoldOut(extra={"sku": sku_id})
    try:
        with transaction.atomic(), counter_taken({item.pk: quantity}):
            order, created = checkout_services.place_order(**placement)
            if created:
                _check_units_taken(order=order, item=item, member=member, quantity=quantity, limit=limit)
    except BaseException:
        counter.give_back(item.pk, quantity)
        raise
    if not created:  # the first request took the units; this one's go back
        counter.give_back(item.pk, quantity)
    return order, created


def _check_units_taken(*, order, item, member, quantity, limit):
    """The order holds its units at the sale price, or it is refused (and rolled back)."""
    held = FlashSaleOrderLine.objects.filter(order=order, item=item).values_list("quantity", flat=True).first() or 0
    if held == quantity:
        return
    bought = FlashSaleBuyer.objects.filter(item=item, member=member).values_list("quantity", flat=True).first() or 0
    if bought - held + quantity > limit:
        raise FlashSaleLimitReached(extra={"limit": limit, "bought": bought - held})
    raise FlashSaleSoldOut(extra={"sku": item.sku_id})


def give_back_units_of_order(*, order_id) -> int:
    """A cancelled order's flash-sale units go back to the sale and to the member's limit.
    Safe to call twice (the lines are marked released). Returns the units given back."""
    order = Order.objects.filter(pk=order_id).only("status").first()
    if order is None:
        return 0
    returned = []
    with transaction.atomic():
        lines = list(
            FlashSaleOrderLine.objects.select_for_update()
            .filter(order_id=order_id, state=FlashSaleOrderLine.State.HELD)
            .order_by("item_id")
        )
        for line in lines:
            FlashSaleItem.objects.filter(pk=line.item_id).update(remaining=F("remaining") + line.quantity)
            FlashSaleBuyer.objects.filter(
                item_id=line.item_id, member_id=line.member_id, quantity__gte=line.quantity
            ).update(quantity=F("quantity") - line.quantity)
            line.state = FlashSaleOrderLine.State.RELEASED
            line.save(update_fields=["state"])
            returned.append((line.item_id, line.quantity))
        counter = get_counter()
        for item_id, units in returned:
            transaction.on_commit(lambda i=item_id, n=units: counter.give_back(i, n), robust=True)
    return sum(units for _item, units in returned)


def rebuild_counters(*, sale_id=None) -> int:
    """Sets the fast counter of every item of the sales not yet ended from `remaining` (the
    database). Returns how many items were set."""
    items = FlashSaleItem.objects.filter(sale__ends_at__gt=timezone.now())
    if sale_id is not None:
        items = FlashSaleItem.objects.filter(sale_id=sale_id)
    counter = get_counter()
    count = 0
    for item_id, remaining in items.values_list("pk", "remaining"):
        counter.set(item_id, remaining)
        count += 1
    return count


def change_item_quantity(*, item, quantity) -> FlashSaleItem:
    """The marketer changes the quantity set aside: `remaining` moves by the same amount
    (never below what orders already hold), and the fast counter follows once committed."""
    with transaction.atomic():
        locked = FlashSaleItem.objects.select_for_update().get(pk=item.pk)
        held = locked.quantity - locked.remaining
        quantity = max(int(quantity), held)
        locked.quantity = quantity
        locked.remaining = quantity - held
        locked.save(update_fields=["quantity", "remaining"])
        transaction.on_commit(lambda: get_counter().set(locked.pk, locked.remaining), robust=True)
    return locked


def sale_saved(*, sale: FlashSale) -> None:
    """After the admin saved a sale: its counters start from the database."""
    transaction.on_commit(lambda: rebuild_counters(sale_id=sale.pk), robust=True)


def move_buyers(*, source_id, target_id) -> int:
    """Two members became one: what the absorbed member bought at sale prices counts for the
    survivor, so the per-member limit covers both accounts together (the survivor may end up
    above the limit; they then buy no more). Each row moves once: the absorbed member's rows
    are summed onto the survivor's and deleted in one transaction, so a second run finds
    nothing. Returns how many items moved."""
    with transaction.atomic():
        moving = list(FlashSaleBuyer.objects.select_for_update().filter(member_id=source_id).order_by("item_id"))
        for row in moving:
            held, created = FlashSaleBuyer.objects.select_for_update().get_or_create(
                item_id=row.item_id, member_id=target_id, defaults={"quantity": row.quantity}
            )
            if not created:
                FlashSaleBuyer.objects.filter(pk=held.pk).update(quantity=F("quantity") + row.quantity)
            row.delete()
        FlashSaleOrderLine.objects.filter(member_id=source_id).update(member_id=target_id)
    return len(moving)
