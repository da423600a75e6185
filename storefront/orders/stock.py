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
from oscar.apps.order.models import Line
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


def _settle_allocation(order, new_state, settle, **info_fields):
    """Applies `settle(lines, records)` to the lines of an order still holding its allocation
    (the stock records locked), then records `new_state` and `info_fields` on the order's
    info in one write. The second time it only writes `info_fields`."""
    info = OrderInfo.objects.select_for_update().filter(order=order).first()
    if info is None:
        return
    if info.stock_state != OrderInfo.StockState.ALLOCATED:
        if info_fields:
            OrderInfo.objects.filter(pk=info.pk).update(**info_fields)
        return
    lines = _order_lines_by_record(order)
    records = _lock_records({line.stockrecord_id for line in lines})
    settle([line for line in lines if line.num_allocated], records)
    info.stock_state = new_state
    for name, value in info_fields.items():
        setattr(info, name, value)
    info.save(update_fields=["stock_state", *info_fields])


def release_for_order(order, **info_fields):
    """Gives an unpaid order's allocation back (cancellation). Safe to call twice."""

    def cancel(lines, _records):
        for line in lines:
            line.cancel_allocation(line.num_allocated)

    _settle_allocation(order, OrderInfo.StockState.RELEASED, cancel, **info_fields)


def _consume_lines(lines, records):
    """Oscar's consume_allocation for every line at once, with the records already locked and
    loaded: one update per line and one per stock record, and no re-reading. The record's
    post_save signal is sent as Oscar sends it (low-stock alerts, the catalog's version)."""
    by_record = defaultdict(int)
    for line in lines:
        record = records.get(line.stockrecord_id)
        if record is None or line.allocation_cancelled or not _tracks_stock(record):
            continue
        Line.objects.filter(pk=line.pk).update(num_allocated=Coalesce(F("num_allocated"), 0) - line.num_allocated)
        by_record[record.pk] += line.num_allocated
        line.num_allocated = 0
    for record_id in sorted(by_record):
        quantity = by_record[record_id]
        StockRecord.objects.filter(pk=record_id).update(
            num_allocated=Coalesce(F("num_allocated"), 0) - quantity,
            num_in_stock=Coalesce(F("num_in_stock"), 0) - quantity,
        )
        record = records[record_id]
        record.num_allocated = (record.num_allocated or 0) - quantity
        record.num_in_stock = (record.num_in_stock or 0) - quantity
        record.post_save_signal()


def consume_for_order(order, **info_fields):
    """Turns a paid order's allocation into a sale (num_in_stock -= n, num_allocated -= n).
    Safe to call twice."""
    _settle_allocation(order, OrderInfo.StockState.CONSUMED, _consume_lines, **info_fields)


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
