"""Races on PostgreSQL: real threads, real row locks (skipped on SQLite).

At most CONNECTIONS threads hold a database connection at once (the server allows about a
hundred, shared with other test runs); the others wait at the gate and race in as soon as
one finishes, so every request still competes for the same stock rows.
"""

import threading

import pytest
from django.db import connections
from oscar.apps.order.models import Order

from storefront.basket import services as basket_services
from storefront.checkout.models import CheckoutRequest
from storefront.checkout.services import place_order
from storefront.orders.errors import InvalidOrderState
from storefront.orders.status import change_order_status
from storefront.orders.stock import OutOfStock
from storefront.payments import unpaid
from tests.concurrency import run_concurrently
from tests.conftest import client_for
from tests.factories import AddressFactory, MemberFactory, buy, sku, stock_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONNECTIONS = 40


def gated(func):
    gate = threading.BoundedSemaphore(CONNECTIONS)

    def run(i):
        with gate:
            try:
                return func(i)
            finally:
                connections.close_all()

    return run


def shoppers(count, *items):
    """`count` members, each with an address and a basket holding `items` ((product, qty)...)."""
    members = MemberFactory.create_batch(count)
    addresses = [AddressFactory(member=m) for m in members]
    for member in members:
        for product, quantity in items:
            basket_services.add_line(member=member, sku_id=product.pk, quantity=quantity)
    return members, addresses


def test_flash_sale_200_members_for_the_last_50_units_sells_exactly_50():
    tea = sku(stock=50, price="9.90")
    members, addresses = shoppers(200, (tea, 1))

    def attempt(i):
        order, _created = place_order(
            member=members[i], idempotency_key=f"flash-{i}", payment_method="wechat", address_id=addresses[i].pk
        )
        return order.number

    results = run_concurrently(gated(attempt), times=200, timeout=180)
    assert results.count_ok == 50
    assert len(results.errors_of(OutOfStock)) == 150, [
        repr(e) for e in results.errors if not isinstance(e, OutOfStock)
    ][:3]
    assert len(set(results.values)) == 50
    record = stock_of(tea)
    assert (record.num_in_stock, record.num_allocated) == (50, 50)
    assert record.num_in_stock - record.num_allocated == 0
    assert Order.objects.count() == 50 and CheckoutRequest.objects.count() == 50


def test_flash_sale_through_the_api_answers_409_out_of_stock_to_the_losers():
    tea = sku(stock=10)
    members, addresses = shoppers(30, (tea, 1))
    clients = [client_for(m) for m in members]

    def attempt(i):
        response = clients[i].post(
            "/api/v1/checkout/",
            {"address_id": addresses[i].pk, "payment_method": "alipay"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"api-{i}",
        )
        return response.status_code, response.json()

    results = run_concurrently(gated(attempt), times=30, timeout=120)
    assert not results.errors
    statuses = sorted(status for status, _body in results.values)
    assert statuses.count(201) == 10 and statuses.count(409) == 20
    assert {body["error"]["code"] for status, body in results.values if status == 409} == {"out_of_stock"}
    assert stock_of(tea).num_allocated == 10


def test_two_skus_bought_in_opposite_orders_do_not_deadlock():
    green, black = sku(stock=100), sku(stock=100)
    forward, forward_addresses = shoppers(10, (green, 1), (black, 1))
    backward, backward_addresses = shoppers(10, (black, 2), (green, 2))
    members, addresses = forward + backward, forward_addresses + backward_addresses

    def attempt(i):
        return place_order(
            member=members[i], idempotency_key=f"cross-{i}", payment_method="wechat", address_id=addresses[i].pk
        )[0].number

    results = run_concurrently(gated(attempt), times=20, timeout=60)
    assert not results.errors, results.errors[:3]
    assert stock_of(green).num_allocated == 30 and stock_of(black).num_allocated == 30


def test_the_same_idempotency_key_ten_times_at_once_creates_one_order():
    tea = sku(stock=1)
    [member], [address] = shoppers(1, (tea, 1))
    client = client_for(member)

    def attempt(i):
        response = client.post(
            "/api/v1/checkout/",
            {"address_id": address.pk, "payment_method": "wechat"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="double-tap",
        )
        return response.status_code, response.json().get("number")

    results = run_concurrently(gated(attempt), times=10, timeout=60)
    assert not results.errors, results.errors[:3]
    assert {status for status, _number in results.values} == {201}
    assert len({number for _status, number in results.values}) == 1
    assert Order.objects.count() == 1 and stock_of(tea).num_allocated == 1


def test_a_cancellation_racing_a_payment_leaves_a_consistent_order():
    tea = sku(stock=20)
    outcomes = []
    for round_ in range(5):
        member = MemberFactory()
        order = buy(member, tea, 2)

        def cancel_or_pay(i, order=order, member=member):
            if i == 0:
                return unpaid.cancel_unpaid_order(order=Order.objects.get(pk=order.pk), actor=member, reason="race")
            return change_order_status(Order.objects.get(pk=order.pk), "paid", actor="test:notification", reason="race")

        results = run_concurrently(cancel_or_pay, times=2, timeout=30)
        assert results.count_ok == 1 and len(results.errors_of(InvalidOrderState)) == 1, results.errors
        order.refresh_from_db()
        outcomes.append(order.status)
        assert order.status in ("cancelled", "paid")
        assert order.info.stock_state == ("released" if order.status == "cancelled" else "consumed")
    sold = 2 * outcomes.count("paid")
    record = stock_of(tea)
    assert (record.num_in_stock, record.num_allocated) == (20 - sold, 0)
