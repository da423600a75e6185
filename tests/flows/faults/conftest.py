"""Fixtures of the fault stories: a shopper of the tea shop with an order placed and one paid."""

import pytest
from oscar.apps.order.models import Order

from platforms.sandbox import faults
from tests.steps import add_to_basket, order_of, pay_wechat, place_order, tea_shop, wechat_login


@pytest.fixture(autouse=True)
def _no_fault_left_over():
    faults.clear_faults()
    yield
    faults.clear_faults()


@pytest.fixture
def as_a_worker(monkeypatch):
    """Eager tasks run their retries only when errors are not propagated, as in a worker."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


class Story:
    def __init__(self, api, committed):
        self.api, self.committed = api, committed
        self.shop = tea_shop()
        self.shopper, self.openid, _login = wechat_login(api)

    def place_pickup_order(self, quantity=1):
        add_to_basket(self.shopper, self.shop.keemun.pk, quantity)
        body = {"store_id": self.shop.store.pk, "shipping_method": "pickup", "payment_method": "wechat"}
        placed, _preview, _key = place_order(self.shopper, body)
        return placed["number"]

    def paid_pickup_order(self):
        number = self.place_pickup_order()
        pay_wechat(self.api, self.shopper, number, self.committed)
        assert self.status(number) == "paid"
        return number

    def status(self, number):
        return order_of(self.shopper, number)["status"]

    def order(self, number):
        return Order.objects.get(number=number)


@pytest.fixture
def story(db, api, committed):
    return Story(api, committed)
