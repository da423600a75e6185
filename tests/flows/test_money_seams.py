"""Money and stock at the seams between checkout, payments and the two providers: a shopper who
tries to pay one order on both platforms, and units that go back on the shelf when an order is
cancelled."""

import pytest
from oscar.apps.partner.models import StockRecord

from platforms.sandbox.models import PayTrade
from storefront.models import PaymentProblem, PaymentTransaction, Refund
from tests.flows.factories import (
    add_address,
    add_to_basket,
    alipay_login,
    bearer,
    bind_alipay_phone,
    bind_wechat_phone,
    new_phone,
    ok,
    order_of,
    place_order,
    tea_shop,
    wechat_login,
)

pytestmark = pytest.mark.django_db


def test_an_order_paid_on_alipay_closes_its_open_wechat_prepay(api, committed):
    shop = tea_shop()
    phone = new_phone()
    wechat, openid, _ = wechat_login(api)
    bind_wechat_phone(api, wechat, openid, phone)
    alipay, user_id, _ = alipay_login(api)
    answer = bind_alipay_phone(api, alipay, user_id, phone)
    alipay = bearer(answer["token"]) if answer.get("token") else alipay
    address = add_address(wechat)
    add_to_basket(wechat, shop.keemun.pk, 1)
    placed, _preview, _key = place_order(
        wechat, {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"})
    number = placed["number"]

    # The shopper opens the payment on WeChat, switches to Alipay and pays, then pays on WeChat too.
    prepay = ok(wechat.post(f"/api/v1/orders/{number}/pay/", {"provider": "wechat"}, format="json"))
    trade = ok(alipay.post(f"/api/v1/orders/{number}/pay/", {"provider": "alipay"}, format="json"))
    with committed():
        ok(api.post("/sandbox/alipay/complete/", {"trade_no": trade["trade_no"], "result": "success"}, format="json"))
    with committed():
        ok(api.post("/sandbox/wechatpay/complete/",
                    {"prepay_id": prepay["params"]["package"].removeprefix("prepay_id="), "result": "success"},
                    format="json"))

    order = order_of(wechat, number)
    assert order["status"] == "paid"
    # The Alipay payment closed the open WeChat prepay, so the payer could not pay twice.
    assert PayTrade.objects.get().state == "CLOSED"
    assert list(PaymentTransaction.objects.values_list("provider", flat=True)) == ["alipay"]
    assert not Refund.objects.exists() and not PaymentProblem.objects.exists()


def test_a_cancelled_order_puts_its_units_back_on_the_shelf(api, committed):
    shop = tea_shop(stock=3)
    shopper, _openid, _ = wechat_login(api)
    address = add_address(shopper)
    add_to_basket(shopper, shop.keemun.pk, 3)
    placed, _preview, _key = place_order(
        shopper, {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"})
    product = ok(api.get(f"/api/v1/products/{shop.keemun.pk}/"))
    assert (product["in_stock"], product["skus"][0]["available_quantity"]) == (False, 0)
    other, _openid, _ = wechat_login(api)
    refused = other.post("/api/v1/basket/lines/", {"sku": shop.keemun.pk, "quantity": 1}, format="json")
    assert refused.status_code == 409

    with committed():
        cancelled = ok(shopper.post(f"/api/v1/orders/{placed['number']}/cancel/"))

    assert cancelled["status"] == "cancelled"
    product = ok(api.get(f"/api/v1/products/{shop.keemun.pk}/"))
    assert (product["in_stock"], product["skus"][0]["available_quantity"]) == (True, 3)
    stock = StockRecord.objects.get(product=shop.keemun)
    assert (stock.num_in_stock, stock.num_allocated or 0) == (3, 0)
    add_to_basket(other, shop.keemun.pk, 1)
