"""An unpaid flash-sale order times out after FLASH_SALE_PAY_MINUTES (not the normal 30): the
unpaid-order job cancels it and its units go back to the sale, to the member's limit and to
the fast counter, so the next buyer can have them. Giving back twice gives back once."""

import datetime as dt

import pytest
from django.utils import timezone
from oscar.apps.order.models import Order

from flashsales import services
from flashsales.models import FlashSaleBuyer, FlashSaleOrderLine
from storefront.orders.status import CANCELLED
from storefront.payments.unpaid import cancel_overdue_unpaid_orders
from tests.factories import sku
from tests.flashsales.conftest import buy_fast, counter_left, error_code, item_of, schedule_sale, shopper
from tests.steps import ok

pytestmark = pytest.mark.django_db


def test_an_unpaid_flash_sale_order_times_out_sooner_and_its_unit_goes_back(counter_kind, committed):
    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 1), limit=1)
    buyer = shopper()
    number = ok(buy_fast(buyer, sale, tea), 201)["number"]
    late = shopper()
    assert error_code(buy_fast(late, sale, tea)) == "flash_sale_sold_out"

    # Eleven minutes on, the normal 30 minutes are not over, the sale's 10 are.
    with committed():
        assert cancel_overdue_unpaid_orders(now=timezone.now() + dt.timedelta(minutes=11)) == 1
    order = Order.objects.get(number=number)
    assert order.status == CANCELLED
    item = item_of(sale)
    assert (item.remaining, counter_left(item)) == (1, 1)
    assert FlashSaleBuyer.objects.get(item=item, member=buyer).quantity == 0
    assert FlashSaleOrderLine.objects.get(order=order).state == FlashSaleOrderLine.State.RELEASED

    ok(buy_fast(late, sale, tea), 201)  # the unit is back on sale
    assert item_of(sale).remaining == 0


def test_giving_back_twice_gives_back_once(counter_kind, committed):
    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 3))
    buyer = shopper()
    number = ok(buy_fast(buyer, sale, tea, 2), 201)["number"]
    with committed():
        cancel_overdue_unpaid_orders(now=timezone.now() + dt.timedelta(minutes=11))
    order = Order.objects.get(number=number)
    with committed():
        assert services.give_back_units_of_order(order_id=order.pk) == 0
    item = item_of(sale)
    assert (item.remaining, counter_left(item)) == (3, 3)
