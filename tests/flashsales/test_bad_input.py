"""Bad input on the fast path is a 4xx with a stable code and writes nothing: no order, no
idempotency claim, the sale's units, the member's count and the fast counter as they were."""

import pytest
from oscar.apps.order.models import Order

from flashsales.models import FlashSaleBuyer
from storefront.checkout.models import CheckoutRequest
from tests.factories import sku
from tests.flashsales.conftest import SALES, buy_fast, counter_left, error_code, schedule_sale, shopper

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea():
    return sku(price="128.00", stock=50)


def assert_nothing_written(sale):
    assert not Order.objects.exists()
    assert not CheckoutRequest.objects.exists()
    assert not FlashSaleBuyer.objects.filter(quantity__gt=0).exists()
    for item in sale.items.all():
        assert item.remaining == item.quantity
        assert counter_left(item) in (None, item.quantity)


def test_more_than_the_per_member_limit_in_one_order(counter_kind, tea):
    sale = schedule_sale((tea, "59.00", 10), limit=2)
    response = buy_fast(shopper(), sale, tea, 3)
    assert (response.status_code, error_code(response)) == (400, "flash_sale_quantity_over_limit")
    assert response.json()["error"]["limit"] == 2
    assert_nothing_written(sale)


def test_a_sale_that_has_not_started(counter_kind, tea):
    sale = schedule_sale((tea, "59.00", 10), starts_in=30, ends_in=90)
    response = buy_fast(shopper(), sale, tea)
    assert (response.status_code, error_code(response)) == (409, "flash_sale_not_started")
    assert_nothing_written(sale)


def test_a_sale_that_has_ended(counter_kind, tea):
    sale = schedule_sale((tea, "59.00", 10), starts_in=-90, ends_in=-30)
    response = buy_fast(shopper(), sale, tea)
    assert (response.status_code, error_code(response)) == (409, "flash_sale_ended")
    assert_nothing_written(sale)


def test_a_sku_that_is_not_in_the_sale(counter_kind, tea):
    sale = schedule_sale((tea, "59.00", 10))
    response = buy_fast(shopper(), sale, sku(price="30.00"))
    assert (response.status_code, error_code(response)) == (400, "sku_not_in_flash_sale")
    assert_nothing_written(sale)


def test_a_sale_that_does_not_exist_or_is_switched_off(counter_kind, tea):
    sale = schedule_sale((tea, "59.00", 10), active=False)
    response = buy_fast(shopper(), sale, tea)
    assert (response.status_code, error_code(response)) == (404, "flash_sale_not_found")
    buyer = shopper()
    response = buyer.api.post(
        f"{SALES}999999/orders/",
        {"sku": tea.pk, "payment_method": "wechat", "address_id": buyer.address.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert (response.status_code, error_code(response)) == (404, "flash_sale_not_found")
    assert_nothing_written(sale)


@pytest.mark.parametrize("quantity", [0, -1, "2.5", True])
def test_a_quantity_that_is_not_a_whole_positive_number(counter_kind, tea, quantity):
    sale = schedule_sale((tea, "59.00", 10))
    response = buy_fast(shopper(), sale, tea, quantity)
    assert (response.status_code, error_code(response)) == (400, "invalid_input")
    assert_nothing_written(sale)


def test_no_idempotency_key(counter_kind, tea):
    sale = schedule_sale((tea, "59.00", 10))
    buyer = shopper()
    response = buyer.api.post(
        f"{SALES}{sale.pk}/orders/",
        {"sku": tea.pk, "payment_method": "wechat", "address_id": buyer.address.pk},
        format="json",
    )
    assert (response.status_code, error_code(response)) == (400, "idempotency_key_required")
    assert_nothing_written(sale)


def test_a_stranger_cannot_buy(tea):
    from rest_framework.test import APIClient

    sale = schedule_sale((tea, "59.00", 10))
    response = APIClient().post(f"{SALES}{sale.pk}/orders/", {"sku": tea.pk}, format="json")
    assert response.status_code == 401
    assert_nothing_written(sale)
