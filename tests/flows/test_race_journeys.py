"""A flash sale end to end on PostgreSQL (skipped on SQLite): 30 shoppers who logged in through
the sandbox race for the last 10 units through the HTTP API, and the winners pay with WeChat
Pay at the same time. Exactly ten orders are paid, the stock is gone, and nobody saw a 500."""

import uuid

import pytest
from oscar.apps.order.models import Order
from oscar.apps.partner.models import StockRecord
from rest_framework.test import APIClient

from storefront.payments.models import PaymentTransaction
from tests.concurrency import run_concurrently
from tests.steps import add_address, tea_shop, wechat_login

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOPPERS = 30
UNITS = 10


def test_thirty_shoppers_race_for_ten_units_and_exactly_ten_orders_are_paid():
    shop = tea_shop(stock=UNITS)
    tea = shop.keemun
    platform_side = APIClient()
    shoppers = []
    for _ in range(SHOPPERS):
        client, _openid, _login = wechat_login(platform_side)
        shoppers.append((client, add_address(client)["id"]))

    def buy_and_pay(i):
        client, address_id = shoppers[i]
        statuses = []
        response = client.post("/api/v1/basket/lines/", {"sku": tea.pk, "quantity": 1}, format="json")
        statuses.append(response.status_code)
        if response.status_code != 201:
            return statuses, None
        body = {"address_id": address_id, "shipping_method": "standard", "payment_method": "wechat"}
        response = client.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
        statuses.append(response.status_code)
        if response.status_code != 201:
            assert response.json()["error"]["code"] == "out_of_stock", response.json()
            return statuses, None
        number = response.json()["number"]
        response = client.post(f"/api/v1/orders/{number}/pay/", {"provider": "wechat"}, format="json")
        statuses.append(response.status_code)
        prepay_id = response.json()["params"]["package"].removeprefix("prepay_id=")
        response = APIClient().post(
            "/sandbox/wechatpay/complete/", {"prepay_id": prepay_id, "result": "success"}, format="json"
        )
        statuses.append(response.status_code)
        return statuses, number

    results = run_concurrently(buy_and_pay, times=SHOPPERS, timeout=120)

    assert results.errors == []
    statuses = [status for answer, _number in results.values for status in answer]
    assert not [status for status in statuses if status >= 500], statuses
    numbers = [number for _answer, number in results.values if number]
    assert len(numbers) == UNITS
    assert Order.objects.filter(number__in=numbers, status="paid").count() == UNITS
    assert Order.objects.exclude(number__in=numbers).count() == 0
    assert PaymentTransaction.objects.count() == UNITS
    stock = StockRecord.objects.get(product=tea)
    assert (stock.num_in_stock, stock.num_allocated or 0) == (0, 0)
