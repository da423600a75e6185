"""The plain checkout respects a flash sale: a SKU in a running sale costs the sale price for
as many units as the sale has left and the member may still buy, the rest at the normal
price; outside the window nothing changes. Placing the order checks again under the sale's
locks, takes the units from the sale, and gives the order the sale's shorter time to pay."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.apps.order.models import Order

from flashsales.models import FlashSaleBuyer, FlashSaleOrderLine
from tests.factories import fill_basket, sku
from tests.flashsales.conftest import counter_left, error_code, item_of, schedule_sale, shopper
from tests.steps import ok

pytestmark = pytest.mark.django_db

PREVIEW, PLACE = "/api/v1/checkout/preview/", "/api/v1/checkout/"


def preview(member):
    return ok(member.api.post(PREVIEW, {"payment_method": "wechat", "address_id": member.address.pk}, format="json"))


def place(member, key="tap-1", **body):
    body = {"payment_method": "wechat", "address_id": member.address.pk, **body}
    return member.api.post(PLACE, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def tea():
    return sku(price="128.00", stock=50)


def test_inside_the_window_the_basket_is_charged_the_sale_price(tea):
    schedule_sale((tea, "59.00", 10))
    buyer = shopper()
    fill_basket(buyer, (tea, 1))
    totals = preview(buyer)
    assert (totals["items"], totals["discount"]) == ("128.00", "69.00")
    assert Decimal(totals["total"]) == Decimal("59.00") + Decimal(totals["shipping"])


@pytest.mark.parametrize(("starts_in", "ends_in"), [(30, 90), (-90, -30)], ids=["not started", "ended"])
def test_outside_the_window_the_normal_price_applies(tea, starts_in, ends_in):
    schedule_sale((tea, "59.00", 10), starts_in=starts_in, ends_in=ends_in)
    buyer = shopper()
    fill_basket(buyer, (tea, 1))
    assert preview(buyer)["discount"] == "0.00"


def test_a_switched_off_sale_gives_no_price(tea):
    schedule_sale((tea, "59.00", 10), active=False)
    buyer = shopper()
    fill_basket(buyer, (tea, 1))
    assert preview(buyer)["discount"] == "0.00"


def test_only_the_units_left_in_the_quota_and_the_members_limit_are_at_the_sale_price(tea):
    schedule_sale((tea, "59.00", 2), limit=5)
    buyer = shopper()
    fill_basket(buyer, (tea, 3))  # two left in the sale: the third at 128.00
    assert preview(buyer)["discount"] == "138.00"

    limited = sku(price="100.00", stock=50)
    schedule_sale((limited, "60.00", 10), limit=1, name="限购一件")
    other = shopper()
    fill_basket(other, (limited, 3))
    assert preview(other)["discount"] == "40.00"


def test_placing_the_order_takes_the_units_and_gives_ten_minutes_to_pay(tea, committed, counter_kind):
    sale = schedule_sale((tea, "59.00", 10))
    buyer = shopper()
    fill_basket(buyer, (tea, 2))
    with committed():  # the fast counter follows once the order is committed
        number = ok(place(buyer), 201)["number"]
    order = Order.objects.get(number=number)
    assert order.total_incl_tax == Decimal("118.00") + order.shipping_incl_tax
    assert order.info.pay_before - order.date_placed < dt.timedelta(minutes=11)  # not the normal 30
    item = item_of(sale)
    assert item.remaining == 8
    assert FlashSaleBuyer.objects.get(item=item, member=buyer).quantity == 2
    assert FlashSaleOrderLine.objects.get(order=order).quantity == 2
    assert counter_left(item) == 8


def test_an_order_without_flash_sale_units_keeps_the_normal_time_to_pay(tea):
    buyer = shopper()
    fill_basket(buyer, (tea, 1))
    number = ok(place(buyer), 201)["number"]
    order = Order.objects.get(number=number)
    assert order.info.pay_before - order.date_placed > dt.timedelta(minutes=20)
    assert not FlashSaleOrderLine.objects.exists()


def test_the_price_is_checked_again_at_placement(tea):
    sale = schedule_sale((tea, "59.00", 10))
    buyer = shopper()
    fill_basket(buyer, (tea, 1))
    seen = preview(buyer)["total"]
    sale.ends_at = timezone.now() - dt.timedelta(seconds=1)  # the sale ended meanwhile
    sale.starts_at = sale.ends_at - dt.timedelta(hours=1)
    sale.save()
    response = place(buyer, expected_total=seen)
    assert (response.status_code, error_code(response)) == (409, "price_changed")
    assert not Order.objects.exists()
    assert item_of(sale).remaining == 10
    assert not FlashSaleOrderLine.objects.exists()
