"""Stock allocation: the one module that changes Oscar's stock records for orders.

Oscar does not lock stock records, so two checkouts can both see the last unit. Every change
here runs inside the caller's transaction and first locks the stock records involved with
`select_for_update`, ordered by primary key: concurrent orders over the same SKUs then queue
in the same order and can neither oversell nor deadlock.

Lifecycle of an order's stock: `allocate_for_basket` at placement (num_allocated += n),
then either `consume_for_order` when paid (num_in_stock -= n, num_allocated -= n) or
`release_for_order` when an unpaid order is cancelled (num_allocated -= n). `restock` puts
returned goods back on sale.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from oscar.apps.partner.models import StockRecord

from storefront.orders.errors import OutOfStock  # noqa: F401
from storefront.orders.models import OrderInfo


def _lock_records(ids):
    """Locks the stock records in primary-key order and returns them by id."""
    # of=("self",): PostgreSQL refuses FOR UPDATE over the outer join to a product's parent.
    records = StockRecord.objects.select_for_update(of=("self",)).filter(pk__in=sorted(ids)).order_by("pk")
    return {
        record.pk: record
        for record in records.select_related("product__product_class", "product__parent__product_class")
    }


def _tracks_stock(record) -> bool:
    product_class = record.product.get_product_class()
    return product_class is None or product_class.track_stock


def allocate_for_basket(basket):
    """Re-checks net stock (num_in_stock - num_allocated) of every line and allocates it.

    Raises OutOfStock (409) naming the short SKUs; nothing is allocated then."""
    assert transaction.get_connection().in_atomic_block, "allocate inside the order transaction"
    demand = defaultdict(int)
    skus = {}
    for line in basket.all_lines():
        demand[line.stockrecord_id] += line.quantity
        skus[line.stockrecord_id] = line.product_id
    records = _lock_records(demand)
    short = []
    for record_id, quantity in demand.items():
        record = records.get(record_id)
        if record is None:
            short.append({"sku": skus[record_id], "available": 0})
            continue
        if not _tracks_stock(record):
            continue
        available = (record.num_in_stock or 0) - (record.num_allocated or 0)
        if available < quantity:
            short.append({"sku": skus[record_id], "available": max(available, 0)})
    if short:
        raise OutOfStock(extra={"items": short})
    for record_id in sorted(demand):
        if _tracks_stock(records[record_id]):
            StockRecord.objects.filter(pk=record_id).update(
                num_allocated=Coalesce(F("num_allocated"), 0) + demand[record_id]
            )


def _order_lines_by_record(order):
    lines = [line for line in order.lines.all() if line.stockrecord_id]
    return sorted(lines, key=lambda line: (line.stockrecord_id, line.pk))


def _settle_allocation(order, new_state, settle_line):
    """Applies `settle_line(line)` to each allocated line of an order still holding its
    allocation, then records `new_state`. Does nothing the second time."""
    info = OrderInfo.objects.select_for_update().get(order=order)
    if info.stock_state != OrderInfo.StockState.ALLOCATED:
        return
    lines = _order_lines_by_record(order)
    _lock_records({line.stockrecord_id for line in lines})
    for line in lines:
        if line.num_allocated:
            settle_line(line)
    info.stock_state = new_state
    info.save(update_fields=["stock_state"])


def release_for_order(order):
    """Gives an unpaid order's allocation back (cancellation). Safe to call twice."""
    _settle_allocation(order, OrderInfo.StockState.RELEASED, lambda line: line.cancel_allocation(line.num_allocated))


def _consume_line(line):
    if line.is_allocation_consumption_possible(line.num_allocated):
        line.consume_allocation(line.num_allocated)


def consume_for_order(order):
    """Turns a paid order's allocation into a sale (Oscar's consume_allocation). Safe to call twice."""
    _settle_allocation(order, OrderInfo.StockState.CONSUMED, _consume_line)


def restock(quantities):
    """Puts goods back on sale: `quantities` maps order lines to the number returned."""
    by_record = defaultdict(int)
    for line, quantity in quantities.items():
        if line.stockrecord_id and quantity > 0:
            by_record[line.stockrecord_id] += quantity
    records = _lock_records(by_record)
    for record_id in sorted(by_record):
        if record_id in records and _tracks_stock(records[record_id]):
            StockRecord.objects.filter(pk=record_id).update(
                num_in_stock=Coalesce(F("num_in_stock"), 0) + by_record[record_id]
            )
