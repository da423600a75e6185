"""Alipay times out, fails with a 500 or answers busy (20000, or 40004 aop.ACQ.SYSTEM_ERROR on
trade methods) when the shopper pays or operations refund: paying answers 503 and nothing is
half-made, paying again pays once; a refund waits with its reason and the periodic sweep
refunds it once. The faults come from the sandbox (platforms/sandbox/alipay_views.py)."""

import datetime as dt

import pytest
from oscar.apps.order.models import Order

from platforms.sandbox import faults
from platforms.sandbox.alipay_models import AlipayRefund, AlipayTrade
from storefront.payments.models import PaymentAttempt, PaymentTransaction, Refund
from storefront.payments.refunds import start_refund, sync_open_refunds
from tests.steps import add_to_basket, alipay_login, order_of, pay_alipay, place_order, tea_shop

pytestmark = pytest.mark.django_db

OUTAGES = ["timeout", "http_500", "busy"]


class AlipayStory:
    def __init__(self, api, committed):
        self.api, self.committed = api, committed
        self.shop = tea_shop()
        self.shopper, self.user_id, _login = alipay_login(api)

    def place_pickup_order(self):
        add_to_basket(self.shopper, self.shop.keemun.pk, 1)
        body = {"store_id": self.shop.store.pk, "shipping_method": "pickup", "payment_method": "alipay"}
        placed, _preview, _key = place_order(self.shopper, body)
        return placed["number"]

    def status(self, number):
        return order_of(self.shopper, number)["status"]


@pytest.fixture
def alipay_story(db, api, committed):
    return AlipayStory(api, committed)


@pytest.mark.parametrize("mode", OUTAGES)
def test_alipay_failing_at_prepay_answers_503_and_paying_again_pays_once(alipay_story, mode):
    story = alipay_story
    number = story.place_pickup_order()

    faults.set_fault("alipay", mode)
    response = story.shopper.post(f"/api/v1/orders/{number}/pay/", {"provider": "alipay"}, format="json")
    assert response.status_code == 503, (response.status_code, response.content[:500])
    assert response.json()["error"]["code"] == "platform_unavailable"

    # Nothing half-made on the kit's side: no trade kept, the order still waits for payment.
    assert story.status(number) == "pending_payment"
    assert not PaymentAttempt.objects.filter(order__number=number).exists()
    assert not PaymentTransaction.objects.filter(order__number=number).exists()

    # The shopper taps "pay" again: one trade at Alipay, one payment.
    pay_alipay(story.api, story.shopper, number, story.committed)
    assert story.status(number) == "paid"
    assert AlipayTrade.objects.filter(out_trade_no=number).count() == 1
    assert PaymentTransaction.objects.filter(order__number=number).count() == 1


@pytest.mark.parametrize("mode", OUTAGES)
def test_alipay_failing_at_refund_leaves_it_pending_and_the_sweep_refunds_it_once(alipay_story, mode):
    story = alipay_story
    number = story.place_pickup_order()
    pay_alipay(story.api, story.shopper, number, story.committed)
    assert story.status(number) == "paid"
    order = Order.objects.get(number=number)

    faults.set_fault("alipay", mode)
    with story.committed():
        refund = start_refund(order=order, key="alipay-faults-1", reason="顾客取消")

    # Alipay did not take it: the refund waits with the reason, and no money moved.
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING
    assert refund.error
    assert not AlipayRefund.objects.exists()
    assert story.status(number) == "refunding"

    # The periodic sweep sends it again; a second sweep finds nothing left to send.
    with story.committed():
        sync_open_refunds(older_than=dt.timedelta(0))
    with story.committed():
        sync_open_refunds(older_than=dt.timedelta(0))

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCESS
    assert AlipayRefund.objects.count() == 1
    assert Refund.objects.filter(order=order).count() == 1
    assert story.status(number) == "refunded"

    # Operations asking for the same refund again get the same one, not a second payout.
    with story.committed():
        again = start_refund(order=order, key="alipay-faults-1", reason="顾客取消")
    assert again.pk == refund.pk and AlipayRefund.objects.count() == 1
