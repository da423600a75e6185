"""Units sold count once per paid order: the counting task may run again (a worker killed
after its work committed gets the message redelivered, a duplicate message) and two runs may
race; the "best-selling" counter still moves by the order's units, once."""

import pytest

from storefront.catalog.models import ProductListing
from storefront.orders import sales, tasks
from storefront.orders.events import order_paid
from storefront.orders.models import OrderInfo
from storefront.orders.receivers import count_sales_of_paid_order
from storefront.orders.status import change_order_status
from tests.concurrency import run_concurrently
from tests.factories import MemberFactory, buy, fill_basket, place, sku


def sold(product):
    return ProductListing.objects.get(product=product).sales_count


def paid_order_of_two(tea):
    order = buy(MemberFactory(), tea, quantity=2)
    change_order_status(order, "paid", actor="test:payment", reason="paid in the test")
    return order


@pytest.mark.django_db
def test_a_paid_order_counted_again_after_a_killed_worker_counts_once(django_capture_on_commit_callbacks):
    tea = sku(stock=10)
    # Once the payment commits, order_paid queues the count (tests run tasks eagerly).
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order_of_two(tea)
    assert sold(tea) == 2
    assert OrderInfo.objects.get(order=order).sales_recorded

    # The worker died before acknowledging: the broker hands the same message out again.
    tasks.record_order_sales.delay(order.pk)
    tasks.record_order_sales.delay(order.pk)

    assert sold(tea) == 2


@pytest.mark.django_db
def test_a_count_that_failed_midway_leaves_the_order_to_be_counted_by_the_retry(monkeypatch):
    tea, teapot = sku(stock=10), sku(stock=10)
    member = MemberFactory()
    fill_basket(member, (tea, 1), (teapot, 1))
    order = place(member)
    real_record_sale = sales.record_sale
    calls = []

    def dies_on_the_second_line(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ConnectionError("database went away")
        real_record_sale(**kwargs)

    monkeypatch.setattr(sales, "record_sale", dies_on_the_second_line)
    with pytest.raises(ConnectionError):
        sales.record_order_sales(order)
    # Nothing half-written: neither line counted, the order not marked.
    assert sold(tea) == 0 and sold(teapot) == 0
    assert not OrderInfo.objects.get(order=order).sales_recorded

    monkeypatch.setattr(sales, "record_sale", real_record_sale)
    assert sales.record_order_sales(order) is True
    assert sales.record_order_sales(order) is False
    assert sold(tea) == 1 and sold(teapot) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_count_the_order_once():

    tea = sku(stock=10)
    # The count is left to the race below: the order is paid with the receiver disconnected.
    order_paid.disconnect(dispatch_uid="orders.count_sales_of_paid_order")
    try:
        order = paid_order_of_two(tea)
    finally:
        order_paid.connect(count_sales_of_paid_order, dispatch_uid="orders.count_sales_of_paid_order")
    assert ProductListing.objects.filter(product=tea, sales_count__gt=0).count() == 0

    results = run_concurrently(lambda i: sales.record_order_sales(order), times=8)

    assert results.errors == []
    assert sorted(results.values) == [False] * 7 + [True]
    assert sold(tea) == 2
