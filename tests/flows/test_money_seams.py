"""Money and stock at the seams between checkout, payments and the two providers: a shopper who
tries to pay one order on both platforms, and units that go back on the shelf when an order is
cancelled."""

from decimal import Decimal

import pytest
from oscar.apps.partner.models import StockRecord

from platforms.sandbox.models import PayTrade
from storefront.payments.models import PaymentProblem, PaymentTransaction, Refund
from tests.steps import (
    add_address,
    add_to_basket,
    alipay_login,
    bearer,
    bind_alipay_phone,
    bind_wechat_phone,
    new_phone,
    ok,
    order_of,
    pay_wechat,
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
        wechat, {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"}
    )
    number = placed["number"]

    # The shopper opens the payment on WeChat, switches to Alipay and pays, then pays on WeChat too.
    prepay = ok(wechat.post(f"/api/v1/orders/{number}/pay/", {"provider": "wechat"}, format="json"))
    trade = ok(alipay.post(f"/api/v1/orders/{number}/pay/", {"provider": "alipay"}, format="json"))
    with committed():
        ok(api.post("/sandbox/alipay/complete/", {"trade_no": trade["trade_no"], "result": "success"}, format="json"))
    with committed():
        ok(
            api.post(
                "/sandbox/wechatpay/complete/",
                {"prepay_id": prepay["params"]["package"].removeprefix("prepay_id="), "result": "success"},
                format="json",
            )
        )

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
        shopper, {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"}
    )
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


def _paid_two_line_order(api, committed):
    """A WeChat order of 2 x 祁门红茶 (45.50) and 1 x 明前龙井 50g (68.00), free delivery: 159.00."""
    shop = tea_shop()
    shopper, _openid, _ = wechat_login(api)
    address = add_address(shopper)
    add_to_basket(shopper, shop.keemun.pk, 2)
    add_to_basket(shopper, shop.skus[0].pk, 1)
    placed, _preview, _key = place_order(
        shopper, {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"}
    )
    assert placed["total"] == "159.00"
    pay_wechat(api, shopper, placed["number"], committed)
    order = order_of(shopper, placed["number"])
    keemun = next(line for line in order["lines"] if line["sku"] == shop.keemun.pk)
    longjing = next(line for line in order["lines"] if line["sku"] != shop.keemun.pk)
    return shopper, placed["number"], keemun["id"], longjing["id"]


def _approve(operations, committed, request_id):
    from django.urls import reverse

    with committed():
        response = operations.post(
            reverse("admin:storefront_aftersalesrequest_changelist"),
            {"action": "approve", "_selected_action": [request_id]},
        )
    assert response.status_code == 302


def test_naming_one_line_twice_in_a_refund_request_cannot_ask_for_more_than_was_bought(api, committed):
    shopper, number, keemun_line, _longjing_line = _paid_two_line_order(api, committed)

    response = shopper.post(
        f"/api/v1/orders/{number}/refund-request/",
        {
            "type": "refund_only",
            "reason": "重复",
            "lines": [{"line_id": keemun_line, "quantity": 2}, {"line_id": keemun_line, "quantity": 2}],
        },
        format="json",
    )

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid_input"
    from storefront.orders.models import AfterSalesRequest

    assert not AfterSalesRequest.objects.exists()


def test_units_already_refunded_cannot_be_refunded_again(api, operations, committed):
    shopper, number, keemun_line, longjing_line = _paid_two_line_order(api, committed)
    first = ok(
        shopper.post(
            f"/api/v1/orders/{number}/refund-request/",
            {
                "type": "refund_only",
                "reason": "买多了",
                "lines": [{"line_id": keemun_line, "quantity": 2}],
            },
            format="json",
        ),
        201,
    )
    assert first["amount"] == "91.00"
    _approve(operations, committed, first["id"])
    assert order_of(shopper, number)["status"] == "paid"

    again = shopper.post(
        f"/api/v1/orders/{number}/refund-request/",
        {
            "type": "refund_only",
            "reason": "再退一次",
            "lines": [{"line_id": keemun_line, "quantity": 2}],
        },
        format="json",
    )

    assert again.status_code == 400, again.json()
    # The other line can still be refunded, for what it cost.
    other = ok(
        shopper.post(
            f"/api/v1/orders/{number}/refund-request/",
            {
                "type": "refund_only",
                "reason": "也不要了",
                "lines": [{"line_id": longjing_line, "quantity": 1}],
            },
            format="json",
        ),
        201,
    )
    assert other["amount"] == "68.00"
    _approve(operations, committed, other["id"])
    assert order_of(shopper, number)["status"] == "refunded"
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [Decimal("68.00"), Decimal("91.00")]


def test_a_line_refunded_before_shipping_is_not_shipped_and_the_order_counts_as_shipped(api, operations, committed):
    from django.urls import reverse
    from oscar.apps.order.models import Order

    from config.errors import KitError
    from logistics.services import ensure_default_carriers, ship_order

    ensure_default_carriers()
    shopper, number, keemun_line, longjing_line = _paid_two_line_order(api, committed)
    with committed():
        ship_order(
            order=Order.objects.get(number=number),
            carrier="ZTO",
            tracking_number="731234567890521",
            lines={keemun_line: 2},
        )
    asked = ok(
        shopper.post(
            f"/api/v1/orders/{number}/refund-request/",
            {
                "type": "refund_only",
                "reason": "不要龙井了",
                "lines": [{"line_id": longjing_line, "quantity": 1}],
            },
            format="json",
        ),
        201,
    )
    _approve(operations, committed, asked["id"])

    with pytest.raises(KitError):
        ship_order(
            order=Order.objects.get(number=number),
            carrier="ZTO",
            tracking_number="731234567890621",
            lines={longjing_line: 1},
        )
    assert number not in operations.get(reverse("admin:logistics_ordertoship_changelist")).content.decode()
    assert order_of(shopper, number)["status"] == "shipped"
