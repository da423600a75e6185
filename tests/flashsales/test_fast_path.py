"""A shopper buys from a running flash sale through its fast path: the order is placed by
the checkout at the sale price with a shorter time to pay, the unit leaves the sale and its
counter; a buyer who cannot get a unit is answered 409 `flash_sale_sold_out` with nothing
written, and a placement refused later gives the unit back to the counter. Each story runs
over the database counter and over Redis where it runs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from oscar.apps.order.models import Order

from flashsales.models import FlashSaleBuyer, FlashSaleOrderLine
from storefront.checkout.models import CheckoutRequest
from tests.factories import fill_basket, sku, stock_of
from tests.flashsales.conftest import buy_fast, counter_left, error_code, item_of, schedule_sale, shopper
from tests.steps import ok

pytestmark = pytest.mark.django_db


def test_a_winner_gets_an_order_at_the_sale_price_with_ten_minutes_to_pay(counter_kind):
    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 5))
    buyer = shopper()
    order = ok(buy_fast(buyer, sale, tea, 2), 201)

    placed = Order.objects.get(number=order["number"])
    assert placed.user == buyer
    assert placed.total_incl_tax == Decimal("118.00") + placed.shipping_incl_tax
    assert placed.info.pay_before - placed.date_placed < dt.timedelta(minutes=11)  # not the normal 30
    item = item_of(sale)
    assert item.remaining == 3
    assert counter_left(item) == 3
    assert FlashSaleBuyer.objects.get(item=item, member=buyer).quantity == 2
    assert list(FlashSaleOrderLine.objects.values_list("order__number", "quantity", "sale_price")) == [
        (placed.number, 2, Decimal("59.00"))
    ]
    assert stock_of(tea).num_allocated == 2


def test_the_fast_path_leaves_the_shoppers_basket_as_it_was(counter_kind):
    tea, cup = sku(price="128.00"), sku(price="30.00")
    sale = schedule_sale((tea, "59.00", 5))
    buyer = shopper()
    fill_basket(buyer, (cup, 1))
    ok(buy_fast(buyer, sale, tea), 201)
    basket = ok(buyer.api.get("/api/v1/basket/"))
    assert [line["sku"] for line in basket["lines"]] == [cup.pk]


def test_when_the_units_are_gone_the_next_buyer_is_answered_sold_out_without_an_order(counter_kind):
    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 1))
    ok(buy_fast(shopper(), sale, tea), 201)
    late = shopper()
    response = buy_fast(late, sale, tea)
    assert (response.status_code, error_code(response)) == (409, "flash_sale_sold_out")
    assert Order.objects.count() == 1
    assert not CheckoutRequest.objects.filter(member=late).exists()
    assert stock_of(tea).num_allocated == 1
    assert counter_left(item_of(sale)) == 0


def test_a_placement_refused_after_the_counter_gives_the_unit_back(counter_kind):
    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 1))
    buyer, other = shopper(), shopper()
    response = buy_fast(buyer, sale, tea, address_id=other.address.pk)  # not the buyer's address
    assert (response.status_code, error_code(response)) == (404, "address_not_found")
    item = item_of(sale)
    assert (item.remaining, counter_left(item)) == (1, 1)
    assert not Order.objects.exists()
    ok(buy_fast(other, sale, tea), 201)  # the unit is still there for someone


def test_the_stock_running_out_before_the_quota_answers_out_of_stock_and_gives_the_unit_back(counter_kind):
    tea = sku(price="128.00", stock=1)
    sale = schedule_sale((tea, "59.00", 5))
    ok(buy_fast(shopper(), sale, tea), 201)
    response = buy_fast(shopper(), sale, tea)
    assert (response.status_code, error_code(response)) == (409, "out_of_stock")
    assert counter_left(item_of(sale)) == 4


def test_a_retried_request_returns_the_same_order_and_takes_nothing_twice(counter_kind):
    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 5))
    buyer = shopper()
    first = ok(buy_fast(buyer, sale, tea, key="tap-1"), 201)
    again = buy_fast(buyer, sale, tea, key="tap-1")
    assert ok(again, 201)["number"] == first["number"]
    assert again["Idempotent-Replayed"] == "true"
    item = item_of(sale)
    assert (item.remaining, counter_left(item), Order.objects.count()) == (4, 4, 1)
    other_body = buy_fast(buyer, sale, tea, 2, key="tap-1")
    assert (other_body.status_code, error_code(other_body)) == (409, "idempotency_key_reused")


def test_the_per_member_limit_holds_across_orders(counter_kind):
    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 10), limit=2)
    buyer = shopper()
    ok(buy_fast(buyer, sale, tea, 2), 201)
    response = buy_fast(buyer, sale, tea, 1)
    assert (response.status_code, error_code(response)) == (409, "flash_sale_limit_reached")
    item = item_of(sale)
    assert (item.remaining, counter_left(item), Order.objects.count()) == (8, 8, 1)


def test_an_order_from_the_fast_path_is_its_buyers_alone(counter_kind):
    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 5))
    buyer, stranger = shopper(), shopper()
    number = ok(buy_fast(buyer, sale, tea), 201)["number"]
    assert ok(buyer.api.get(f"/api/v1/orders/{number}/"))["number"] == number
    assert stranger.api.get(f"/api/v1/orders/{number}/").status_code == 404
    assert number not in str(ok(stranger.api.get("/api/v1/orders/")))
    assert Order.objects.get(number=number).user == buyer


def test_the_counter_is_rebuilt_from_the_database(counter_kind):
    from flashsales.counter import get_counter

    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 5))
    ok(buy_fast(shopper(), sale, tea), 201)
    item = item_of(sale)
    get_counter().set(item.pk, 0)  # drifted (Redis emptied and refilled wrong, say)
    call_command("rebuild_flash_sale_counters")
    assert counter_left(item) == 4
    ok(buy_fast(shopper(), sale, tea), 201)
