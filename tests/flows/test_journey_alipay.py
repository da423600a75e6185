"""An Alipay shopper collects one order at the store with its pickup code, and gets the money
of another back through an after-sales request that operations approve in the admin."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.apps.partner.models import StockRecord

from storefront.orders.models import AfterSalesRequest
from storefront.payments.models import Refund
from tests.steps import (
    add_address,
    add_to_basket,
    alipay_login,
    bind_alipay_phone,
    new_phone,
    notice_templates,
    ok,
    order_of,
    pay_alipay,
    place_order,
    tea_shop,
)

pytestmark = pytest.mark.django_db


def test_an_alipay_shopper_picks_up_one_order_and_gets_a_refund_for_another(api, operations, committed):
    shop = tea_shop(stock=5)
    shopper, user_id, login = alipay_login(api)
    assert login["is_new"] is True
    bind_alipay_phone(api, shopper, user_id, new_phone())
    detail = ok(api.get(f"/api/v1/products/{shop.longjing.pk}/"))
    small = detail["skus"][0]

    # Order 1: pick up at the store.
    add_to_basket(shopper, small["id"], 2)
    body = {"store_id": shop.store.pk, "shipping_method": "pickup", "payment_method": "alipay"}
    placed, preview, _key = place_order(shopper, body)
    assert (preview["shipping"], placed["total"]) == ("0.00", "136.00")
    pickup_number = placed["number"]
    assert order_of(shopper, pickup_number).get("pickup_code") in (None, "")  # not before it is paid

    pay, trade = pay_alipay(api, shopper, pickup_number, committed)
    assert trade["trade_status"] in ("TRADE_SUCCESS", "TRADE_FINISHED")
    paid = order_of(shopper, pickup_number)
    assert paid["status"] == "paid"
    code = paid["pickup_code"]
    assert code and len(code) == 8
    qr = shopper.get(f"/api/v1/orders/{pickup_number}/pickup-qr/")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/png"

    # At the counter, staff enter the code in the admin.
    with committed():
        handed = operations.post(reverse("admin:storefront_operationsorder_pickup"), {"code": code})
    assert handed.status_code == 302, handed.content.decode()[:3000]
    assert order_of(shopper, pickup_number)["status"] == "completed"

    # Order 2: delivered to an address; the shopper changes their mind once paid.
    address = add_address(shopper)
    add_to_basket(shopper, shop.keemun.pk, 1)
    body = {"address_id": address["id"], "shipping_method": "standard", "payment_method": "alipay"}
    placed, preview, _key = place_order(shopper, body)
    assert (preview["items"], preview["shipping"], placed["total"]) == ("45.50", "10.00", "55.50")
    number = placed["number"]
    pay_alipay(api, shopper, number, committed)
    assert order_of(shopper, number)["status"] == "paid"
    assert StockRecord.objects.get(product=shop.keemun).num_in_stock == 4

    asked = ok(
        shopper.post(
            f"/api/v1/orders/{number}/refund-request/", {"type": "refund_only", "reason": "不想要了"}, format="json"
        ),
        201,
    )
    request = AfterSalesRequest.objects.get(pk=asked["id"])
    request.restock = True
    request.save(update_fields=["restock"])

    changelist = reverse("admin:storefront_aftersalesrequest_changelist")
    with committed():
        approved = operations.post(changelist, {"action": "approve", "_selected_action": [request.pk]})
    assert approved.status_code == 302, approved.content.decode()[:3000]

    order = order_of(shopper, number)
    assert order["status"] == "refunded"
    refund = Refund.objects.get()
    assert (refund.amount, refund.status) == (Decimal("55.50"), "success")
    assert [r["status"] for r in order["payments"][0]["refunds"]] == ["success"]
    # The goods came back on sale, as the request's box said.
    assert StockRecord.objects.get(product=shop.keemun).num_in_stock == 5


def test_an_alipay_shopper_who_subscribed_is_told_once_that_the_order_is_paid_and_shipped(api, committed):
    from oscar.apps.order.models import Order

    from logistics.services import ensure_default_carriers, ship_order
    from platforms.models import NoticeLog
    from platforms.sandbox.alipay_models import AlipayMessage

    shop = tea_shop()
    notice_templates("alipay")
    ensure_default_carriers()
    shopper, user_id, _login = alipay_login(api)
    ok(
        shopper.post(
            "/api/v1/notifications/grants/",
            {"platform": "alipay", "accepted": ["tpl-alipay-order_paid", "tpl-alipay-order_shipped"], "rejected": []},
            format="json",
        )
    )
    address = add_address(shopper)
    add_to_basket(shopper, shop.keemun.pk, 1)
    placed, _preview, _key = place_order(
        shopper, {"address_id": address["id"], "shipping_method": "standard", "payment_method": "alipay"}
    )
    pay_alipay(api, shopper, placed["number"], committed)
    with committed():
        ship_order(order=Order.objects.get(number=placed["number"]), carrier="ZTO", tracking_number="731234567890421")

    assert sorted(AlipayMessage.objects.filter(to_user_id=user_id).values_list("template_id", flat=True)) == [
        "tpl-alipay-order_paid",
        "tpl-alipay-order_shipped",
    ]
    assert sorted(NoticeLog.objects.values_list("event", "status")) == [
        ("order_paid", "sent"),
        ("order_shipped", "sent"),
    ]
